/** What every service needs: the Redis connection, its scripts, the configuration and the logger. */
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Alert } from '../protocol/socket.js';
import type { Config } from './config.js';
import type { HubMetrics } from './metrics.js';
import type { Scripts, SessionRecord } from './store/scripts.js';

export interface Deps {
  redis: Redis;
  scripts: Scripts;
  config: Config;
  log: Logger;
  /** Tells the store's supervisors about a refused write (set by the live hub). */
  alert?: (storeId: string, alert: Alert) => void;
  /** Prometheus metrics of this hub (GET /metrics); absent in code that builds Deps by hand. */
  metrics?: HubMetrics;
}

/** The authenticated caller of a request. */
export interface Caller {
  storeId: string;
  session: SessionRecord;
  sessionHash: string;
  staffId: string;
  /** The register the session was opened on, or null for a back-office session. */
  terminalId: string | null;
}
