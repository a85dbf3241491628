/** The Express app: security headers, JSON bodies, the route table, the web app, and typed errors. */
import { existsSync } from 'node:fs';
import { randomUUID, timingSafeEqual } from 'node:crypto';
import express, { type ErrorRequestHandler, type Request, type RequestHandler } from 'express';
import cors from 'cors';
import helmet from 'helmet';
import type { Logger } from 'pino';
import type { ErrorBody } from '../protocol/errors.js';
import { allows } from './access.js';
import type { Deps } from './deps.js';
import { routeTable, type RequestContext, type RouteSpec } from './routes.js';
import type { Services } from './services/index.js';
import { ensureScriptsLoaded, SCRIPT_NAMES } from './store/scripts.js';
import { HubError } from './store/errors.js';

/** Largest JSON body: a receipt of 100,000 serials fits. */
export const BODY_LIMIT = '8mb';
const CLIENT_DIST = new URL('../dist/', import.meta.url);

function bearer(req: Request): string | undefined {
  const h = req.headers.authorization;
  return h?.startsWith('Bearer ') ? h.slice(7).trim() : undefined;
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Browsers send Origin: only the hub's own origin and the configured ones may call the API. */
export function originAllowed(origin: string | undefined, host: string | undefined, allowed: string[]): boolean {
  if (!origin) return true;
  if (allowed.includes(origin)) return true;
  try {
    return host !== undefined && new URL(origin).host === host;
  } catch {
    return false;
  }
}

function mount(deps: Deps, services: Services, spec: RouteSpec): RequestHandler {
  return async (req, res) => {
    let caller: RequestContext['caller'] = null;
    res.locals.route = spec.path;
    if (spec.access === 'admin') {
      const token = bearer(req);
      if (!deps.config.ADMIN_TOKEN) throw new HubError('FORBIDDEN', 'operator routes are off (set ADMIN_TOKEN)');
      if (!token || !sameSecret(token, deps.config.ADMIN_TOKEN)) throw new HubError('UNAUTHENTICATED', 'operator token required');
    } else if (spec.access !== 'public') {
      caller = await services.access.authenticate(bearer(req));
      res.locals.caller = caller;
      // from here on every line of this request says whose it is, not only the closing one
      res.locals.log = (res.locals.log as Logger).child({
        storeId: caller.storeId, terminalId: caller.terminalId ?? undefined, staffId: caller.staffId,
      });
      if (spec.access !== 'session' && !allows(caller.session.role, spec.access)) {
        throw new HubError('FORBIDDEN', `a ${caller.session.role} may not do this`);
      }
    }
    const body = await spec.handler({
      params: req.params as Record<string, string>,
      query: req.query,
      body: req.body,
      headers: req.headers,
      address: req.ip ?? req.socket.remoteAddress ?? 'unknown',
      caller,
    });
    res.status(spec.status ?? 200).json(body);
  };
}

/**
 * Errors that mean Redis is down, restarting, unreachable, or busy running a script past its time limit (BUSY:
 * the command was not run), so not a bug and not the caller's fault.
 */
export function isRedisUnavailable(err: unknown): boolean {
  const e = err as { name?: string; message?: string; code?: string };
  if (e?.name === 'MaxRetriesPerRequestError') return true;
  if (['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ENOENT'].includes(e?.code ?? '')) return true;
  return /^(LOADING|MASTERDOWN|READONLY|TRYAGAIN|CLUSTERDOWN|BUSY )|Connection is closed|Stream isn't writeable|Command timed out/.test(e?.message ?? '');
}

export function errorBody(err: unknown): { status: number; body: ErrorBody } {
  if (err instanceof HubError) {
    return { status: err.status, body: { code: err.code, message: err.message, ...(err.details !== undefined ? { details: err.details } : {}) } };
  }
  const e = err as { type?: string; status?: number };
  if (e?.type === 'entity.too.large') return { status: 413, body: { code: 'PAYLOAD_TOO_LARGE', message: `the body is over ${BODY_LIMIT}` } };
  if (e?.type === 'entity.parse.failed') return { status: 400, body: { code: 'BAD_JSON', message: 'the body is not valid JSON' } };
  if (e?.type === 'encoding.unsupported' || e?.type === 'charset.unsupported') {
    return { status: 415, body: { code: 'UNSUPPORTED_MEDIA_TYPE', message: 'send JSON in UTF-8' } };
  }
  if (isRedisUnavailable(err)) {
    return { status: 503, body: { code: 'UNAVAILABLE', message: 'the store database is unreachable: try again in a moment' } };
  }
  if (typeof e?.status === 'number' && e.status >= 400 && e.status < 500) {
    return { status: 400, body: { code: 'VALIDATION_FAILED', message: 'the request could not be read' } };
  }
  return { status: 500, body: { code: 'INTERNAL', message: 'the hub failed; nothing was written by this request' } };
}

export function createApp(deps: Deps, services: Services) {
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  // Behind nginx (deploy/nginx.conf): req.ip is the register's address, for the per-address login throttle.
  if (deps.config.TRUST_PROXY !== false) app.set('trust proxy', deps.config.TRUST_PROXY);
  app.use(
    helmet({
      contentSecurityPolicy: { directives: { 'connect-src': ["'self'", 'ws:', 'wss:'] } },
      crossOriginEmbedderPolicy: false,
    }),
  );

  app.get('/healthz', (_req, res) => {
    res.json({ ok: true });
  });
  // Ready while any master answers: with one master of a cluster down every hub is equally short of it, and
  // a balancer that took them all out would stop every store instead of that master's (DEPLOY.md, section 3).
  app.get('/readyz', async (_req, res) => {
    // After a Redis restart or SCRIPT FLUSH the scripts are loaded again here (calls reload them anyway).
    const check = await ensureScriptsLoaded(deps.redis);
    if (check.up.length === 0) {
      res.status(503).json({ code: 'UNAVAILABLE', message: `redis: ${check.down.map((d) => d.error).join('; ')}` });
    } else if (check.down.length > 0) {
      res.json({ ok: true, redis: 'degraded', scripts: SCRIPT_NAMES.length, unreachable: check.down.map((d) => d.node) });
    } else {
      res.json({ ok: true, redis: 'up', scripts: SCRIPT_NAMES.length });
    }
  });
  app.get('/metrics', async (_req, res) => {
    if (!deps.metrics) throw new HubError('ROUTE_NOT_FOUND', 'no metrics on this hub');
    res.type(deps.metrics.contentType).send(await deps.metrics.render());
  });

  // Every API request: a request id (X-Request-Id, kept if the proxy sent a sane one), a child logger
  // carrying it (and the store, register and staff member once the caller is known, see mount), one log line
  // when it ends, with its latency.
  app.use('/api', (req, res, next) => {
    const incoming = req.headers['x-request-id'];
    const reqId = typeof incoming === 'string' && /^[\w.:-]{1,64}$/.test(incoming) ? incoming : randomUUID();
    res.setHeader('x-request-id', reqId);
    res.locals.log = deps.log.child({ reqId });
    const started = performance.now();
    res.on('finish', () => {
      const seconds = (performance.now() - started) / 1000;
      const route = typeof res.locals.route === 'string' ? res.locals.route : 'unmatched';
      deps.metrics?.httpSeconds.observe({ method: req.method, route, status: String(res.statusCode) }, seconds);
      // a known caller is in the logger's bindings already; before that, a login names its store in the body
      const caller = res.locals.caller as RequestContext['caller'] | undefined;
      const named = (req.body as { storeId?: unknown } | undefined)?.storeId;
      (res.locals.log as Logger).info({
        method: req.method, route, status: res.statusCode, ms: Math.round(seconds * 1000),
        ...(caller ? {} : { storeId: typeof named === 'string' && /^[a-z0-9-]{1,32}$/.test(named) ? named : undefined }),
      }, 'request');
    });
    next();
  });

  if (deps.config.ALLOWED_ORIGINS.length > 0) {
    // Browsers on the configured origins (a back-office site, a dev server) may call the API.
    app.use('/api', cors({ origin: deps.config.ALLOWED_ORIGINS, allowedHeaders: ['authorization', 'content-type', 'x-device-token'], maxAge: 600 }));
  }
  app.use('/api', (req, _res, next) => {
    if (!originAllowed(req.headers.origin, req.headers.host, deps.config.ALLOWED_ORIGINS)) {
      return next(new HubError('ORIGIN_REFUSED', `origin ${req.headers.origin} is not allowed`));
    }
    const hasBody = Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
    if (hasBody && !req.is('application/json')) {
      return next(new HubError('UNSUPPORTED_MEDIA_TYPE', 'send the body as application/json'));
    }
    next();
  });
  app.use('/api', express.json({ limit: BODY_LIMIT, strict: true }));

  const router = express.Router();
  for (const spec of routeTable(services)) router[spec.method](spec.path, mount(deps, services, spec));
  app.use(router);
  app.use('/api', (_req, _res, next) => next(new HubError('ROUTE_NOT_FOUND', 'no such route')));

  if (existsSync(CLIENT_DIST)) {
    app.use(express.static(CLIENT_DIST.pathname, { index: 'index.html', maxAge: '1h' }));
    app.get('/{*path}', (_req, res) => res.sendFile('index.html', { root: CLIENT_DIST.pathname }));
  }

  const onError: ErrorRequestHandler = (err, req, res, _next) => {
    const { status, body } = errorBody(err);
    // the request's logger carries the caller once known (mount)
    const log = (res.locals.log as Logger | undefined) ?? deps.log;
    if (status >= 500) log.error({ err, method: req.method, path: req.path }, 'request failed');
    else log.debug({ code: body.code, method: req.method, path: req.path }, 'request refused');
    if (res.headersSent) return;
    res.status(status).json(body);
  };
  app.use(onError);
  return app;
}
