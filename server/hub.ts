/** One hub process: Redis connection and scripts, services, HTTP app, sweeper. Used by index.ts and tests. */
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { createApp } from './app.js';
import type { Config } from './config.js';
import type { Deps } from './deps.js';
import { HubMetrics } from './metrics.js';
import { checkRedisLayout } from './redis/cluster.js';
import { connectRedis, connectRedisCluster } from './redis/connection.js';
import { warnAboutPersistence } from './redis/persistence.js';
import { createServices, type Services } from './services/index.js';
import { sessionIdOf } from './services/secrets.js';
import { Scripts } from './store/scripts.js';
import { attachLiveHub, type LiveHub, type LiveHubOptions } from './socket/live.js';
import { Sweeper } from './sync/sweeper.js';

export interface Hub {
  server: Server;
  port: number;
  redis: Redis;
  services: Services;
  sweeper: Sweeper;
  live: LiveHub;
  deps: Deps;
  close(): Promise<void>;
}

/**
 * `redisUrl` is the one Redis (REDIS_URL or the embedded one); with REDIS_CLUSTER_NODES set it is ignored and
 * the hub uses the cluster. A layout the scripts cannot run on throws RedisSetupError (see redis/cluster.ts).
 */
export async function startHub(config: Config, log: Logger, redisUrl: string, liveOptions: LiveHubOptions = {}): Promise<Hub> {
  const clustered = config.REDIS_CLUSTER_NODES.length > 0;
  // for messages: a password in REDIS_URL is never printed
  const where = clustered ? config.REDIS_CLUSTER_NODES.map((n) => `${n.host}:${n.port}`).join(',') : redisUrl.replace(/\/\/[^@/]*@/, '//***@');
  const redis = clustered ? connectRedisCluster(config.REDIS_CLUSTER_NODES, config.REDIS_CLUSTER_PASSWORD) : connectRedis(redisUrl);
  redis.on('error', (err) => log.warn({ err: err.message }, 'redis connection error'));
  let layout: Awaited<ReturnType<typeof checkRedisLayout>>;
  try {
    if (!clustered) await redis.ping();
    layout = await checkRedisLayout(redis, where, { seeds: config.REDIS_CLUSTER_NODES });
  } catch (err) {
    redis.disconnect();
    throw err;
  }
  if (layout.mode === 'cluster') log.info({ nodes: where, masters: layout.masters, unreachable: layout.unreachable }, 'using a Redis Cluster');
  for (const warning of layout.warnings) log.warn(warning);
  // A Redis the hub did not start may not keep acknowledged writes through a crash: say so (the hub still starts).
  if (!clustered && config.REDIS_URL) await warnAboutPersistence(redis, log, where);
  const hubId = liveOptions.hubId ?? randomUUID();
  const metrics = new HubMetrics({ hubId, redisMode: layout.mode });
  // The live hub is attached after the services exist; until then scripts have nobody to tell.
  let live: LiveHub | null = null;
  const scripts = new Scripts(redis, {
    onEvents: (storeId, events) => live?.broadcast(storeId, events),
    onSessionsEnded: (_storeId, hashes) => live?.endSessions(hashes.map(sessionIdOf)),
    onScriptDone: (name, seconds, outcome, events) => metrics.observeScript(name, seconds, outcome, events),
  });
  const deps: Deps = { redis, scripts, config, log, metrics };
  const services = createServices(deps);
  const app = createApp(deps, services);
  const server = createServer(app);
  server.keepAliveTimeout = 65_000;
  // A request Node's HTTP parser refuses (a head over 16 KB, bad framing) never reaches Express: answer it with
  // the same JSON error body as every other refusal, then close, as Node itself would.
  server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
    if (!socket.writable || err.code === 'ECONNRESET' || err.code === 'ERR_HTTP_REQUEST_TIMEOUT') return void socket.destroy();
    const tooLarge = err.code === 'HPE_HEADER_OVERFLOW';
    const body = JSON.stringify(
      tooLarge
        ? { code: 'HEADERS_TOO_LARGE', message: 'the request line and headers are over 16 KB' }
        : { code: 'VALIDATION_FAILED', message: 'malformed HTTP request' },
    );
    socket.end(
      `HTTP/1.1 ${tooLarge ? '431 Request Header Fields Too Large' : '400 Bad Request'}\r\nContent-Type: application/json; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  });
  live = attachLiveHub(server, deps, services, { ...liveOptions, hubId });
  deps.alert = (storeId, alert) => live?.alert(storeId, alert);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.PORT, config.HOST, () => resolve());
  });
  const sweeper = new Sweeper(services.access, services.inventory, log, {
    intervalMs: config.SWEEP_INTERVAL_MS,
    // A register whose hub missed three beats (a hub killed with -9 says nothing) counts as offline.
    presenceSilenceMs: live.heartbeatMs * 3,
  });
  sweeper.start();
  const io = live.io;
  metrics.attach({
    redis,
    connected() {
      const registers = new Set<string>();
      let sockets = 0;
      for (const socket of io.of('/').sockets.values()) {
        sockets++;
        if (socket.data.terminalId) registers.add(`${socket.data.storeId}/${socket.data.terminalId}`);
      }
      return { sockets, registers: registers.size };
    },
    listStores: () => services.access.listStores(),
    sweeperReleased: () => sweeper.released,
  });
  return {
    server,
    port: (server.address() as AddressInfo).port,
    redis,
    services,
    sweeper,
    live,
    deps,
    async close() {
      await sweeper.stop();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      await live!.close();
      server.closeAllConnections();
      await closed;
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
