/**
 * Redis Cluster support: what the hub checks before it serves, so a layout where one store's script would
 * span slots (or slots nobody serves, or nodes of two clusters, or a cluster node given as REDIS_URL) stops
 * the start with a clear message instead of failing request by request with CROSSSLOT, MOVED or CLUSTERDOWN.
 * A master that is down is not such a layout: the hub starts and serves the other masters' stores.
 *
 * The rest of the code holds a Cluster as the `Redis` type: the API it uses is the same on both (commands on
 * one store's keys, pipelines of one store's keys, defineCommand scripts, xrange, quit). The differences are
 * kept here: duplicate() (connection.ts), SCRIPT EXISTS/LOAD and PING on every master (dataNodes).
 */
import { Redis, type Cluster, type RedisOptions } from 'ioredis';
import { storeKeys } from '../store/keys.js';
import type { ClusterSeed } from './connection.js';

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

/** A master's address as host:port, for messages and metrics. */
export function nodeAddress(node: Redis): string {
  return `${node.options.host}:${node.options.port}`;
}

/** A master that does not answer the start-up probe within this time counts as unreachable. */
const PROBE_MS = 5_000;
/** Masters that disagree about the slot map are asked again this many times, this far apart (gossip settling). */
const LAYOUT_TRIES = 3;
const LAYOUT_RETRY_MS = 1_000;

interface SlotRange {
  from: number;
  to: number;
  /** Node id of the master that serves the range. */
  owner: string;
}

/** CLUSTER SLOTS: [[from, to, [host, port, id, ...], ...replicas], ...] -> ranges by first slot. */
function parseSlots(reply: unknown): SlotRange[] {
  return (reply as [number, number, [string, number, string?]][])
    .map(([from, to, master]) => ({ from, to, owner: master[2] ?? `${master[0]}:${master[1]}` }))
    .sort((a, b) => a.from - b.from);
}

/** Slots no master serves, as "a-b" ranges. */
function unassignedRanges(ranges: SlotRange[]): { count: number; ranges: string[] } {
  const gaps: string[] = [];
  let count = 0;
  let next = 0;
  for (const r of [...ranges, { from: 16384, to: 16384, owner: '' }]) {
    if (r.from > next) {
      gaps.push(r.from - 1 === next ? String(next) : `${next}-${r.from - 1}`);
      count += r.from - next;
    }
    next = Math.max(next, r.to + 1);
  }
  return { count, ranges: gaps };
}

interface MasterProbe {
  addr: string;
  node: Redis;
  /** Set when it answered. */
  state?: string;
  slots?: SlotRange[];
  /** Node id -> host:port of every node it knows (CLUSTER NODES), replicas and slot-less masters included. */
  known?: Map<string, string>;
  error?: string;
}

async function probeMaster(node: Redis): Promise<MasterProbe> {
  const addr = nodeAddress(node);
  try {
    const [info, slots, nodes] = await withTimeout(
      Promise.all([node.cluster('INFO') as Promise<string>, node.cluster('SLOTS'), node.cluster('NODES') as Promise<string>]),
      PROBE_MS, `no answer within ${PROBE_MS / 1000}s`,
    );
    return {
      addr, node,
      state: /cluster_state:(\w+)/.exec(info)?.[1] ?? 'unknown',
      slots: parseSlots(slots),
      // "<id> <ip:port@bus[,hostname]> <flags> ..."
      known: new Map(nodes.trim().split('\n').map((line) => {
        const [id, address] = line.split(' ');
        return [id!, address!.split('@')[0]!];
      })),
    };
  } catch (err) {
    const e = err as Error;
    return { addr, node, error: e.name === 'MaxRetriesPerRequestError' ? 'no connection' : e.message };
  }
}

/**
 * The node id of one REDIS_CLUSTER_NODES entry, over a connection of its own (ioredis uses only the first
 * seed that answers, so a seed of another cluster would otherwise go unnoticed until that seed is the one).
 */
async function seedIdentity(seed: ClusterSeed, options: RedisOptions): Promise<{ id?: string; error?: string }> {
  const conn = new Redis({
    host: seed.host, port: seed.port,
    ...(options.username ? { username: options.username } : {}),
    ...(options.password ? { password: options.password } : {}),
    ...(options.tls ? { tls: options.tls } : {}),
    lazyConnect: true, connectTimeout: PROBE_MS, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false,
    connectionName: 'serialhub-startup-probe',
  });
  conn.on('error', () => {}); // reported through the rejected command
  try {
    await conn.connect();
    return { id: (await conn.cluster('MYID')) as string };
  } catch (err) {
    return { error: (err as Error).message };
  } finally {
    conn.disconnect();
  }
}

export interface RedisLayout {
  mode: 'single' | 'cluster';
  masters: number;
  /** Masters (host:port) that did not answer: their stores answer 503 UNAVAILABLE until they are back. */
  unreachable: string[];
  /** What the hub starts despite, one line each, for the start-up log. */
  warnings: string[];
}

/**
 * Refuses what would break the hub's single-slot scripts or split a chain:
 *  - REDIS_URL pointing at a node with cluster mode on (keys of other slots would answer MOVED);
 *  - slots that no master serves (the stores hashing there could never be served), from CLUSTER SLOTS;
 *  - masters that disagree about who serves which slot, or a REDIS_CLUSTER_NODES entry that is not a node of
 *    the cluster the others form (nodes of two clusters, or a plain Redis, in one list);
 *  - a cluster that would place one store's keys in different slots (every name in storeKeys is checked
 *    with CLUSTER KEYSLOT, for store ids of several shapes).
 * Starts, with a warning, when masters are unreachable or report cluster_state other than ok: with
 * cluster-require-full-coverage no (deploy/redis-cluster-node.conf) the other masters' stores carry on, and
 * the stores of a master that is down answer 503 UNAVAILABLE until it is back.
 * Returns what it saw, for the start-up log.
 */
export async function checkRedisLayout(
  redis: Redis, where: string, opts: { seeds?: ClusterSeed[]; timeoutMs?: number } = {},
): Promise<RedisLayout> {
  const timeoutMs = opts.timeoutMs ?? 15_000;
  if (!isCluster(redis)) {
    const info = await redis.info('cluster');
    if (/cluster_enabled:1/.test(info)) {
      throw new RedisSetupError(
        `REDIS_URL (${where}) is a Redis Cluster node: set REDIS_CLUSTER_NODES=host:port,... instead, so commands reach the node that owns each store`,
      );
    }
    return { mode: 'single', masters: 1, unreachable: [], warnings: [] };
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

  // Every master at once: one that is down costs its timeout once, not once per master after it.
  let probes: MasterProbe[] = [];
  let reachable: MasterProbe[] = [];
  for (let attempt = 1; ; attempt++) {
    probes = await Promise.all(masters.map(probeMaster));
    reachable = probes.filter((p) => p.slots);
    if (reachable.length === 0) {
      throw new RedisSetupError(`no master of the Redis Cluster at ${where} answered: ${probes.map((p) => `${p.addr}: ${p.error}`).join('; ')}`);
    }
    const maps = new Set(reachable.map((p) => p.slots!.map((r) => `${r.from}-${r.to}:${r.owner}`).join(',')));
    if (maps.size === 1) break;
    if (attempt === LAYOUT_TRIES) {
      const counts = reachable.map((p) => `${p.addr} serves ${16384 - unassignedRanges(p.slots!).count}`).join(', ');
      throw new RedisSetupError(
        `the masters of the Redis Cluster at ${where} disagree about which master serves which slot (${counts} of 16384): ` +
          `run redis-cli --cluster check ${reachable[0]!.addr} and fix the cluster before starting the hub`,
      );
    }
    await new Promise((r) => setTimeout(r, LAYOUT_RETRY_MS));
  }
  const first = reachable[0]!;
  const gaps = unassignedRanges(first.slots!);
  if (gaps.count > 0) {
    const shown = gaps.ranges.slice(0, 5).join(', ') + (gaps.ranges.length > 5 ? ', ...' : '');
    throw new RedisSetupError(
      `${gaps.count} of 16384 slots of the Redis Cluster at ${where} are served by no master (${shown}): the stores that hash there ` +
        `could never be served; assign them (redis-cli --cluster fix ${first.addr}) before starting the hub`,
    );
  }
  if (opts.seeds?.length) {
    const known = first.known!;
    const ids = await Promise.all(opts.seeds.map((seed) => seedIdentity(seed, cluster.options.redisOptions ?? {})));
    for (const [i, seed] of opts.seeds.entries()) {
      const { id, error } = ids[i]!;
      const addr = `${seed.host}:${seed.port}`;
      if (error && /cluster support disabled/i.test(error)) {
        throw new RedisSetupError(`REDIS_CLUSTER_NODES lists ${addr}, a Redis without cluster mode, beside nodes of a Redis Cluster: list only the cluster's nodes`);
      }
      if (id && !known.has(id)) {
        throw new RedisSetupError(
          `REDIS_CLUSTER_NODES mixes clusters: ${addr} is not a node of the cluster that ${first.addr} belongs to; list the nodes of one cluster only`,
        );
      }
    }
  }

  const warnings: string[] = [];
  const unreachable = probes.filter((p) => !p.slots);
  for (const p of unreachable) {
    const id = [...first.known!].find(([, addr]) => addr === p.addr)?.[0];
    const served = first.slots!.filter((r) => r.owner === id).map((r) => (r.from === r.to ? `${r.from}` : `${r.from}-${r.to}`));
    warnings.push(
      `Redis Cluster master ${p.addr} is unreachable (${p.error}): the stores in its slots (${served.join(', ') || 'none'}) answer ` +
        '503 UNAVAILABLE until it is back; the other masters\' stores are served',
    );
  }
  for (const p of reachable.filter((x) => x.state !== 'ok')) {
    warnings.push(`Redis Cluster master ${p.addr} reports cluster_state:${p.state}: its stores answer 503 UNAVAILABLE until it is ok (redis-cli --cluster check ${p.addr})`);
  }

  // One store, one slot: every script is then atomic on one node. Ask the cluster itself, not our own hash.
  for (const storeId of ['probe', 'a', 'store-with-a-longer-id-0123456789']) {
    const names = sampleStoreKeyNames(storeId);
    const slots = await Promise.all(names.map((k) => first.node.cluster('KEYSLOT', k) as Promise<number>));
    const distinct = new Set(slots);
    if (distinct.size !== 1) {
      const bySlot = names.map((k, i) => `${k} -> ${slots[i]}`).join(', ');
      throw new RedisSetupError(`the keys of store "${storeId}" fall in ${distinct.size} slots (${bySlot}): its scripts would fail with CROSSSLOT`);
    }
  }
  return { mode: 'cluster', masters: masters.length, unreachable: unreachable.map((p) => p.addr), warnings };
}
