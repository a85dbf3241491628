/**
 * `npm run bench`: the hub side by side with the limit of the parts it is built from, in one run.
 *
 * Starts its own redis-server (AOF, appendfsync always, on a free port in a temp dir: never 6379), two bare
 * Socket.IO + ioredis servers (bench/bare-server.ts: plain, and with the Redis Streams adapter as the hub runs
 * Socket.IO) and a hub process (server/index.ts), and drives them from a separate load process (bench/load.ts)
 * over loopback. The limit and the hub are measured in interleaved slices, round after round, so that a noisy
 * machine weighs on both alike. Prints one table. Not part of `npm test`.
 *
 *   npm run bench                 the whole run (about 3 to 4 minutes on 2 cores)
 *   npm run bench -- --diag       also print CPU per phase, Redis INFO commandstats, every command's time by
 *                                 script name (SLOWLOG with a 0 threshold), and Redis memory by key
 *   npm run bench -- --quick      one round, and no 1,000-register phase (for working on the bench)
 *   npm run bench -- --cpu-prof   also write a CPU profile of the hub process (node --cpu-prof) to the temp dir,
 *                                 which is then kept; open the .cpuprofile in Chrome DevTools
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort, startEmbeddedRedis, type EmbeddedRedis } from '../server/redis/embedded.js';
import { storeKeys } from '../server/store/keys.js';
import { loadScriptSources } from '../server/store/scripts.js';
import { buildHubBundle, hubNodeArgs } from '../test/helpers/hub-bundle.js';
import {
  BIG_RECEIPT_ID, CLIENTS, FIXED_HOLD_RATE, FLEET_LAYOUTS, FLEET_SIZE, type FleetLayout, HUB_REQUESTS_PER_SECOND, SALE_RATE, latency,
  type Command, type FleetResult, type Latency, type Reply, type ResyncResult, type SalesResult, type SetupResult,
  type Slice, type SliceKind, type Target,
} from './load.js';

const args = new Set(process.argv.slice(2));
const DIAG = args.has('--diag');
const CPU_PROF = args.has('--cpu-prof');
const QUICK = args.has('--quick');
/** Rounds of interleaved slices (limit, adapter limit, hub), each in a rotated order. */
const ROUNDS = QUICK ? 1 : 3;
const SATURATION = { warmMs: 500, ms: 2_000 };
const FIXED = { warmMs: 300, ms: 2_500 };
/** The whole run is stopped after this long, whatever is going on. */
const RUN_TIMEOUT_MS = 10 * 60_000;
const ADMIN_TOKEN = `bench-admin-${Math.random().toString(36).slice(2)}-0123456789`;

const children: ChildProcess[] = [];
let redis: EmbeddedRedis | null = null;
let client: Redis | null = null;
const tmp = mkdtempSync(join(tmpdir(), 'serialhub-bench-'));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function log(line: string) {
  process.stderr.write(`[bench ${(performance.now() / 1000).toFixed(1).padStart(5)}s] ${line}\n`);
}

async function cleanup() {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGTERM');
  await Promise.all(
    children.map((c) => new Promise<void>((r) => (c.exitCode !== null || c.signalCode !== null ? r() : c.once('exit', () => r())))),
  );
  client?.disconnect();
  await redis?.stop();
  if (!CPU_PROF) rmSync(tmp, { recursive: true, force: true });
}

const watchdog = setTimeout(() => {
  log(`the run took more than ${RUN_TIMEOUT_MS / 60_000} minutes: stopping`);
  void cleanup().finally(() => process.exit(1));
}, RUN_TIMEOUT_MS);
watchdog.unref();
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => void cleanup().finally(() => process.exit(130)));

// ---------------------------------------------------------------------------------------------- processes

/**
 * A node process running a TypeScript file through tsx (or, with `bundle`, the built hub as `npm start` runs
 * it); its stderr is passed through with a prefix.
 */
function node(file: string, env: Record<string, string>, opts: { ipc?: boolean; nodeArgs?: string[]; bundle?: boolean } = {}): ChildProcess {
  const args = opts.bundle ? hubNodeArgs() : ['--import', 'tsx', file];
  const child = spawn(process.execPath, [...(opts.nodeArgs ?? []), ...args], {
    env: { ...process.env, ...env },
    stdio: opts.ipc ? ['ignore', 'inherit', 'inherit', 'ipc'] : ['ignore', 'pipe', 'pipe'],
  });
  if (!opts.ipc) {
    child.stdout!.on('data', () => undefined);
    child.stderr!.on('data', (c: Buffer) => process.stderr.write(`[${file}] ${c.toString()}`));
  }
  children.push(child);
  return child;
}

async function waitReady(url: string, child: ChildProcess, what: string) {
  const end = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${what} exited with code ${child.exitCode}`);
    try {
      if ((await fetch(url, { signal: AbortSignal.timeout(2_000) })).ok) return;
    } catch {
      // not yet
    }
    if (Date.now() > end) throw new Error(`${what} was not ready in time`);
    await sleep(100);
  }
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

interface Server {
  proc: ChildProcess;
  url: string;
}

async function startBare(adapter: boolean): Promise<Server> {
  const port = await freePort();
  const proc = node('bench/bare-server.ts', { REDIS_URL: redis!.url, PORT: String(port), ...(adapter ? { BARE_ADAPTER: 'redis-streams' } : {}) });
  const url = `http://127.0.0.1:${port}`;
  await waitReady(`${url}/ready`, proc, 'a bare server');
  await sleep(1_000);
  return { proc, url };
}

async function startHub(profileDir?: string): Promise<Server> {
  const port = await freePort();
  const proc = node(
    'server/index.ts',
    {
      REDIS_URL: redis!.url, PORT: String(port), HOST: '127.0.0.1', SEED_DEMO: '0', ADMIN_TOKEN, LOG_LEVEL: 'warn',
      DATA_DIR: join(tmp, 'hub'), LOGIN_ATTEMPTS: '1000',
    },
    { nodeArgs: profileDir ? ['--cpu-prof', '--cpu-prof-dir', profileDir] : [], bundle: true },
  );
  const url = `http://127.0.0.1:${port}`;
  await waitReady(`${url}/readyz`, proc, 'the hub');
  await sleep(1_000);
  return { proc, url };
}

/** The load process: one command at a time over IPC. */
class Load {
  private next = 1;
  private waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  constructor(readonly child: ChildProcess) {
    child.on('message', (m: Reply) => {
      const w = this.waiting.get(m.id);
      if (!w) return;
      this.waiting.delete(m.id);
      if (m.ok) w.resolve(m.result);
      else w.reject(new Error(`load process: ${m.error}`));
    });
    child.on('exit', (code) => {
      for (const w of this.waiting.values()) w.reject(new Error(`the load process exited (${code})`));
      this.waiting.clear();
    });
  }

  call<T>(c: Command, timeoutMs = 180_000): Promise<T> {
    const id = this.next++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        reject(new Error(`${c.cmd} took more than ${timeoutMs / 1000} s`));
      }, timeoutMs);
      this.waiting.set(id, {
        resolve: (v) => (clearTimeout(timer), resolve(v as T)),
        reject: (e) => (clearTimeout(timer), reject(e)),
      });
      this.child.send({ id, ...c });
    });
  }
}

// ---------------------------------------------------------------------------------------------- measuring

async function usedMemory(): Promise<number> {
  const info = await client!.info('memory');
  return Number(/used_memory:(\d+)/.exec(info)?.[1]);
}

function rssMb(pid: number | undefined): number {
  try {
    return Number(/VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]) / 1024;
  } catch {
    return NaN;
  }
}

/** The hub's own view of its memory from GET /metrics (prom-client defaults), in MB; empty if it has none. */
interface FleetMemory {
  prepMs: number;
  registers: number;
  connectMs: number;
  /** RSS (MB) of the fresh hub before the fleet connects, and 2 s after the last register synced */
  fresh: number;
  rss: number;
  heap: Record<string, number>;
}
const FLEET_LABEL: Record<FleetLayout, string> = { stores: '100 stores of 10', one: 'one store' };

async function hubHeap(url: string): Promise<Record<string, number>> {
  try {
    const text = await (await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(5_000) })).text();
    const get = (name: string) => Number(new RegExp(`^${name}(?:\\{[^}]*\\})? ([\\d.e+]+)$`, 'm').exec(text)?.[1]) / 2 ** 20;
    return { heapUsed: get('nodejs_heap_size_used_bytes'), heapTotal: get('nodejs_heap_size_total_bytes'), external: get('nodejs_external_memory_bytes') };
  } catch {
    return {};
  }
}

/** CPU seconds (user + system) a process has used so far, from /proc/<pid>/stat. */
function cpuSeconds(pid: number | undefined): number {
  if (!pid) return 0;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
  } catch {
    return 0;
  }
}

/** CPU seconds the whole machine has spent busy (everything but idle and iowait), from /proc/stat. */
function machineBusySeconds(): number {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const [user, nice, system, , , irq, softirq, steal] = f as [number, number, number, number, number, number, number, number];
  return (user + nice + system + irq + softirq + steal) / 100;
}

/** Over the measured phases: CPU seconds used by processes that are not this benchmark's, and phase seconds. */
const noise = { others: 0, seconds: 0 };

/** Runs a measured phase; returns its result and how much CPU each of our processes used in it. */
async function measured<T>(what: string, procs: Record<string, number | undefined>, run: () => Promise<T>) {
  const t = performance.now();
  const machine = machineBusySeconds();
  const self = cpuSeconds(process.pid);
  const before = Object.fromEntries(Object.entries(procs).map(([k, pid]) => [k, cpuSeconds(pid)]));
  const result = await run();
  const wall = (performance.now() - t) / 1000;
  const used = Object.fromEntries(Object.entries(procs).map(([k, pid]) => [k, cpuSeconds(pid) - before[k]!]));
  const ours = Object.values(used).reduce((a, b) => a + b, 0) + (cpuSeconds(process.pid) - self);
  const others = Math.max(0, machineBusySeconds() - machine - ours);
  noise.others += others;
  noise.seconds += wall;
  if (DIAG) {
    const use = Object.entries(used).map(([k, u]) => `${k} ${Math.round((u / wall) * 100)}%`);
    log(`CPU during ${what} (${wall.toFixed(1)} s): ${use.join(', ')}, other processes ${Math.round((others / wall) * 100)}%`);
  }
  return { result, used, wall };
}

/** All slices of one kind, target and mode, summed over the rounds. */
interface Agg {
  ops: number;
  seconds: number;
  wall: number;
  samples: number[];
  firsts: number[];
  acks: number[];
  missing: number;
  failed: number;
  /** CPU seconds by process: server, load, redis. */
  cpu: Record<string, number>;
  /** Rate of each round's slice. */
  rates: number[];
}
const aggs = new Map<string, Agg>();
function agg(kind: SliceKind, target: Target, mode: 'saturation' | 'fixed'): Agg {
  const key = `${kind}:${target}:${mode}`;
  let a = aggs.get(key);
  if (!a) aggs.set(key, (a = { ops: 0, seconds: 0, wall: 0, samples: [], firsts: [], acks: [], missing: 0, failed: 0, cpu: {}, rates: [] }));
  return a;
}
const rate = (a: Agg) => a.ops / a.seconds;
/** CPU ms one process spent per operation (its CPU over the slices, warm-up included, over the operations at that rate). */
const cpuPerOp = (a: Agg, proc: string) => ((a.cpu[proc] ?? NaN) * 1000) / (rate(a) * a.wall);

// ---------------------------------------------------------------------------------------------- the run

async function main() {
  if (spawnSync('redis-server', ['--version']).error) {
    console.error('redis-server was not found: install the Debian package redis-server (apt-get install redis-server)');
    process.exit(1);
  }
  buildHubBundle(); // the hub runs as `npm start` runs it: the bundle of this checkout
  redis = await startEmbeddedRedis({ dir: join(tmp, 'redis'), port: 0 }); // AOF, appendfsync always
  client = new Redis(redis.url, { connectionName: 'bench-orchestrator' });
  const redisVersion = /redis_version:(\S+)/.exec(await client.info('server'))?.[1] ?? '?';
  log(`redis-server ${redisVersion} on ${redis.url} (AOF, appendfsync ${((await client.config('GET', 'appendfsync')) as string[])[1]})`);
  const load = new Load(node('bench/load.ts', {}, { ipc: true }));

  log('starting the bare servers (plain, and with the Redis Streams adapter) and the hub');
  const plain = await startBare(false);
  const adapter = await startBare(true);
  const hub = await startHub(CPU_PROF ? join(tmp, 'profile') : undefined);
  const rssAt: Record<string, number> = { ready: rssMb(hub.proc.pid) };
  log('hub: store, products, three timed receipts of 10,000 serials, 50 registers paired, logged in and connected');
  const setup = await load.call<SetupResult>({ cmd: 'hubSetup', url: hub.url, adminToken: ADMIN_TOKEN });
  await load.call({ cmd: 'bareConnect', target: 'plain', url: plain.url });
  await load.call({ cmd: 'bareConnect', target: 'adapter', url: adapter.url });

  await client.config('RESETSTAT');
  await client.slowlog('RESET');
  // With --diag every command goes to the SLOWLOG, to time each script by name (this costs Redis a little).
  if (DIAG) await client.config('SET', 'slowlog-log-slower-than', '0', 'slowlog-max-len', '400000');

  const pids: Record<Target, number | undefined> = { plain: plain.proc.pid, adapter: adapter.proc.pid, hub: hub.proc.pid };
  const runSlice = async (kind: SliceKind, target: Target, mode: 'saturation' | 'fixed') => {
    const timing = mode === 'fixed' ? FIXED : SATURATION;
    const { result: s, used, wall } = await measured(`${kind} ${target} ${mode}`, { server: pids[target], load: load.child.pid, redis: redis!.process.pid }, () =>
      load.call<Slice>({ cmd: 'slice', kind, target, mode, ...timing }),
    );
    const a = agg(kind, target, mode);
    a.ops += s.ops;
    a.seconds += s.seconds;
    a.wall += wall;
    a.samples.push(...s.samples);
    a.firsts.push(...s.firsts);
    a.acks.push(...s.acks);
    a.missing += s.missing;
    a.failed += s.failed;
    a.rates.push(s.ops / s.seconds);
    for (const [k, v] of Object.entries(used)) a.cpu[k] = (a.cpu[k] ?? 0) + v;
  };
  const rotate = <T>(list: T[], by: number) => list.map((_, i) => list[(i + by) % list.length]!);
  for (let round = 0; round < ROUNDS; round++) {
    log(`round ${round + 1} of ${ROUNDS}: hold+release cycles (saturation, ${FIXED_HOLD_RATE} holds/s), L1, L2, serials:available`);
    const order = rotate<Target>(['plain', 'adapter', 'hub'], round);
    for (const t of order) await runSlice('cycles', t, 'saturation');
    for (const t of order) await runSlice('cycles', t, 'fixed');
    for (const [kind, target] of rotate<[SliceKind, Target]>([['l1', 'plain'], ['l2', 'plain'], ['available', 'hub']], round)) {
      await runSlice(kind, target, 'saturation');
    }
  }
  await load.call({ cmd: 'closeBare' });
  await stop(plain.proc);
  await stop(adapter.proc);

  log(`hub: sales at ${SALE_RATE}/s`);
  const sales = (await measured('sales', { hub: hub.proc.pid, load: load.child.pid, redis: redis.process.pid }, () => load.call<SalesResult>({ cmd: 'sales' }))).result;
  if (DIAG) await diagnostics();
  rssAt.load = rssMb(hub.proc.pid);
  log('hub: resync (replay of 1,000 events, snapshot)');
  const resync = await load.call<ResyncResult>({ cmd: 'resync' });
  log('hub: a receipt of 100,000 serials (Redis memory before and after), then pages of it');
  await sleep(500);
  const before = await usedMemory();
  const big = await load.call<{ ms: number }>({ cmd: 'receiveBig' });
  await sleep(500);
  const after = await usedMemory();
  if (DIAG) await memoryDiagnostics(setup);
  const page = await load.call<Latency>({ cmd: 'page' });

  const fleets = {} as Record<FleetLayout, FleetMemory>;
  for (const layout of FLEET_LAYOUTS) fleets[layout] = { prepMs: NaN, registers: 0, connectMs: NaN, fresh: NaN, rss: NaN, heap: {} };
  const bareRss = { ready: NaN, fleet: NaN };
  rssAt.logins = NaN;
  if (!QUICK) {
    for (const layout of FLEET_LAYOUTS) {
      log(`hub: ${FLEET_SIZE} registers (${FLEET_LABEL[layout]}) paired and logged in (a PIN check is an scrypt each)`);
      fleets[layout].prepMs = (await load.call<{ ms: number }>({ cmd: 'fleetPrepare', layout }, 300_000)).ms;
    }
    rssAt.logins = rssMb(hub.proc.pid);
  }
  await load.call({ cmd: 'closeAll' });
  await stop(hub.proc);
  if (!QUICK) {
    // The memory limit: a fresh bare server configured as the hub runs Socket.IO, with 1,000 plain clients.
    log(`limit: ${FLEET_SIZE} plain clients on a fresh bare server (with the adapter)`);
    const bareFresh = await startBare(true);
    bareRss.ready = rssMb(bareFresh.proc.pid);
    await load.call({ cmd: 'bareFleet', url: bareFresh.url });
    await sleep(2_000);
    bareRss.fleet = rssMb(bareFresh.proc.pid);
    await load.call({ cmd: 'closeAll' });
    await stop(bareFresh.proc);
    // A fresh hub process for each fleet of 1,000 registers (as after a restart), so its memory is theirs and
    // not what the load phases and the PIN checks left behind.
    for (const layout of FLEET_LAYOUTS) {
      const f = fleets[layout];
      const fresh = await startHub();
      f.fresh = rssMb(fresh.proc.pid);
      log(`hub: ${FLEET_SIZE} registers (${FLEET_LABEL[layout]}) connecting to a fresh hub process`);
      const r = (await measured('connecting', { hub: fresh.proc.pid, load: load.child.pid, redis: redis.process.pid }, () =>
        load.call<FleetResult>({ cmd: 'fleetConnect', url: fresh.url, layout }, 300_000),
      )).result;
      f.registers = r.registers;
      f.connectMs = r.connectMs;
      await sleep(2_000);
      f.rss = rssMb(fresh.proc.pid);
      f.heap = await hubHeap(fresh.url);
      await load.call({ cmd: 'closeAll' });
      await stop(fresh.proc);
    }
  }
  await stop(load.child);

  const machine = { cores: availableParallelism(), cpu: cpus()[0]?.model.trim() ?? '?', memGb: totalmem() / 2 ** 30, node: process.version, redis: redisVersion };
  console.log(table({ machine, setup, sales, resync, big, perSerial: (after - before) / 100_000, page, fleets, rssAt, bareRss }));
  if (CPU_PROF) log(`CPU profile of the hub: ${join(tmp, 'profile')}`);
}

// ---------------------------------------------------------------------------------------------- --diag

async function diagnostics() {
  const stats = (await client!.info('commandstats'))
    .split('\n')
    .map((l) => /^cmdstat_([^:]+):calls=(\d+),usec=(\d+),usec_per_call=([\d.]+)/.exec(l))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ cmd: m[1]!, calls: Number(m[2]), usec: Number(m[3]), perCall: Number(m[4]) }))
    .sort((a, b) => b.usec - a.usec);
  console.log('\nRedis INFO commandstats during the load phases, limit and hub (by total time):');
  for (const s of stats.slice(0, 10)) {
    console.log(`  ${s.cmd.padEnd(16)} ${String(s.calls).padStart(9)} calls ${(s.usec / 1000).toFixed(0).padStart(8)} ms  ${s.perCall.toFixed(1).padStart(7)} us/call`);
  }
  // Every command was logged: time the scripts by name (the sha of each script's source).
  const names = new Map(loadScriptSources().map((s) => [s.sha, s.name]));
  const entries = (await client!.slowlog('GET', -1)) as [number, number, number, string[]][];
  await client!.config('SET', 'slowlog-log-slower-than', '10000', 'slowlog-max-len', '128');
  await client!.slowlog('RESET');
  const byScript = new Map<string, number[]>();
  for (const [, , us, argv] of entries) {
    const name = argv[0]?.toLowerCase() === 'evalsha' ? `script ${names.get(argv[1]!) ?? 'bare hold script'}` : argv[0]!.toLowerCase();
    byScript.set(name, [...(byScript.get(name) ?? []), us]);
  }
  const rows = [...byScript]
    .map(([name, us]) => {
      us.sort((a, b) => a - b);
      return { name, n: us.length, total: us.reduce((a, b) => a + b, 0), p50: us[Math.floor(us.length / 2)]!, max: us[us.length - 1]! };
    })
    .sort((a, b) => b.total - a.total);
  console.log(`Redis SLOWLOG with every command logged (${entries.length} entries), by total time:`);
  for (const r of rows.slice(0, 14)) {
    console.log(`  ${r.name.padEnd(26)} ${String(r.n).padStart(7)} calls ${(r.total / 1000).toFixed(0).padStart(6)} ms  p50 ${r.p50} us  max ${(r.max / 1000).toFixed(1)} ms`);
  }
  const persistence = await client!.info('persistence');
  console.log(`AOF delayed fsyncs: ${/aof_delayed_fsync:(\d+)/.exec(persistence)?.[1]}\n`);
}

/** With --diag: where the memory of 100,000 in-stock serials goes, key by key. */
async function memoryDiagnostics(setup: SetupResult) {
  const k = storeKeys(setup.storeId);
  const keys = { 'in-stock zset (in:<product>)': k.inStock(setup.bigProduct), 'serial timelines hash (tl)': k.timeline, 'receipt json (rcpt:<id>)': k.receipt(BIG_RECEIPT_ID) };
  console.log('\nRedis memory by key after the 100,000-serial receipt (MEMORY USAGE ... SAMPLES 0):');
  for (const [what, key] of Object.entries(keys)) {
    const bytes = Number(await client!.call('MEMORY', 'USAGE', key, 'SAMPLES', '0'));
    const type = await client!.type(key);
    const count = type === 'zset' ? await client!.zcard(key) : type === 'hash' ? await client!.hlen(key) : 1;
    console.log(`  ${what.padEnd(30)} ${(bytes / 1e6).toFixed(1).padStart(6)} MB  ${String(count).padStart(7)} entries  ${(bytes / count).toFixed(0)} B each`);
  }
  const sample = await client!.hget(k.timeline, 'CB00000001');
  console.log(`  a timeline entry: ${sample} (${sample?.length} bytes)\n`);
}

// ---------------------------------------------------------------------------------------------- the table

const n0 = (v: number) => (Number.isFinite(v) ? Math.round(v).toLocaleString('en-US') : '-');
const ms = (v: number) => (!Number.isFinite(v) ? '-' : v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2));
const pp = (l: Latency) => `${ms(l.p50)} / ${ms(l.p99)} ms`;
const pct = (v: number) => (Number.isFinite(v) ? `${Math.round(v * 100)}%` : '-');
const x = (v: number) => (Number.isFinite(v) ? `${v.toFixed(2)}x` : '-');
const verdict = (ok: boolean) => (ok ? 'ok' : 'MISS');
const p50 = (samples: number[]) => latency(samples).p50;
const trio = (a: Agg) => `${ms(p50(a.acks))} / ${ms(p50(a.firsts))} / ${ms(p50(a.samples))} ms`;

function table(r: {
  machine: { cores: number; cpu: string; memGb: number; node: string; redis: string };
  setup: SetupResult;
  sales: SalesResult;
  resync: ResyncResult;
  big: { ms: number };
  perSerial: number;
  page: Latency;
  fleets: Record<FleetLayout, FleetMemory>;
  rssAt: Record<string, number>;
  bareRss: { ready: number; fleet: number };
}): string {
  const l1 = agg('l1', 'plain', 'saturation');
  const l2 = agg('l2', 'plain', 'saturation');
  const avail = agg('available', 'hub', 'saturation');
  const l3s = agg('cycles', 'plain', 'saturation');
  const l3f = agg('cycles', 'plain', 'fixed');
  const l3as = agg('cycles', 'adapter', 'saturation');
  const l3af = agg('cycles', 'adapter', 'fixed');
  const hs = agg('cycles', 'hub', 'saturation');
  const hf = agg('cycles', 'hub', 'fixed');
  const [L3s, L3f, L3as, L3af, Hs, Hf] = [l3s, l3f, l3as, l3af, hs, hf].map((a) => latency(a.samples)) as Latency[];
  const receipt = [...r.setup.receipts10k].sort((a, b) => a - b)[1]!;
  const holdRatio = rate(hs) / rate(l3s);
  const availRatio = rate(avail) / rate(l2);
  const propRatio = Hf!.p99 / L3f!.p99;
  const rows: string[][] = [
    ['figure', 'hub', 'limit (same run)', 'ratio', 'goal', ''],
    ['hold+release cycles/s, 50 registers', `${n0(rate(hs))}/s`, `L3 ${n0(rate(l3s))}/s`, pct(holdRatio), '>= 60%', verdict(holdRatio >= 0.6)],
    ['serials:available page (no broadcast)', `${n0(rate(avail))}/s`, `L2 ${n0(rate(l2))}/s`, pct(availRatio), '>= 60%', verdict(availRatio >= 0.6)],
    [`hold propagation p50/p99 @${FIXED_HOLD_RATE} holds/s`, pp(Hf!), `L3 ${pp(L3f!)}`, x(propRatio), 'p99 <= 1.5x', verdict(propRatio <= 1.5)],
    ['hold propagation p50/p99 @saturation', pp(Hs!), `L3 ${pp(L3s!)}`, x(Hs!.p99 / L3s!.p99), '(rates differ)', ''],
    [`sale completion p50/p99 @${SALE_RATE} sales/s`, pp(r.sales.latency), '', '', 'p99 < 10 ms', verdict(r.sales.latency.p99 < 10)],
    ['receipt of 10,000 enforced serials', `${ms(receipt)} ms`, '', '', '< 500 ms', verdict(receipt < 500)],
    ['product-serials page, 100,000 serials', pp(r.page), '', '', '', ''],
    ['resync after 1,000 missed events', pp(r.resync.replay), '', '', 'p50 < 50 ms', verdict(r.resync.replay.p50 < 50)],
    ['resync with a full snapshot', pp(r.resync.snapshot), '', '', '', ''],
    ['Redis memory per in-stock serial', `${n0(r.perSerial)} B`, '', '', '<= 200 B', verdict(r.perSerial <= 200)],
    [`hub memory (RSS), ${n0(FLEET_SIZE)} registers in ${FLEET_LABEL.stores}`, `${n0(r.fleets.stores.rss)} MB`, `L3a ${n0(r.bareRss.fleet)} MB`, '', '< 200 MB',
      verdict(r.fleets.stores.rss < 200)],
    [`hub memory (RSS), ${n0(FLEET_SIZE)} registers in ${FLEET_LABEL.one}`, `${n0(r.fleets.one.rss)} MB`, '', '', '(worst case)', ''],
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  const line = (row: string[]) => row.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd();
  const m = r.machine;
  const cap = CLIENTS * HUB_REQUESTS_PER_SECOND;
  const rounds = (a: Agg, b: Agg) => a.rates.map((v, i) => pct(v / b.rates[i]!)).join(', ');
  const notes = [
    `limit: bare Socket.IO 4 + ioredis (bench/bare-server.ts), ${CLIENTS} clients, one request in flight each; L2/L3 run one EVALSHA of a`,
    `  minimal hold script per request, L3 broadcasts each result to the ${CLIENTS}. L1 ${n0(rate(l1))} req/s, L2 ${n0(rate(l2))} req/s, L3 ${n0(rate(l3s))} cycles/s`,
    `  L3a = L3 on the Redis Streams adapter with connection state recovery, as the hub runs Socket.IO: ${n0(rate(l3as))} cycles/s,`,
    `  propagation @${FIXED_HOLD_RATE}/s ${pp(L3af!)}, @saturation ${pp(L3as!)}`,
    `propagation: request sent to the last of the other ${CLIENTS - 1} clients receiving the broadcast (the hub: the hold_created event)`,
    `  p50 of holder's ack / first receiver / last receiver @${FIXED_HOLD_RATE}/s: hub ${trio(hf)}, L3 ${trio(l3f)}, L3a ${trio(l3af)}`,
    `${ROUNDS} interleaved rounds; hub/L3 cycles per round ${rounds(hs, l3s)}; serials:available/L2 per round ${rounds(avail, l2)}`,
    `CPU ms per hold+release cycle at saturation: server hub ${ms(cpuPerOp(hs, 'server'))}, L3 ${ms(cpuPerOp(l3s, 'server'))}, L3a ${ms(cpuPerOp(l3as, 'server'))};` +
      ` load process ${ms(cpuPerOp(hs, 'load'))} / ${ms(cpuPerOp(l3s, 'load'))} / ${ms(cpuPerOp(l3as, 'load'))}`,
    `  per request: serials:available hub ${ms(cpuPerOp(avail, 'server'))}, L2 ${ms(cpuPerOp(l2, 'server'))}, L1 ${ms(cpuPerOp(l1, 'server'))}`,
    `hub registers: StoreSync, at most ${HUB_REQUESTS_PER_SECOND} requests/s each (the protocol allows 50 a socket): a cap of ${n0(cap)} req/s, ${n0(cap / 2)} cycles/s`,
    `  failed: hold cycles ${hs.failed + hf.failed}, L3 ${l3s.failed + l3f.failed}, serials:available ${avail.failed}, sales ${r.sales.failed};` +
      ` broadcasts missing ${hs.missing + hf.missing + l3s.missing + l3f.missing + l3as.missing + l3af.missing}`,
    `  @${FIXED_HOLD_RATE}/s ran ${n0(rate(hf))} (hub) / ${n0(rate(l3f))} (L3) cycles/s; sales ${n0(r.sales.achieved)}/s, ${r.sales.latency.n} timed`,
    `receipts of 10,000: ${r.setup.receipts10k.map((v) => `${ms(v)} ms`).join(', ')} (median shown); of 100,000: ${ms(r.big.ms)} ms`,
    `resync: replay of ${r.resync.replayEvents} events, snapshot of ${n0(r.resync.snapshotBytes / 1024)} KB; 20 of each, applied to a fresh state`,
    `hub RSS: ${n0(r.rssAt.ready!)} MB ready, ${n0(r.rssAt.load!)} MB after the load phases, ${n0(r.rssAt.logins!)} MB after ${n0(FLEET_SIZE)} more logins`,
    ...FLEET_LAYOUTS.map((layout) => {
      const f = r.fleets[layout];
      return `  ${FLEET_LABEL[layout]}, a fresh hub process: ${n0(f.fresh)} MB ready, ${n0(f.rss)} MB with ${n0(f.registers)} registers connected and synced` +
        ` (JS heap ${n0(f.heap.heapUsed ?? NaN)} MB used of ${n0(f.heap.heapTotal ?? NaN)} MB, external ${n0(f.heap.external ?? NaN)} MB);` +
        ` pairing + login ${n0(f.prepMs / 1000)} s, connecting ${n0(f.connectMs / 1000)} s`;
    }),
    `  bare L3a server: ${n0(r.bareRss.ready)} MB ready, ${n0(r.bareRss.fleet)} MB with ${n0(FLEET_SIZE)} plain clients`,
    `other processes on the machine used ${Math.round((noise.others / noise.seconds) * 100)}% of one core on average during the measured phases`,
  ];
  return [
    '',
    `Serialhub benchmark: ${m.cores} cores (${m.cpu}), ${m.memGb.toFixed(0)} GB, node ${m.node}, redis ${m.redis} (AOF, appendfsync always)`,
    '',
    line(rows[0]!),
    ...rows.slice(1).map(line),
    '',
    ...notes,
    '',
  ].join('\n');
}

main()
  .then(() => cleanup())
  .then(() => process.exit(0))
  .catch(async (err: Error) => {
    console.error(err.stack ?? err.message);
    await cleanup();
    process.exit(1);
  });
