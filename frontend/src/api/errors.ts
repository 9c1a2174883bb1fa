// The contract's error body (shared/API.md "Errors") as an ApiError, for every answer that is not 2xx.
/** An error answer of the API (or of the network), as `{status, code, message, details}`. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: Record<string, unknown>;
  readonly retryAfter: number | null;

  constructor(
    status: number,
    code: string,
    message: string,
    details: Record<string, unknown> = {},
    retryAfter: number | null = null,
  ) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.details = details;
    this.retryAfter = retryAfter;
  }

  /** Per-field messages of a 422 `validation_error` (`details.fields`). */
  get fields(): Record<string, string> {
    const fields = this.details.fields;
    return fields && typeof fields === 'object' ? (fields as Record<string, string>) : {};
  }
}

const CODE_BY_STATUS: Record<number, string> = {
  400: 'bad_request',
  401: 'unauthenticated',
  402: 'card_declined',
  403: 'forbidden',
  404: 'not_found',
  409: 'conflict',
  422: 'validation_error',
  429: 'rate_limited',
  502: 'unavailable',
  503: 'unavailable',
  504: 'timeout',
};

/** Map any answer that is not 2xx to an ApiError: the contract's error body, or a code that fits the status. */
export function toApiError(status: number, body: unknown, retryAfterHeader: string | null = null): ApiError {
  const retryAfter = retryAfterHeader !== null && /^\d+$/.test(retryAfterHeader) ? Number(retryAfterHeader) : null;
  const error = (body as { error?: unknown } | null)?.error as
    | { code?: unknown; message?: unknown; details?: unknown }
    | undefined;
  if (error && typeof error.code === 'string') {
    const message = typeof error.message === 'string' ? error.message : 'The request failed.';
    const details = error.details && typeof error.details === 'object' ? (error.details as Record<string, unknown>) : {};
    return new ApiError(status, error.code, message, details, retryAfter);
  }
  const code = CODE_BY_STATUS[status] ?? (status >= 500 ? 'internal' : 'bad_request');
  return new ApiError(status, code, `The server answered ${status}.`, {}, retryAfter);
}
