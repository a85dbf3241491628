/**
 * Every error code the hub can answer with, and the HTTP status each maps to.
 * Lua scripts return the same codes (a unit test checks every code a script names is listed here).
 */
export const ERROR_STATUS = {
  // 400: the request itself is malformed
  VALIDATION_FAILED: 400,
  BAD_JSON: 400,
  // 401/403: who you are, and what you may do
  UNAUTHENTICATED: 401,
  INVALID_CREDENTIALS: 401,
  DEVICE_TOKEN_INVALID: 401,
  FORBIDDEN: 403,
  TERMINAL_REQUIRED: 403,
  ORIGIN_REFUSED: 403,
  // 404: the thing named does not exist in this store
  NOT_FOUND: 404,
  ROUTE_NOT_FOUND: 404,
  PRODUCT_NOT_FOUND: 404,
  CUSTOMER_NOT_FOUND: 404,
  INVOICE_NOT_FOUND: 404,
  RECEIPT_NOT_FOUND: 404,
  SERIAL_NOT_FOUND: 404,
  STAFF_NOT_FOUND: 404,
  TERMINAL_NOT_FOUND: 404,
  SESSION_NOT_FOUND: 404,
  HOLD_NOT_FOUND: 404,
  SALE_NOT_FOUND: 404,
  RETURN_NOT_FOUND: 404,
  // 409: the request is well formed but the store's state refuses it
  STORE_EXISTS: 409,
  PART_NUMBER_TAKEN: 409,
  STAFF_CODE_TAKEN: 409,
  MODE_CHANGE_REFUSED: 409,
  NOT_ENFORCED: 409,
  SERIAL_NOT_IN_STOCK: 409,
  SERIAL_HELD: 409,
  HOLD_LOST: 409,
  OUT_OF_STOCK: 409,
  LAST_SUPERVISOR: 409,
  SALE_ID_CONFLICT: 409,
  RECEIPT_ID_CONFLICT: 409,
  RETURN_ID_CONFLICT: 409,
  PAIRING_CODE_INVALID: 409,
  // 413/415/422/429/431
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  RECEIPT_REJECTED: 422,
  SALE_REJECTED: 422,
  RETURN_REJECTED: 422,
  TOO_MANY_ATTEMPTS: 429,
  RATE_LIMITED: 429,
  HEADERS_TOO_LARGE: 431,
  // 426: the client speaks another protocol version (socket handshake)
  CLIENT_TOO_OLD: 426,
  CLIENT_TOO_NEW: 426,
  // 5xx: ours, never caused by input
  INTERNAL: 500,
  UNAVAILABLE: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;
export const ERROR_CODES = Object.keys(ERROR_STATUS) as ErrorCode[];

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(ERROR_STATUS, value);
}

/** The body of every error answer, on HTTP and in socket acks. */
export interface ErrorBody {
  code: ErrorCode;
  message: string;
  details?: unknown;
}
