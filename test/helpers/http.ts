/**
 * Raw HTTP for tests that need what fetch does not give: a chosen local address (the login throttle counts
 * per address, and the address budget is shared by every hub on the test run's Redis), arbitrary or missing
 * content types, chunked bodies without a content-length, and exact header control.
 */
import { request, type IncomingHttpHeaders } from 'node:http';

export interface RawReply<T = any> {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  /** The parsed JSON body, or null when the body is not JSON. */
  body: T;
}

export interface RawOptions {
  method?: string;
  headers?: Record<string, string | number>;
  /** Sent with a content-length. */
  body?: string | Buffer;
  /** Sent chunked (no content-length), one write per chunk. */
  chunks?: Iterable<Buffer | string>;
  /** Source address on the loopback network, e.g. 127.0.0.77. */
  localAddress?: string;
}

export function rawRequest<T = any>(baseUrl: string, path: string, opts: RawOptions = {}): Promise<RawReply<T>> {
  const url = new URL(path, baseUrl);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname + url.search,
        method: opts.method ?? 'GET',
        headers: {
          ...(opts.body !== undefined ? { 'content-length': Buffer.byteLength(opts.body) } : {}),
          ...opts.headers,
        },
        agent: false,
        ...(opts.localAddress ? { localAddress: opts.localAddress } : {}),
      },
      (res) => {
        const parts: Buffer[] = [];
        res.on('data', (c: Buffer) => parts.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(parts).toString('utf8');
          let body: unknown = null;
          try {
            body = text ? JSON.parse(text) : null;
          } catch {
            body = null;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, body: body as T });
        });
      },
    );
    req.on('error', reject);
    if (opts.chunks) {
      for (const c of opts.chunks) req.write(c);
      req.end();
    } else {
      req.end(opts.body);
    }
  });
}

/** A JSON call from a chosen loopback address. */
export function callFrom<T = any>(
  localAddress: string,
  baseUrl: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<RawReply<T>> {
  return rawRequest<T>(baseUrl, path, {
    method,
    localAddress,
    headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
}
