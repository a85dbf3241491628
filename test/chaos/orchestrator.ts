/**
 * Runs a chaos experiment with real processes: a redis-server (AOF, fsync always), several hub processes,
 * simulated registers as separate socket.io-client processes, and a stock clerk receiving serials, while
 * faults are injected at random (kill -9 of a hub or of Redis, SIGSTOP of a register past its lease,
 * SCRIPT FLUSH, CLIENT KILL, network cuts, retried completions). Then the checker reads the history and
 * Redis and reports every violation.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { startEmbeddedRedis, type EmbeddedRedis } from '../../server/redis/embedded.js';
import { ADMIN_TOKEN, Client, login } from '../helpers/hub.js';
import { spawnHub, type HubProcess } from '../helpers/live.js';
import { checkStore, type Violation } from './checker.js';
import { HistoryWriter, isDefiniteRefusal, readHistory, type Operation } from './history.js';
import { rng } from './random.js';
import type { RegisterConfig } from './register.js';

export const FAULTS = ['kill9_hub', 'stop_register', 'kill9_redis', 'script_flush', 'client_kill', 'cut_register'] as const;
export type Fault = (typeof FAULTS)[number];

export interface ChaosOptions {
  seconds: number;
  seed: number;
  hubs?: number;
  registers?: number;
  /** Hold lease = grace period; short so frozen registers lose their holds within the run. */
  leaseMs?: number;
  /** Mean time between faults. */
  faultEveryMs?: number;
  log?: (line: string) => void;
}

export interface ChaosReport {
  seed: number;
  seconds: number;
  operations: Record<string, Record<string, number>>;
  /** Per operation, the codes of its failed and unknown outcomes ("no_outcome": the process died first). */
  failures: Record<string, { fail: Record<string, number>; unknown: Record<string, number> }>;
  /** Completions: sales attempted, attempts, attempts beyond a sale's first (retries), sales retried, replays. */
  completions: { sales: number; attempts: number; retries: number; salesRetried: number; replayed: number };
  /** Sales a register tried to complete after a SIGCONT past its lease, with holds from before the freeze. */
  staleSales: StaleSales;
  faults: Record<string, number>;
  /** Torn AOF tails cut (redis-check-aof) before a restart of Redis after its kill -9. */
  aofRepairs: number;
  violations: Violation[];
  lostWrites: number;
  state: Record<string, number>;
  dir: string;
}

export interface StaleSales {
  /** Freezes past the lease (SIGSTOP ... SIGCONT). */
  freezes: number;
  attempted: number;
  /** Refused by the hub, by code (HOLD_LOST expected). */
  refused: Record<string, number>;
  /** Completed anyway (a hold outlived the freeze; the checker judges whether its token was current). */
  accepted: number;
  /** Neither answer came. */
  unknown: number;
}

const SERIALS_PER_PRODUCT = 12;
/** The clerk tops each enforced product's stock up to this many serials. */
const IN_STOCK_TARGET = 6;
const PRICE_CENTS = 1000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function runChaos(opts: ChaosOptions): Promise<ChaosReport> {
  const log = opts.log ?? ((l: string) => console.log(l));
  const random = rng(opts.seed);
  const hubsCount = opts.hubs ?? 2;
  const registersCount = opts.registers ?? 6;
  const leaseMs = opts.leaseMs ?? 3_000;
  const dir = mkdtempSync(join(tmpdir(), 'serialhub-chaos-'));
  const historyDir = join(dir, 'history');
  rmSync(historyDir, { recursive: true, force: true });
  await import('node:fs').then((fs) => fs.mkdirSync(historyDir));

  let redis: EmbeddedRedis = await startEmbeddedRedis({ dir: join(dir, 'redis'), port: 0, appendfsync: 'always' });
  process.env.TEST_REDIS_URL = redis.url;
  const admin = new Redis(redis.url, { maxRetriesPerRequest: 50, retryStrategy: (n) => Math.min(n * 50, 500) });
  admin.on('error', () => undefined);
  const hubEnv = {
    REDIS_URL: redis.url, HOLD_LEASE_MS: String(leaseMs), SWEEP_INTERVAL_MS: '200', PING_INTERVAL_MS: '1000', PING_TIMEOUT_MS: '1000',
    LOG_LEVEL: 'error',
  };
  const hubs: HubProcess[] = [];
  for (let i = 0; i < hubsCount; i++) hubs.push(await spawnHub(hubEnv));
  const faults: Record<string, number> = Object.fromEntries(FAULTS.map((f) => [f, 0]));
  let aofRepairs = 0;

  // ---- the store
  const storeId = `chaos-${opts.seed}`;
  const url = hubs[0]!.url;
  const made = await new Client(url, ADMIN_TOKEN).post('/api/admin/stores', { storeId, name: 'Chaos', supervisor: { code: '1001', name: 'Sue', pin: '1111' } });
  if (made.status !== 201) throw new Error(`store: ${JSON.stringify(made.body)}`);
  const sup = await login(url, storeId, '1001', '1111');
  await sup.post('/api/staff', { code: '2001', name: 'Cal', role: 'cashier', pin: '2222' });
  await sup.post('/api/staff', { code: '3001', name: 'Cleo', role: 'stock_clerk', pin: '3333' });
  const clerk = await login(url, storeId, '3001', '3333');
  const product = async (partNumber: string, serialMode: string) =>
    (await sup.post('/api/products', { partNumber, name: partNumber, priceCents: PRICE_CENTS, serialMode })).body.product.id as number;
  const enforcedIds = [await product('PH', 'enforced'), await product('DR', 'enforced')];
  const solicitId = await product('SAW', 'solicit');
  const noneId = await product('CBL', 'none');
  const clerkHistory = new HistoryWriter(join(historyDir, 'clerk.jsonl'), 'clerk');
  let receivedCount = 0;
  // the clerk's back office tries the hubs in turn, so a hub that was just killed does not stop receiving
  const receive = async (lines: { productId: number; quantity: number; serials?: string[] }[]) => {
    const receiptId = randomUUID();
    for (let attempt = 0; attempt < 8; attempt++) {
      const hub = new Client(hubs[attempt % hubs.length]!.url, clerk.token);
      try {
        await clerkHistory.record('receive', { receiptId, lines }, async () => {
          const r = await hub.post('/api/receipts', { receiptId, lines }).catch((err: Error & { cause?: { code?: string } }) =>
            ({ status: 0, body: { code: err.cause?.code === 'ECONNREFUSED' ? 'OFFLINE' : 'TIMEOUT' } }));
          if (r.status === 201) return r.body;
          throw Object.assign(new Error('receive'), { code: r.body?.code ?? `HTTP_${r.status}` });
        }, (v: { receipt: { lines: { serials: string[] }[] } }) => ({ serials: v.receipt.lines.map((l) => l.serials) }));
        return;
      } catch (err) {
        if (isDefiniteRefusal((err as { code?: string }).code)) return;
        await sleep(300);
      }
    }
  };
  const pools = enforcedIds.map((pid) => ({ productId: pid, serials: Array.from({ length: SERIALS_PER_PRODUCT }, () => `C${++receivedCount}`) }));
  await receive([
    ...pools.map((p) => ({ productId: p.productId, quantity: p.serials.length, serials: p.serials })),
    { productId: solicitId, quantity: 10_000 }, { productId: noneId, quantity: 10_000 },
  ]);

  // ---- registers, each its own process
  const deadline = Date.now() + opts.seconds * 1000;
  const registers: ChildProcess[] = [];
  const terminalIds: string[] = [];
  for (let i = 0; i < registersCount; i++) {
    const code = await sup.post('/api/pairing-codes', { terminalName: `Lane ${i + 1}` });
    const paired = await new Client(url).post('/api/terminals/pair', { storeId, code: code.body.code });
    const cashier = await login(url, storeId, '2001', '2222', paired.body.deviceToken);
    terminalIds.push(paired.body.terminal.id as string);
    const cfg: RegisterConfig = {
      index: i, hubUrl: hubs[i % hubsCount]!.url, token: cashier.token!, enforced: pools, solicitId, noneId, priceCents: PRICE_CENTS,
      seed: opts.seed * 1000 + i, deadline, historyFile: join(historyDir, `r${i}.jsonl`), maxCutMs: leaseMs + 2000,
    };
    registers.push(spawn(process.execPath, ['--import', 'tsx', 'test/chaos/register.ts'], {
      env: { ...process.env, CHAOS_REGISTER: JSON.stringify(cfg) }, stdio: ['ignore', 'ignore', 'inherit'],
    }));
  }
  log(`chaos: seed ${opts.seed}, ${opts.seconds} s, ${hubsCount} hubs, ${registersCount} registers, lease ${leaseMs} ms, data in ${dir}`);

  // ---- the clerk keeps a few serials of each product in stock (few enough that registers collide), so
  // registers keep holding serials rather than meeting SERIAL_NOT_IN_STOCK
  const clerkLoop = (async () => {
    while (Date.now() < deadline) {
      await sleep(random.int(500, 1500));
      const lines: { productId: number; quantity: number; serials: string[] }[] = [];
      for (const pool of pools) {
        const inStock = await admin.zcard(`sh:{s:${storeId}}:in:${pool.productId}`).catch(() => IN_STOCK_TARGET);
        const serials = Array.from({ length: Math.max(0, IN_STOCK_TARGET - inStock) }, () => `C${++receivedCount}`);
        if (serials.length) lines.push({ productId: pool.productId, quantity: serials.length, serials });
        pool.serials.push(...serials);
      }
      if (lines.length) await receive(lines);
    }
  })();

  // ---- faults: every type once in turn, then at random
  const stopped = new Set<ChildProcess>();
  const freezes: Freeze[] = [];
  const pending: Promise<unknown>[] = [];
  let n = 0;
  while (Date.now() < deadline - 2000) {
    await sleep(random.int((opts.faultEveryMs ?? 2500) / 2, (opts.faultEveryMs ?? 2500) * 1.5));
    if (Date.now() >= deadline - 2000) break;
    const fault: Fault = n < FAULTS.length ? FAULTS[n]! : random.pick(FAULTS);
    n++;
    faults[fault]!++;
    try {
      switch (fault) {
        case 'kill9_hub': {
          const i = random.int(0, hubs.length - 1);
          const port = hubs[i]!.port;
          await hubs[i]!.kill('SIGKILL');
          await sleep(random.int(200, 1500));
          hubs[i] = await spawnHub(hubEnv, port);
          break;
        }
        case 'stop_register': {
          // Past the lease and the hub's notice of the silence, or just a short freeze. Until a register
          // has been seen refused for a sale it rang up before such a freeze, every freeze is a long one,
          // of a register that holds serials right now (so it has a sale to try when it wakes up).
          const long = random.chance(0.6) || Object.keys(staleSales(readHistory(historyDir), freezes).refused).length === 0;
          const ms = long ? leaseMs + 2000 + random.int(500, 3000) : random.int(200, 1500);
          const holders = new Set(Object.values(await admin.hgetall(`sh:{s:${storeId}}:holds`)).map((h) => (JSON.parse(h) as { terminalId: string }).terminalId));
          const free = registers.map((_, i) => i).filter((i) => !stopped.has(registers[i]!) && registers[i]!.exitCode === null);
          const holding = free.filter((i) => holders.has(terminalIds[i]!));
          const i = random.pick(long && holding.length ? holding : free.length ? free : [0]);
          const r = registers[i]!;
          if (stopped.has(r) || r.exitCode !== null) break;
          stopped.add(r);
          r.kill('SIGSTOP');
          const freeze: Freeze = { who: `r${i}`, from: Date.now(), to: Infinity, pastLease: long };
          freezes.push(freeze);
          pending.push(sleep(ms).then(() => {
            freeze.to = Date.now();
            r.kill('SIGCONT');
            stopped.delete(r);
          }));
          break;
        }
        case 'kill9_redis': {
          const port = redis.port!;
          redis.process.kill('SIGKILL');
          await sleep(random.int(200, 800));
          redis = await startEmbeddedRedis({ dir: join(dir, 'redis'), port, appendfsync: 'always', onWarning: log });
          if (redis.aofRepair) aofRepairs++;
          break;
        }
        case 'script_flush':
          await admin.script('FLUSH');
          break;
        case 'client_kill':
          await admin.call('CLIENT', 'KILL', 'TYPE', 'normal', 'SKIPME', 'yes');
          break;
        case 'cut_register':
          random.pick(registers).kill('SIGUSR2');
          break;
      }
    } catch (err) {
      log(`fault ${fault} could not be injected: ${(err as Error).message}`);
    }
  }

  // ---- wind down: thaw, let registers finish, let leases run out, then check
  await Promise.all(pending);
  for (const r of registers) r.kill('SIGCONT');
  await clerkLoop;
  await Promise.all(registers.map((r) => new Promise<void>((resolve) => {
    if (r.exitCode !== null || r.signalCode !== null) return resolve();
    const t = setTimeout(() => r.kill('SIGKILL'), 40_000);
    r.once('exit', () => (clearTimeout(t), resolve()));
  })));
  await sleep(leaseMs + 1500);

  const ops = readHistory(historyDir);
  const { violations, lost, counts } = await checkStore(admin, storeId, ops);
  violations.push(...redisLogViolations(redis.logFile));
  const operations: Record<string, Record<string, number>> = {};
  const failures: ChaosReport['failures'] = {};
  for (const o of ops) {
    operations[o.op] ??= { ok: 0, fail: 0, unknown: 0 };
    operations[o.op]![o.phase]!++;
    if (o.phase === 'ok') continue;
    const byCode = (failures[o.op] ??= { fail: {}, unknown: {} })[o.phase];
    const code = o.code ?? 'no_outcome';
    byCode[code] = (byCode[code] ?? 0) + 1;
  }
  await Promise.all(hubs.map((h) => h.kill()));
  admin.disconnect();
  await redis.stop();
  const report: ChaosReport = {
    seed: opts.seed, seconds: opts.seconds, operations, failures, completions: completionFigures(ops), staleSales: staleSales(ops, freezes),
    faults, aofRepairs, violations, lostWrites: lost, state: counts, dir,
  };
  if (violations.length === 0 && !process.env.CHAOS_KEEP) rmSync(dir, { recursive: true, force: true });
  return report;
}

/**
 * Redis cutting a torn AOF tail itself (it must not: the hub starts it with aof-load-truncated no and cuts the tail
 * whole first), or loading half a transaction into the next one: a torn write partly applied after all.
 */
const AOF_LOAD_TROUBLE = /MULTI calls can not be nested|Truncating the AOF/;

function redisLogViolations(logFile: string): Violation[] {
  let text = '';
  try {
    text = readFileSync(logFile, 'utf8');
  } catch {
    return [{ rule: 'redis-log', detail: `no redis-server log at ${logFile}` }];
  }
  return text.split('\n').filter((line) => AOF_LOAD_TROUBLE.test(line))
    .map((line) => ({ rule: 'aof-load', detail: `redis-server loaded a torn AOF wrongly: ${line.trim()}` }));
}

interface Freeze {
  who: string;
  from: number;
  /** When SIGCONT was sent (Infinity while frozen). */
  to: number;
  pastLease: boolean;
}

function completionFigures(ops: Operation[]): ChaosReport['completions'] {
  const attempts = new Map<string, number>();
  for (const o of ops) if (o.op === 'complete') attempts.set(String(o.args.saleId), (attempts.get(String(o.args.saleId)) ?? 0) + 1);
  const counts = [...attempts.values()];
  return {
    sales: counts.length,
    attempts: counts.reduce((a, b) => a + b, 0),
    retries: counts.reduce((a, b) => a + b - 1, 0),
    salesRetried: counts.filter((n) => n > 1).length,
    replayed: ops.filter((o) => o.op === 'complete' && o.phase === 'ok' && o.result.replayed).length,
  };
}

/**
 * The sales a register first tried to complete after waking from a freeze past its lease, with at least one
 * serial whose latest hold was taken before the freeze, and how each ended: its first definite answer.
 */
function staleSales(ops: Operation[], freezes: Freeze[]): StaleSales {
  const out: StaleSales = { freezes: freezes.filter((f) => f.pastLease).length, attempted: 0, refused: {}, accepted: 0, unknown: 0 };
  for (const f of freezes.filter((x) => x.pastLease && x.to !== Infinity)) {
    const mine = ops.filter((o) => o.who === f.who);
    const tried = new Map(mine.filter((o) => o.op === 'complete' && o.invokedAt >= f.to).map((o) => [String(o.args.saleId), o]));
    for (const [saleId, c] of tried) {
      const ofSale = mine.filter((o) => o.args.saleId === saleId);
      if (ofSale.some((o) => o.op === 'complete' && o.invokedAt < f.to)) continue;
      const lines = (c.args.lines as { productId: number; serial: string | null; mode: string }[] | undefined) ?? [];
      const stale = lines.some((l) => {
        if (l.mode !== 'enforced' || !l.serial) return false;
        const last = ofSale.filter((o) => o.op === 'hold' && o.phase !== 'fail' && o.args.productId === l.productId && o.args.serial === l.serial).pop();
        return !!last && (last.endedAt ?? Infinity) < f.from;
      });
      if (!stale) continue;
      out.attempted++;
      const answers = ofSale.filter((o) => o.op === 'complete' && o.phase !== 'unknown').sort((a, b) => a.invokedAt - b.invokedAt);
      const first = answers[0];
      if (!first) out.unknown++;
      else if (first.phase === 'ok') out.accepted++;
      else out.refused[first.code ?? 'ERROR'] = (out.refused[first.code ?? 'ERROR'] ?? 0) + 1;
    }
  }
  return out;
}

const counted = (c: Record<string, number>) => Object.entries(c).map(([k, n]) => `${k} ${n}`).join(', ') || 'none';

export function formatReport(r: ChaosReport): string {
  const ops = Object.entries(r.operations).map(([op, c]) => {
    const f = r.failures[op];
    const why = f ? ` (failed: ${counted(f.fail)}; unknown: ${counted(f.unknown)})` : '';
    return `  ${op.padEnd(9)} ok ${c.ok}, failed ${c.fail}, unknown ${c.unknown}${why}`;
  });
  const c = r.completions;
  const s = r.staleSales;
  const total = Object.values(r.operations).reduce((n, c) => n + c.ok! + c.fail! + c.unknown!, 0);
  return [
    `chaos run, seed ${r.seed}, ${r.seconds} s`,
    `operations: ${total}`,
    ...ops,
    `completions: ${c.sales} sales, ${c.attempts} attempts, ${c.retries} retried (${c.salesRetried} sales), ${c.replayed} replayed`,
    `after a freeze past the lease: ${s.freezes} freezes, ${s.attempted} stale sales tried, refused: ${counted(s.refused)}, accepted ${s.accepted}, unknown ${s.unknown}`,
    `faults injected: ${Object.values(r.faults).reduce((a, b) => a + b, 0)} (${Object.entries(r.faults).map(([f, c]) => `${f} ${c}`).join(', ')})`,
    `torn AOF tails cut before a restart of Redis: ${r.aofRepairs}`,
    `final state: ${Object.entries(r.state).map(([k, v]) => `${k} ${v}`).join(', ')}`,
    `violations: ${r.violations.length}`,
    ...r.violations.slice(0, 30).map((v) => `  [${v.rule}] ${v.detail}`),
    `acknowledged writes lost: ${r.lostWrites}`,
    ...(r.violations.length ? [`replay with: npm run test:chaos -- --seed ${r.seed} --seconds ${r.seconds}   (data kept in ${r.dir})`] : []),
  ].join('\n');
}
