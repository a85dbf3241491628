/** ioredis connections with every script defined on them. */
import { Redis } from 'ioredis';
import { defineScripts } from '../store/scripts.js';

/** Reconnect attempts back off to this delay (ms). */
const MAX_RECONNECT_DELAY_MS = 500;
/**
 * While Redis is unreachable, waiting commands fail every this-many-plus-one reconnect attempts (ioredis
 * counts them per connection), so a request answers 503 within about 3 s (auto-pipelined commands can wait
 * for one such round behind the running pipeline) instead of hanging for 10 to 40 s (as with 20 retries and
 * ioredis's default back-off, which grows to 2 s).
 */
const MAX_RETRIES_PER_REQUEST = 2;

/** Accepts redis://, rediss:// and redis+unix:///path/to/socket. */
export function connectRedis(url: string, name = 'serialhub'): Redis {
  const options = {
    connectionName: name,
    maxRetriesPerRequest: MAX_RETRIES_PER_REQUEST,
    retryStrategy: (times: number) => Math.min(times * 100, MAX_RECONNECT_DELAY_MS),
    enableAutoPipelining: true,
  };
  const redis = url.startsWith('redis+unix://')
    ? new Redis({ ...options, path: url.slice('redis+unix://'.length) })
    : new Redis(url, options);
  defineScripts(redis);
  return redis;
}
