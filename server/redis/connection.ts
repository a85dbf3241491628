/** ioredis connections with every script defined on them: one Redis, or a Redis Cluster. */
import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';
import { defineScripts, loadScriptsOnConnect } from '../store/scripts.js';
import { isCluster } from './cluster.js';

/** Reconnect attempts back off to this delay (ms). */
const MAX_RECONNECT_DELAY_MS = 500;
/**
 * While Redis is unreachable, waiting commands fail every this-many-plus-one reconnect attempts (ioredis
 * counts them per connection), so a request answers 503 within about 3 s (auto-pipelined commands can wait
 * for one such round behind the running pipeline) instead of hanging for 10 to 40 s (as with 20 retries and
 * ioredis's default back-off, which grows to 2 s).
 */
const MAX_RETRIES_PER_REQUEST = 2;
/**
 * A command that was sent but not answered when the connection dropped is NOT sent again on reconnect
 * (ioredis would by default): Redis may have run it already, and a second run of a script such as
 * addSaleLine answers as if the first never happened ("already on this sale", or a quantity added twice).
 * Such a request answers UNAVAILABLE instead, an outcome the caller knows to be unknown: it retries under
 * its own idempotent id or resyncs. Commands not yet sent (queued while disconnected) are still sent once.
 */
const RESEND_UNANSWERED = false;
/**
 * ioredis forgets an unanswered command it does not resend without ever settling its promise: this timeout
 * settles it (as UNAVAILABLE). Far longer than any of our scripts takes (a 100,000-serial receipt: under
 * 1 s), and shorter than a register's own 10 s request timeout, so the register hears UNAVAILABLE.
 */
export const COMMAND_TIMEOUT_MS = 8_000;

/** Accepts redis://, rediss:// and redis+unix:///path/to/socket. */
export function connectRedis(url: string, name = 'serialhub'): Redis {
  const options = {
    connectionName: name,
    maxRetriesPerRequest: MAX_RETRIES_PER_REQUEST,
    autoResendUnfulfilledCommands: RESEND_UNANSWERED,
    commandTimeout: COMMAND_TIMEOUT_MS,
    retryStrategy: (times: number) => Math.min(times * 100, MAX_RECONNECT_DELAY_MS),
    enableAutoPipelining: true,
  };
  const redis = url.startsWith('redis+unix://')
    ? new Redis({ ...options, path: url.slice('redis+unix://'.length) })
    : new Redis(url, options);
  defineScripts(redis);
  loadScriptsOnConnect(redis);
  return redis;
}

export interface ClusterSeed {
  host: string;
  port: number;
}

/**
 * A Redis Cluster client from seed nodes (it discovers the rest). Typed as `Redis`: the hub uses only what
 * both have in common (see cluster.ts); scripts are defined on it the same way, and ioredis routes each
 * EVALSHA by its KEYS[1], the store's meta key, to the master that owns the store's slot.
 */
export function connectRedisCluster(seeds: ClusterSeed[], password = '', name = 'serialhub'): Redis {
  const options: ClusterOptions = {
    redisOptions: {
      connectionName: name,
      maxRetriesPerRequest: MAX_RETRIES_PER_REQUEST,
      autoResendUnfulfilledCommands: RESEND_UNANSWERED,
      commandTimeout: COMMAND_TIMEOUT_MS,
      ...(password ? { password } : {}),
    },
    // a node that restarts keeps its slots: reconnect to it rather than wait for a MOVED that never comes
    clusterNodeRetryStrategy: (times: number) => Math.min(times * 100, MAX_RECONNECT_DELAY_MS),
    clusterRetryStrategy: (times: number) => Math.min(times * 100, MAX_RECONNECT_DELAY_MS),
    enableAutoPipelining: true,
    // writes and reads go to masters only: a replica may lag behind an acknowledged sale
    scaleReads: 'master',
    retryDelayOnFailover: 200,
    retryDelayOnClusterDown: 200,
  };
  const cluster = new Cluster(seeds, options);
  const redis = cluster as unknown as Redis;
  defineScripts(redis);
  // each master as ioredis connects to it, and again whenever it comes back after a restart
  loadScriptsOnConnect(redis);
  return redis;
}

/**
 * A second connection like `redis` (its own socket(s)), for the Socket.IO adapter. Its commands are a
 * blocking stream read (XREAD BLOCK, from a position: safe to send again) and XADDs of broadcasts, so it
 * resends what was in flight at once after a reconnect rather than stall until a timeout.
 */
export function duplicateRedis(redis: Redis, name: string): Redis {
  const adapterOptions = { connectionName: name, autoResendUnfulfilledCommands: true, commandTimeout: undefined };
  if (isCluster(redis)) {
    const cluster = redis as unknown as Cluster;
    return cluster.duplicate([], { redisOptions: { ...cluster.options.redisOptions, ...adapterOptions } }) as unknown as Redis;
  }
  return redis.duplicate(adapterOptions satisfies Partial<RedisOptions>);
}
