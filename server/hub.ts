/** One hub process: Redis connection and scripts, services, HTTP app, sweeper. Used by index.ts and tests. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { createApp } from './app.js';
import type { Config } from './config.js';
import type { Deps } from './deps.js';
import { connectRedis } from './redis/connection.js';
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

export async function startHub(config: Config, log: Logger, redisUrl: string, liveOptions: LiveHubOptions = {}): Promise<Hub> {
  const redis = connectRedis(redisUrl);
  redis.on('error', (err) => log.warn({ err: err.message }, 'redis connection error'));
  await redis.ping();
  // The live hub is attached after the services exist; until then scripts have nobody to tell.
  let live: LiveHub | null = null;
  const scripts = new Scripts(redis, {
    onEvents: (storeId, events) => live?.broadcast(storeId, events),
    onSessionsEnded: (_storeId, hashes) => live?.endSessions(hashes.map(sessionIdOf)),
  });
  const deps: Deps = { redis, scripts, config, log };
  const services = createServices(deps);
  const app = createApp(deps, services);
  const server = createServer(app);
  server.keepAliveTimeout = 65_000;
  live = attachLiveHub(server, deps, services, liveOptions);
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
