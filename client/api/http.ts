/** The hub's REST API from the browser: JSON in and out, the session token, typed errors. */
import type { ErrorBody } from '../../protocol/errors.js';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

export interface CallOptions {
  deviceToken?: string;
  /** Upload progress, 0..1 (uses XMLHttpRequest; for big receipts). */
  onUploadProgress?: (fraction: number) => void;
}

export class HubApi {
  constructor(
    readonly baseUrl = '',
    public token: string | null = null,
  ) {}

  private headers(opts: CallOptions = {}, hasBody = false): Record<string, string> {
    return {
      ...(hasBody ? { 'content-type': 'application/json' } : {}),
      ...(this.token ? { authorization: `Bearer ${this.token}` } : {}),
      ...(opts.deviceToken ? { 'x-device-token': opts.deviceToken } : {}),
    };
  }

  async call<T>(method: string, path: string, body?: unknown, opts: CallOptions = {}): Promise<T> {
    if (opts.onUploadProgress) return this.callWithProgress<T>(method, path, body, opts);
    let res: Response;
    try {
      res = await fetch(this.baseUrl + path, {
        method,
        headers: this.headers(opts, body !== undefined),
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch {
      throw new ApiError(0, 'OFFLINE', 'The hub cannot be reached. Check the network and try again.');
    }
    return HubApi.read<T>(res.status, await res.text());
  }

  private callWithProgress<T>(method: string, path: string, body: unknown, opts: CallOptions): Promise<T> {
    return new Promise((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      xhr.open(method, this.baseUrl + path);
      for (const [k, v] of Object.entries(this.headers(opts, body !== undefined))) xhr.setRequestHeader(k, v);
      xhr.upload.onprogress = (e) => e.lengthComputable && opts.onUploadProgress!(e.loaded / e.total);
      xhr.onload = () => {
        try {
          resolve(HubApi.read<T>(xhr.status, xhr.responseText));
        } catch (err) {
          reject(err);
        }
      };
      xhr.onerror = () => reject(new ApiError(0, 'OFFLINE', 'The hub cannot be reached. Check the network and try again.'));
      xhr.send(body === undefined ? null : JSON.stringify(body));
    });
  }

  private static read<T>(status: number, text: string): T {
    let parsed: unknown = null;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      // not json
    }
    if (status >= 200 && status < 300) return parsed as T;
    const err = (parsed ?? {}) as Partial<ErrorBody>;
    throw new ApiError(status, err.code ?? 'INTERNAL', err.message ?? `The hub answered ${status}`, err.details);
  }

  get<T>(path: string) {
    return this.call<T>('GET', path);
  }
  post<T>(path: string, body: unknown = {}, opts?: CallOptions) {
    return this.call<T>('POST', path, body, opts);
  }
  patch<T>(path: string, body: unknown) {
    return this.call<T>('PATCH', path, body);
  }
  delete<T>(path: string) {
    return this.call<T>('DELETE', path);
  }
}
