/**
 * Redis Cluster support: what the hub checks before it serves, so a layout where one store's script would
 * span slots (or a cluster that is down, or a cluster node given as REDIS_URL) stops the start with a clear
 * message instead of failing request by request with CROSSSLOT or MOVED.
 *
 * The rest of the code holds a Cluster as the `Redis` type: the API it uses is the same on both (commands on
 * one store's keys, pipelines of one store's keys, defineCommand scripts, xrange, quit). The differences are
 * kept here: duplicate() (connection.ts), SCRIPT EXISTS/LOAD and PING on every master (dataNodes).
 */
import type { Cluster, Redis } from 'ioredis';
import { storeKeys } from '../store/keys.js';

/** A Redis layout the hub must not run on; index.ts prints the message and exits. */
export class RedisSetupError extends Error {}

/** ioredis marks its Cluster instances with isCluster = true. */
export function isCluster(redis: unknown): boolean {
  return (redis as { isCluster?: boolean } | null)?.isCluster === true;
}

/** The connections that hold data: every master of a cluster, or the one Redis. */
export function dataNodes(redis: Redis): Redis[] {
  return isCluster(redis) ? (redis as unknown as Cluster).nodes('master') : [redis];
}

/** Every key name of one store, with sample ids for the per-thing keys. */
export function sampleStoreKeyNames(storeId: string): string[] {
  return Object.values(storeKeys(storeId)).map((k) =>
    typeof k === 'function' ? (k as (id: number & string) => string)('1' as number & string) : k,
  );
}

function withTimeout<T>(p: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new RedisSetupError(message)), ms);
    }),
  ]);
}

/**
 * Refuses what would break the hub's single-slot scripts:
 *  - REDIS_URL pointing at a node with cluster mode on (keys of other slots would answer MOVED);
 *  - a cluster whose masters do not all report cluster_state:ok;
 *  - a cluster that would place one store's keys in different slots (every name in storeKeys is checked
 *    with CLUSTER KEYSLOT, for store ids of several shapes).
 * Returns what it saw, for the start-up log line.
 */
export async function checkRedisLayout(redis: Redis, where: string, timeoutMs = 15_000): Promise<{ mode: 'single' | 'cluster'; masters: number }> {
  if (!isCluster(redis)) {
    const info = await redis.info('cluster');
    if (/cluster_enabled:1/.test(info)) {
      throw new RedisSetupError(
        `REDIS_URL (${where}) is a Redis Cluster node: set REDIS_CLUSTER_NODES=host:port,... instead, so commands reach the node that owns each store`,
      );
    }
    return { mode: 'single', masters: 1 };
  }
  const cluster = redis as unknown as Cluster;
  if (cluster.status !== 'ready') {
    let lastError = '';
    let onError: (err: Error & { lastNodeError?: Error }) => void = () => {};
    try {
      await withTimeout(
        new Promise<void>((resolve, reject) => {
          cluster.once('ready', () => resolve());
          onError = (err) => {
            lastError = err.lastNodeError?.message ?? err.message;
            // a seed that is a plain Redis, or a wrong password: no use waiting
            if (/cluster support disabled/i.test(lastError)) {
              reject(new RedisSetupError(`REDIS_CLUSTER_NODES=${where} is a Redis without cluster mode: set REDIS_URL=redis://host:port instead`));
            } else if (/WRONGPASS|NOAUTH|invalid password|AUTH failed/i.test(lastError)) {
              reject(new RedisSetupError(`the Redis Cluster at ${where} refused the password (REDIS_CLUSTER_PASSWORD): ${lastError}`));
            }
          };
          cluster.on('error', onError);
        }),
        timeoutMs,
        `no Redis Cluster answered at REDIS_CLUSTER_NODES=${where} within ${timeoutMs / 1000}s`,
      );
    } catch (err) {
      if (err instanceof RedisSetupError && lastError && !err.message.includes(lastError)) err.message += ` (last error: ${lastError})`;
      throw err;
    } finally {
      cluster.off('error', onError);
    }
  }
  const masters = cluster.nodes('master');
  if (masters.length === 0) throw new RedisSetupError(`the Redis Cluster at ${where} has no master`);
  for (const node of masters) {
    const addr = `${node.options.host}:${node.options.port}`;
    let info: string;
    try {
      info = await withTimeout(node.cluster('INFO') as Promise<string>, timeoutMs, `Redis Cluster node ${addr} did not answer CLUSTER INFO`);
    } catch (err) {
      if (err instanceof RedisSetupError) throw err;
      throw new RedisSetupError(`Redis Cluster node ${addr} refused CLUSTER INFO: ${(err as Error).message}`);
    }
    const state = /cluster_state:(\w+)/.exec(info)?.[1];
    if (state !== 'ok') {
      const covered = /cluster_slots_ok:(\d+)/.exec(info)?.[1] ?? '?';
      throw new RedisSetupError(
        `Redis Cluster node ${addr} reports cluster_state:${state ?? 'unknown'} (${covered} of 16384 slots served): fix the cluster (redis-cli --cluster check ${addr}) before starting the hub`,
      );
    }
  }
  // One store, one slot: every script is then atomic on one node. Ask the cluster itself, not our own hash.
  for (const storeId of ['probe', 'a', 'store-with-a-longer-id-0123456789']) {
    const names = sampleStoreKeyNames(storeId);
    const slots = await Promise.all(names.map((k) => masters[0]!.cluster('KEYSLOT', k) as Promise<number>));
    const distinct = new Set(slots);
    if (distinct.size !== 1) {
      const bySlot = names.map((k, i) => `${k} -> ${slots[i]}`).join(', ');
      throw new RedisSetupError(`the keys of store "${storeId}" fall in ${distinct.size} slots (${bySlot}): its scripts would fail with CROSSSLOT`);
    }
  }
  return { mode: 'cluster', masters: masters.length };
}
