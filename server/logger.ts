/** Structured logs (pino). Secrets never reach a log line: tokens, PINs and cookies are redacted. */
import { pino, type Logger } from 'pino';

export const REDACT_PATHS = [
  'pin',
  '*.pin',
  'token',
  '*.token',
  'deviceToken',
  '*.deviceToken',
  'req.headers.authorization',
  'req.headers["x-device-token"]',
  'req.headers.cookie',
];

export function createLogger(level: string): Logger {
  return pino({ level, redact: { paths: REDACT_PATHS, censor: '[redacted]' } });
}
