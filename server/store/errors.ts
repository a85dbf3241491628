/** The one error type the hub throws for anything a caller did or asked wrong; routes turn it into 4xx. */
import { ERROR_STATUS, type ErrorCode } from '../../protocol/errors.js';

export class HubError extends Error {
  override readonly name = 'HubError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
  get status(): number {
    return ERROR_STATUS[this.code];
  }
}
