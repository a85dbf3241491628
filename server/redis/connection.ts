/** ioredis connections with every script defined on them. */
import { Redis } from 'ioredis';
import { defineScripts } from '../store/scripts.js';

/** Accepts redis://, rediss:// and redis+unix:///path/to/socket. */
export function connectRedis(url: string, name = 'serialhub'): Redis {
  const options = { connectionName: name, maxRetriesPerRequest: 20, enableAutoPipelining: true };
  const redis = url.startsWith('redis+unix://')
    ? new Redis({ ...options, path: url.slice('redis+unix://'.length) })
    : new Redis(url, options);
  defineScripts(redis);
  return redis;
}
