/**
 * The live hub: Socket.IO on the hub's HTTP server. Registers authenticate with their staff session, join
 * their store's room, and hear every store event in sequence order; their requests are validated with the
 * protocol's zod schemas and answered with an ack. Hub processes share rooms through the Redis Streams
 * adapter. While a register is connected its holds are renewed; when its last socket leaves, the holds get
 * one grace period (the lease) before the sweeper releases them.
 */
import { randomUUID } from 'node:crypto';
import type { Server as HttpServer } from 'node:http';
import { createAdapter } from '@socket.io/redis-streams-adapter';
import { RateLimiterMemory } from 'rate-limiter-flexible';
import { Server, type Socket } from 'socket.io';
import type { z } from 'zod';
import type { ErrorBody } from '../../protocol/errors.js';
import type { StoreEvent } from '../../protocol/events.js';
import * as P from '../../protocol/socket.js';
import { PROTOCOL_VERSION } from '../../protocol/version.js';
import { allows, type Permission } from '../access.js';
import { errorBody, originAllowed } from '../app.js';
import { refuseIllFormedText } from '../routes.js';
import type { Caller, Deps } from '../deps.js';
import type { Services } from '../services/index.js';
import { duplicateRedis } from '../redis/connection.js';
import { HubError } from '../store/errors.js';
import { storeKeys } from '../store/keys.js';

/** Largest socket message; requests are small (receipts go over REST). */
export const MAX_SOCKET_MESSAGE_BYTES = 256 * 1024;
/** Requests a socket may make per second before it gets RATE_LIMITED acks. */
export const SOCKET_REQUESTS_PER_SECOND = 50;
/** RATE_LIMITED acks within FLOOD_WINDOW_S after which a flooding socket is disconnected. */
export const FLOOD_DISCONNECT_AFTER = 200;
const FLOOD_WINDOW_S = 10;
/** How long Socket.IO keeps a dropped socket's rooms and missed packets (the fast path only). */
export const RECOVERY_WINDOW_MS = 2 * 60_000;

type LiveServer = Server<P.ClientToServerEvents, P.ServerToClientEvents, P.InterServerEvents, P.SocketData & { caller: Caller }>;
type LiveSocket = Socket<P.ClientToServerEvents, P.ServerToClientEvents, P.InterServerEvents, P.SocketData & { caller: Caller }>;

export const storeRoom = (storeId: string) => `store:${storeId}`;
export const sessionRoom = (sessionId: string) => `session:${sessionId}`;
export const terminalRoom = (storeId: string, tid: string) => `terminal:${storeId}:${tid}`;
export const supervisorsRoom = (storeId: string) => `supervisors:${storeId}`;

/** How long the adapter's stream read blocks; also how long a closing hub waits for it. */
const ADAPTER_BLOCK_MS = 1_000;
const ADAPTER_SETTLE_MS = 300;

export interface LiveHubOptions {
  /** This process' id in presence records. @default a random uuid */
  hubId?: string;
  /** How often connected registers' holds and presence are renewed. @default min(lease / 4, 10 s) */
  heartbeatMs?: number;
}

export interface LiveHub {
  io: LiveServer;
  hubId: string;
  heartbeatMs: number;
  /** Sends store events to the store's registers (on every hub, through the adapter). */
  broadcast(storeId: string, events: StoreEvent[]): void;
  /** Tells the store's supervisors (on every hub). */
  alert(storeId: string, alert: P.Alert): void;
  /** Disconnects the sockets of ended sessions, on every hub. */
  endSessions(sessionIds: string[]): void;
  /** Renews holds and presence of this hub's registers now. */
  beat(): Promise<void>;
  close(): Promise<void>;
}

/** The transport an Engine.IO handshake asks for (`?transport=`). */
function handshakeTransport(url: string | undefined): string | null {
  return new URL(url ?? '/', 'http://hub').searchParams.get('transport');
}

function connectError(code: P.ConnectErrorCode, message: string): Error {
  return Object.assign(new Error(message), { data: { code, message } });
}

export function attachLiveHub(server: HttpServer, deps: Deps, services: Services, opts: LiveHubOptions = {}): LiveHub {
  const hubId = opts.hubId ?? randomUUID();
  const startedAt = Date.now();
  const adapterRedis = duplicateRedis(deps.redis, `serialhub-adapter-${process.pid}`);
  adapterRedis.on('error', (err) => deps.log.warn({ err: err.message }, 'adapter redis connection error'));
  const lease = deps.config.HOLD_LEASE_MS;
  const heartbeatMs = opts.heartbeatMs ?? Math.min(Math.floor(lease / 4), 10_000);
  const io: LiveServer = new Server(server, {
    serveClient: false,
    // A register that froze or lost its cable is noticed within PING_INTERVAL_MS + PING_TIMEOUT_MS (config;
    // Socket.IO's own 25 s + 20 s would keep a frozen register's holds alive), and its grace period starts.
    pingInterval: deps.config.PING_INTERVAL_MS,
    pingTimeout: deps.config.PING_TIMEOUT_MS,
    cors: { origin: deps.config.ALLOWED_ORIGINS },
    maxHttpBufferSize: MAX_SOCKET_MESSAGE_BYTES,
    // A foreign Origin on a WebSocket handshake is let through to the middleware below, which refuses it with
    // a reason the client can show (connect_error ORIGIN_REFUSED); refused here, it would only see a transport
    // error and retry forever. A polling handshake is still refused here, at the HTTP level: a browser on a
    // foreign origin could not read any answer to it anyway (it gets no CORS headers), and the hub opens no
    // Engine.IO session for it. (An upgrade of an accepted polling session is not a handshake: never asked.)
    allowRequest: (req, cb) => {
      const ok = handshakeTransport(req.url) === 'websocket' || originAllowed(req.headers.origin, req.headers.host, deps.config.ALLOWED_ORIGINS);
      cb(ok ? null : 'ORIGIN_REFUSED', ok);
    },
    connectionStateRecovery: { maxDisconnectionDuration: RECOVERY_WINDOW_MS, skipMiddlewares: false },
    // A connection of its own: the adapter duplicates it for its blocking stream reads and subscriptions.
    adapter: createAdapter(adapterRedis, { streamName: 'sh:socket.io', maxLen: 10_000, blockTimeInMs: ADAPTER_BLOCK_MS }),
  });

  /** store id -> terminal id -> sockets of it on this hub */
  const local = new Map<string, Map<string, number>>();

  io.use(async (socket, next) => {
    try {
      // first, so a foreign page learns nothing about the session it sent
      const { origin, host } = socket.handshake.headers;
      if (!originAllowed(origin, host, deps.config.ALLOWED_ORIGINS)) {
        return next(connectError('ORIGIN_REFUSED', `this hub does not accept connections from ${String(origin).slice(0, 100)}`));
      }
      const hs = P.Handshake.safeParse(socket.handshake.auth);
      if (!hs.success) return next(connectError('VALIDATION_FAILED', 'send { protocolVersion, token } as auth'));
      if (hs.data.protocolVersion < PROTOCOL_VERSION) {
        return next(connectError('CLIENT_TOO_OLD', `this hub speaks protocol ${PROTOCOL_VERSION}: update the register`));
      }
      if (hs.data.protocolVersion > PROTOCOL_VERSION) {
        return next(connectError('CLIENT_TOO_NEW', `this hub speaks protocol ${PROTOCOL_VERSION}: update the hub`));
      }
      const caller = await services.access.authenticate(hs.data.token);
      if (hs.data.deviceToken !== undefined) {
        // A register says which device it is: the session must be the one opened on it (a session token
        // copied to another machine, or to another paired register, is refused there).
        const device = await services.access.terminalOfDevice(hs.data.deviceToken, caller.storeId).catch((err: unknown) => {
          if (err instanceof HubError && err.code === 'DEVICE_TOKEN_INVALID') return null;
          throw err;
        });
        if (device === null || device !== caller.terminalId) {
          return next(connectError('UNAUTHENTICATED', 'this session was not opened on this register: log in on it'));
        }
      }
      socket.data = {
        storeId: caller.storeId, staffId: caller.staffId, role: caller.session.role,
        terminalId: caller.terminalId, sessionId: caller.session.id, caller,
      };
      next();
    } catch (err) {
      if (err instanceof HubError && err.code === 'UNAUTHENTICATED') return next(connectError('UNAUTHENTICATED', err.message));
      deps.log.warn({ err }, 'socket handshake failed');
      next(connectError('UNAVAILABLE', 'the hub could not check the session just now; retrying'));
    }
  });

  io.on('connection', (socket) => onConnection(socket));

  function onConnection(socket: LiveSocket) {
    const { storeId, terminalId, sessionId, caller } = socket.data;
    void socket.join([
      storeRoom(storeId), sessionRoom(sessionId),
      ...(terminalId ? [terminalRoom(storeId, terminalId)] : []),
      ...(socket.data.role === 'supervisor' ? [supervisorsRoom(storeId)] : []),
    ]);
    if (terminalId) void registerArrived(storeId, terminalId, caller.staffId);
    // Every line about this socket carries its store, register, staff member and socket id.
    const log = deps.log.child({ storeId, terminalId, staffId: caller.staffId, socketId: socket.id });
    log.info({ hub: hubId, transport: socket.conn.transport.name }, 'socket connected');
    const expiry = setTimeout(() => socket.disconnect(true), Math.max(0, caller.session.expiresAt - Date.now()));
    expiry.unref();
    socket.on('disconnect', (reason) => {
      log.info({ reason }, 'socket disconnected');
      clearTimeout(expiry);
      if (terminalId) void registerLeft(storeId, terminalId);
    });

    const limiter = new RateLimiterMemory({ points: SOCKET_REQUESTS_PER_SECOND, duration: 1 });
    const refusals = new RateLimiterMemory({ points: FLOOD_DISCONNECT_AFTER, duration: FLOOD_WINDOW_S });
    /** Counts a request against the socket's budget; a socket refused too often in a window is cut off. */
    async function admit() {
      try {
        await limiter.consume(socket.id);
      } catch {
        await refusals.consume(socket.id).catch(() => socket.disconnect(true));
        throw new HubError('RATE_LIMITED', `more than ${SOCKET_REQUESTS_PER_SECOND} requests a second: slow down`);
      }
    }
    const known = new Set<string>();

    /** One request handler: rate limit, validate, check the role, run, ack. Never throws. */
    function handle<S extends z.ZodType, R extends object>(
      event: keyof P.ClientToServerEvents,
      schema: S,
      permission: Permission,
      run: (input: z.infer<S>) => Promise<R>,
    ) {
      known.add(event);
      (socket as unknown as Socket).on(event, async (...args: unknown[]) => {
        // The protocol is (payload, ack). A call whose ack is elsewhere (no payload, or extra arguments) is not
        // carried out but still answered (VALIDATION_FAILED), rather than left without an answer.
        const [payload, second] = args;
        const last = args[args.length - 1];
        const misplaced = typeof second !== 'function' && typeof last === 'function';
        const ack = misplaced ? last : second;
        const started = performance.now();
        const reqId = randomUUID();
        const done = (outcome: string) => deps.metrics?.socketSeconds.observe({ event, outcome }, (performance.now() - started) / 1000);
        const reply = typeof ack === 'function' ? (ack as (r: unknown) => void) : () => {};
        try {
          await admit();
          if (!allows(socket.data.role, permission)) throw new HubError('FORBIDDEN', `a ${socket.data.role} may not do this`);
          if (misplaced) throw new HubError('VALIDATION_FAILED', `send ${event} as (payload, ack): nothing was done`);
          const parsed = schema.safeParse(payload ?? {});
          if (!parsed.success) {
            throw new HubError('VALIDATION_FAILED', `invalid ${event} payload`, {
              issues: parsed.error.issues.slice(0, 20).map((i) => ({ path: i.path.map(String).join('.'), message: i.message })),
            });
          }
          refuseIllFormedText(parsed.data, `${event} payload`);
          reply({ ok: true, ...(await run(parsed.data)) });
          done('ok');
          log.debug({ reqId, event, ms: Math.round(performance.now() - started) }, 'socket request');
        } catch (err) {
          const { status, body } = errorBody(err);
          done(status >= 500 ? 'error' : 'refused');
          if (status >= 500) log.error({ err, reqId, event }, 'socket request failed');
          else log.debug({ reqId, event, code: body.code }, 'socket request refused');
          reply({ ok: false, ...body } satisfies { ok: false } & ErrorBody);
        }
      });
    }

    const r = services.registers;
    handle('sync', P.SyncRequest, 'serials:read', (q) => r.resync(caller, q.lastSeq));
    handle('sale:open', P.OpenSaleRequest, 'holds:use', (q) => r.openSale(caller, q.saleId));
    handle('sale:addLine', P.AddLineRequest, 'holds:use', (q) => r.addLine(caller, q));
    handle('sale:pickSerial', P.PickSerialRequest, 'holds:use', async (q) => ({ sale: await r.pickSerial(caller, q) }));
    handle('sale:removeLine', P.RemoveLineRequest, 'holds:use', async (q) => ({ sale: await r.removeLine(caller, q) }));
    handle('sale:setQuantity', P.SetQuantityRequest, 'holds:use', async (q) => ({ sale: await r.setQuantity(caller, q) }));
    handle('sale:setCustomer', P.SetCustomerRequest, 'holds:use', async (q) => ({ sale: await r.setCustomer(caller, q) }));
    handle('sale:void', P.VoidSaleRequest, 'holds:use', async (q) => {
      await r.voidSale(caller, q.saleId);
      return { sale: null };
    });
    handle('sale:complete', P.CompleteOpenSaleRequest, 'sales:complete', (q) => r.completeOpenSale(caller, q));
    handle('serials:available', P.AvailableSerialsRequest, 'products:read', (q) =>
      services.catalog.listSerials(storeId, q.productId, { status: 'available', q: q.q, cursor: q.cursor, limit: q.limit }),
    );
    handle('hold:forceRelease', P.ForceReleaseRequest, 'holds:force', async (q) => ({
      released: await services.inventory.forceRelease(caller, q),
    }));

    socket.onAny(async (event: string, ...args: unknown[]) => {
      if (known.has(event)) return;
      const ack = args[args.length - 1];
      const reply = typeof ack === 'function' ? (ack as (r: unknown) => void) : () => {};
      try {
        await admit();
        reply({ ok: false, code: 'ROUTE_NOT_FOUND', message: `no event ${String(event).slice(0, 40)}` });
      } catch (err) {
        reply({ ok: false, ...errorBody(err).body });
      }
    });
  }

  async function registerArrived(storeId: string, tid: string, staffId: string) {
    const terminals = local.get(storeId) ?? new Map<string, number>();
    local.set(storeId, terminals);
    const count = (terminals.get(tid) ?? 0) + 1;
    terminals.set(tid, count);
    try {
      await deps.scripts.setPresence(storeId, tid, true, hubId, staffId);
      if (count === 1) await deps.scripts.heartbeat(storeId, hubId, lease, [tid]);
    } catch (err) {
      deps.log.warn({ err, storeId, terminalId: tid }, 'presence update failed');
    }
  }

  async function registerLeft(storeId: string, tid: string) {
    const terminals = local.get(storeId);
    const count = (terminals?.get(tid) ?? 1) - 1;
    if (count > 0) {
      terminals!.set(tid, count);
      return;
    }
    terminals?.delete(tid);
    if (terminals?.size === 0) local.delete(storeId);
    try {
      // The grace period starts now: one last renewal, then the holds run out unless it comes back.
      await deps.scripts.heartbeat(storeId, hubId, lease, [tid]);
      await deps.scripts.setPresence(storeId, tid, false, hubId, '');
    } catch (err) {
      deps.log.warn({ err, storeId, terminalId: tid }, 'presence update failed');
    }
  }

  async function beat() {
    for (const [storeId, terminals] of local) {
      if (terminals.size === 0) continue;
      try {
        await deps.scripts.heartbeat(storeId, hubId, lease, [...terminals.keys()]);
      } catch (err) {
        deps.log.warn({ err, storeId }, 'heartbeat failed; retrying next beat');
      }
    }
    await closeEndedSessions();
  }

  /**
   * A session ended elsewhere closes its sockets through the adapter (endSessions) at once; should that message
   * be lost (a hub that was cut off from Redis at the time), this check on every beat closes them anyway: a
   * socket's requests are never served for longer than one beat past the end of its session.
   */
  async function closeEndedSessions() {
    /** session key -> this hub's sockets of it */
    const bySession = new Map<string, LiveSocket[]>();
    for (const s of io.of('/').sockets.values()) {
      const key = storeKeys(s.data.storeId).session(s.data.caller.sessionHash);
      bySession.set(key, [...(bySession.get(key) ?? []), s]);
    }
    if (bySession.size === 0) return;
    try {
      const keys = [...bySession.keys()];
      const alive = await Promise.all(keys.map((k) => deps.redis.exists(k)));
      keys.forEach((k, i) => alive[i] === 0 && bySession.get(k)!.forEach((s) => s.disconnect(true)));
    } catch (err) {
      deps.log.warn({ err }, 'session check failed; retrying next beat');
    }
  }
  const timer = setInterval(() => void beat(), heartbeatMs);
  timer.unref();

  return {
    io,
    hubId,
    heartbeatMs,
    broadcast(storeId, events) {
      // One message per write: every register pays one WebSocket frame (one writev) per store change.
      if (events.length) io.to(storeRoom(storeId)).emit('events', events);
    },
    alert(storeId, alert) {
      io.to(supervisorsRoom(storeId)).emit('alert', alert);
    },
    endSessions(sessionIds) {
      if (sessionIds.length) io.in(sessionIds.map(sessionRoom)).disconnectSockets(true);
    },
    beat,
    async close() {
      clearInterval(timer);
      // The adapter rejects its first SUBSCRIBE unhandled if closed while it is still connecting.
      await new Promise((r) => setTimeout(r, Math.max(0, startedAt + ADAPTER_SETTLE_MS - Date.now())));
      // This hub's sockets only: through the adapter, io.disconnectSockets() would drop every hub's registers.
      io.local.disconnectSockets(true);
      await new Promise<void>((resolve) => io.close(() => resolve()));
      // Let the adapter's last stream read return (it then closes its own connections).
      await new Promise((r) => setTimeout(r, ADAPTER_BLOCK_MS + 100));
      await adapterRedis.quit().catch(() => adapterRedis.disconnect());
    },
  };
}
