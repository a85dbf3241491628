/** One hub process: Redis connection and scripts, services, HTTP app, sweeper. Used by index.ts and tests. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { StoreEvent } from '../protocol/events.js';
import { createApp } from './app.js';
import type { Config } from './config.js';
import type { Deps } from './deps.js';
import { connectRedis } from './redis/connection.js';
import { createServices, type Services } from './services/index.js';
import { Scripts } from './store/scripts.js';
import { Sweeper } from './sync/sweeper.js';

export interface Hub {
  server: Server;
  port: number;
  redis: Redis;
  services: Services;
  sweeper: Sweeper;
  deps: Deps;
  close(): Promise<void>;
}

export async function startHub(config: Config, log: Logger, redisUrl: string): Promise<Hub> {
  const redis = connectRedis(redisUrl);
  redis.on('error', (err) => log.warn({ err: err.message }, 'redis connection error'));
  await redis.ping();
  const listeners: ((storeId: string, events: StoreEvent[]) => void)[] = [];
  const scripts = new Scripts(redis, (storeId, events) => listeners.forEach((l) => l(storeId, events)));
  const deps: Deps = { redis, scripts, config, log };
  const services = createServices(deps);
  const app = createApp(deps, services);
  const server = createServer(app);
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.PORT, config.HOST, () => resolve());
  });
  const sweeper = new Sweeper(services.access, services.inventory, log, { intervalMs: config.SWEEP_INTERVAL_MS });
  sweeper.start();
  return {
    server,
    port: (server.address() as AddressInfo).port,
    redis,
    services,
    sweeper,
    deps,
    async close() {
      await sweeper.stop();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
