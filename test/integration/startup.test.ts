/**
 * The hub as `npm start` runs it (node dist-server/index.js, the built bundle), with no REDIS_URL: it starts its own
 * redis-server on a unix socket in DATA_DIR (AOF on), seeds the demo store once, and stops its redis-server
 * with it. Each case gets a fresh temp DATA_DIR and a free port; no TCP Redis is ever touched.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { freePort, REDIS_PACKAGE_HINT } from '../../server/redis/embedded.js';
import { Client } from '../helpers/hub.js';
import { hubNodeArgs } from '../helpers/hub-bundle.js';

const ROOT = new URL('../../', import.meta.url).pathname;
const START_TIMEOUT_MS = 30_000;

interface Running {
  child: ChildProcess;
  url: string;
  dataDir: string;
  out: () => string;
  err: () => string;
  /** Resolves with the exit code (or the signal's name) once the process has exited. */
  exited: Promise<number | string>;
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<void>;
}

const started: Running[] = [];
const dirs: string[] = [];
/** redis-server pids seen in our DATA_DIRs, to stop in `after` if a failing test left them running. */
const redisPids = new Set<number>();

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'serialhub-startup-'));
  dirs.push(dir);
  return dir;
}

async function startHubProcess(dataDir: string, env: Record<string, string> = {}): Promise<Running> {
  const port = await freePort();
  const base = { ...process.env };
  // Only the Redis this hub starts: never the test run's, never one from the environment.
  for (const k of ['REDIS_URL', 'TEST_REDIS_URL', 'ADMIN_TOKEN', 'SEED_DEMO', 'PORT', 'HOST', 'DATA_DIR', 'REDIS_SERVER_BIN', 'LOG_LEVEL', 'ALLOWED_ORIGINS']) {
    delete base[k];
  }
  const child = spawn(process.execPath, hubNodeArgs(), {
    cwd: ROOT,
    env: { ...base, DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  const waiters: { pattern: RegExp; resolve: () => void }[] = [];
  const check = () => {
    for (const w of [...waiters]) {
      if (w.pattern.test(out) || w.pattern.test(err)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    }
  };
  child.stdout!.on('data', (c: Buffer) => { out += c.toString(); check(); });
  child.stderr!.on('data', (c: Buffer) => { err += c.toString(); check(); });
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')));
  const running: Running = {
    child, url: `http://127.0.0.1:${port}`, dataDir, out: () => out, err: () => err, exited,
    waitFor(pattern, timeoutMs = START_TIMEOUT_MS) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`timed out waiting for ${pattern}\nstdout:\n${out}\nstderr:\n${err}`)), timeoutMs);
        const done = () => { clearTimeout(timer); resolve(); };
        waiters.push({ pattern, resolve: done });
        check();
        void exited.then((code) => {
          if (waiters.some((w) => w.resolve === done)) {
            clearTimeout(timer);
            reject(new Error(`the hub exited (${code}) before ${pattern}\nstdout:\n${out}\nstderr:\n${err}`));
          }
        });
      });
    },
  };
  started.push(running);
  return running;
}

const LISTENING = /serialhub is listening/;
const SEEDED = /Demo store seeded/;

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return Promise.race([p, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`timed out: ${what}`)), ms))]);
}

function redisPid(dataDir: string): number {
  const pid = Number(readFileSync(join(dataDir, 'redis.pid'), 'utf8').trim());
  assert.ok(Number.isInteger(pid) && pid > 1, `redis.pid holds ${pid}`);
  redisPids.add(pid);
  return pid;
}

/** A live (not zombie) redis-server with this pid. */
function redisAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('redis-server');
  } catch {
    return false;
  }
}

async function gone(pid: number, ms = 10_000): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (!redisAlive(pid)) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return !redisAlive(pid);
}

async function stop(hub: Running, signal: NodeJS.Signals = 'SIGINT'): Promise<number | string> {
  hub.child.kill(signal);
  return withTimeout(hub.exited, 20_000, `the hub to exit on ${signal}`);
}

async function productsOfDemo(url: string) {
  const supervisor = new Client(url);
  const login = await supervisor.post('/api/sessions', { storeId: 'demo', staffCode: '1001', pin: '1111' });
  assert.is(login.status, 201, JSON.stringify(login.body));
  supervisor.token = login.body.token;
  const products = await supervisor.get('/api/products');
  assert.is(products.status, 200);
  return { supervisor, products: products.body.items as { id: number; serialMode: string; stock: number; partNumber: string }[] };
}

const test = suite('startup');

/** redis-servers listening on a socket in one of our temp dirs (a failed test may not know their pid). */
function ourRedisServers(): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const title = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (title.includes('redis-server') && dirs.some((d) => title.includes(`unixsocket:${d}/`))) pids.push(Number(entry));
    } catch {
      // gone
    }
  }
  return pids;
}

test.after(async () => {
  // A hub a failed test left running is stopped the normal way first, so it stops its redis-server.
  for (const r of started) {
    if (r.child.exitCode !== null || r.child.signalCode !== null) continue;
    r.child.kill('SIGINT');
    await withTimeout(r.exited, 10_000, 'hub exit').catch(() => r.child.kill('SIGKILL'));
  }
  for (const pid of new Set([...redisPids, ...ourRedisServers()])) if (redisAlive(pid)) process.kill(pid, 'SIGKILL');
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

test('a first start runs its own redis-server, seeds the demo store, answers, and SIGINT stops both', async () => {
  const dataDir = tempDir();
  const hub = await startHubProcess(dataDir);
  await hub.waitFor(SEEDED);
  // Its own redis-server: a unix socket in DATA_DIR, no TCP port, AOF on.
  assert.ok(existsSync(join(dataDir, 'redis.sock')), 'no redis.sock in DATA_DIR');
  assert.ok(statSync(join(dataDir, 'appendonlydir')).isDirectory(), 'no AOF directory');
  const pid = redisPid(dataDir);
  assert.ok(redisAlive(pid));
  // redis-server retitles itself with what it listens on: the socket only, no TCP port.
  const title = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  assert.ok(title.includes(`unixsocket:${join(dataDir, 'redis.sock')}`), title);
  assert.not.ok(/:\d+\b/.test(title.replace(/unixsocket:\S+/, '')), `the embedded redis-server listens on TCP: ${title}`);
  // stdout tells how to log in.
  for (const code of ['1001', '2001', '3001']) assert.ok(hub.out().includes(`staff code ${code}`), `stdout does not mention ${code}`);
  assert.ok(hub.out().includes('"demo"'));
  // Health.
  for (const path of ['/healthz', '/readyz']) {
    const r = await fetch(hub.url + path);
    assert.is(r.status, 200, path);
    assert.is(((await r.json()) as { ok: boolean }).ok, true);
  }
  // The demo store: every role logs in; products in all three modes with stock.
  const { supervisor, products } = await productsOfDemo(hub.url);
  assert.equal([...new Set(products.map((p) => p.serialMode))].sort(), ['enforced', 'none', 'solicit']);
  assert.ok(products.every((p) => p.stock > 0), JSON.stringify(products));
  const enforced = products.find((p) => p.serialMode === 'enforced')!;
  const serials = await supervisor.get(`/api/products/${enforced.id}/serials`);
  assert.is(serials.body.items.length, enforced.stock);
  for (const [code, pin] of [['2001', '2222'], ['3001', '3333']]) {
    const r = await new Client(hub.url).post('/api/sessions', { storeId: 'demo', staffCode: code, pin });
    assert.is(r.status, 201, `${code}: ${JSON.stringify(r.body)}`);
  }
  // The paired registers' device tokens are in DATA_DIR (owner-only) and work.
  const registersFile = join(dataDir, 'demo-registers.json');
  assert.is(statSync(registersFile).mode & 0o777, 0o600);
  const registers = JSON.parse(readFileSync(registersFile, 'utf8')) as { name: string; deviceToken: string }[];
  assert.is(registers.length, 2);
  const atRegister = await new Client(hub.url, undefined, registers[0]!.deviceToken).post('/api/sessions', { storeId: 'demo', staffCode: '2001', pin: '2222' });
  assert.is(atRegister.status, 201, JSON.stringify(atRegister.body));
  assert.type(atRegister.body.session.terminalId, 'string');
  // No token or PIN hash in the logs.
  assert.not.ok(hub.out().includes(registers[0]!.deviceToken), 'a device token reached stdout');
  assert.not.ok(hub.out().includes('scrypt$'), 'a PIN hash reached stdout');

  const code = await stop(hub, 'SIGINT');
  assert.is(code, 0, `exit ${code}\n${hub.err()}`);
  assert.ok(await gone(pid), `redis-server ${pid} outlived the hub`);
});

test('a second start on the same DATA_DIR keeps the data and does not seed again', async () => {
  const dataDir = tempDir();
  const first = await startHubProcess(dataDir);
  await first.waitFor(SEEDED);
  const before = await productsOfDemo(first.url);
  const customer = await before.supervisor.post('/api/customers', { name: 'Kept Across Restarts' });
  assert.is(customer.status, 201);
  const registersBefore = readFileSync(join(dataDir, 'demo-registers.json'), 'utf8');
  assert.is(await stop(first), 0);

  const second = await startHubProcess(dataDir);
  await second.waitFor(LISTENING);
  const after = await productsOfDemo(second.url);
  assert.equal(after.products.map((p) => [p.id, p.partNumber, p.stock]), before.products.map((p) => [p.id, p.partNumber, p.stock]));
  const kept = await after.supervisor.get(`/api/customers/${customer.body.customer.id}`);
  assert.is(kept.status, 200);
  assert.is(kept.body.customer.name, 'Kept Across Restarts');
  assert.is((await after.supervisor.get('/api/staff')).body.items.length, 3);
  assert.is((await after.supervisor.get('/api/terminals')).body.items.length, 2);
  // The registers paired at the first start still work; no new ones were written.
  assert.is(readFileSync(join(dataDir, 'demo-registers.json'), 'utf8'), registersBefore);
  const token = (JSON.parse(registersBefore) as { deviceToken: string }[])[1]!.deviceToken;
  assert.is((await new Client(second.url, undefined, token).post('/api/sessions', { storeId: 'demo', staffCode: '2001', pin: '2222' })).status, 201);
  const pid = redisPid(dataDir);
  assert.is(await stop(second), 0);
  assert.not.match(second.out(), SEEDED);
  assert.ok(await gone(pid));
});

test('SEED_DEMO=0 on a fresh DATA_DIR seeds nothing; SIGTERM stops it too', async () => {
  const dataDir = tempDir();
  const hub = await startHubProcess(dataDir, { SEED_DEMO: '0' });
  await hub.waitFor(LISTENING);
  assert.is((await fetch(`${hub.url}/readyz`)).status, 200);
  const login = await new Client(hub.url).post('/api/sessions', { storeId: 'demo', staffCode: '1001', pin: '1111' });
  assert.is(login.status, 401);
  assert.is(login.body.code, 'INVALID_CREDENTIALS');
  assert.not.ok(existsSync(join(dataDir, 'demo-registers.json')));
  const pid = redisPid(dataDir);
  assert.is(await stop(hub, 'SIGTERM'), 0);
  assert.not.match(hub.out(), SEEDED);
  assert.ok(await gone(pid));
});

test('SIGINT while the hub is still starting stops its redis-server too', async () => {
  const dataDir = tempDir();
  const hub = await startHubProcess(dataDir);
  await hub.waitFor(/started redis-server/);
  const pid = redisPid(dataDir);
  hub.child.kill('SIGINT');
  const code = await withTimeout(hub.exited, 20_000, 'the hub to exit');
  assert.ok(code === 0 || code === 'SIGINT', `exit ${code}`);
  assert.ok(await gone(pid), `redis-server ${pid} outlived a hub stopped during start-up`);
});

test('after the hub is killed (-9), the next start takes over the orphaned redis-server cleanly', async () => {
  const dataDir = tempDir();
  const first = await startHubProcess(dataDir);
  await first.waitFor(SEEDED);
  const orphan = redisPid(dataDir);
  first.child.kill('SIGKILL');
  await withTimeout(first.exited, 10_000, 'kill -9');
  assert.ok(redisAlive(orphan), 'expected the redis-server to survive kill -9 of its hub');

  const second = await startHubProcess(dataDir);
  await second.waitFor(LISTENING);
  assert.ok(await gone(orphan), 'the orphaned redis-server is still running');
  const pid = redisPid(dataDir);
  assert.is.not(pid, orphan);
  assert.ok(redisAlive(pid));
  assert.ok(existsSync(join(dataDir, 'redis.sock')), 'the new redis.sock was removed');
  const { products } = await productsOfDemo(second.url);
  assert.is(products.length, 6);
  assert.is((await fetch(`${second.url}/readyz`)).status, 200);
  assert.is(await stop(second), 0);
  assert.ok(await gone(pid));
});

test('REDIS_SERVER_BIN=/nonexistent exits non-zero with one line naming the Debian package', async () => {
  const dataDir = tempDir();
  const hub = await startHubProcess(dataDir, { REDIS_SERVER_BIN: '/nonexistent/redis-server' });
  const code = await withTimeout(hub.exited, 20_000, 'the hub to exit');
  assert.type(code, 'number');
  assert.is.not(code, 0);
  const lines = hub.err().trim().split('\n');
  assert.is(lines.length, 1, `stderr:\n${hub.err()}`);
  assert.is(lines[0], REDIS_PACKAGE_HINT);
  assert.match(lines[0]!, /Debian package redis-server/);
  assert.not.match(hub.out(), LISTENING);
});

test('a bad configuration value exits non-zero naming the variable, before starting anything', async () => {
  for (const [name, value] of [['PORT', 'abc'], ['PORT', '70000'], ['SEED_DEMO', 'maybe']]) {
    const dataDir = join(tempDir(), 'data');
    const hub = await startHubProcess(dataDir, { [name!]: value! });
    const code = await withTimeout(hub.exited, 20_000, 'the hub to exit');
    assert.type(code, 'number', `${name}=${value}`);
    assert.is.not(code, 0, `${name}=${value}`);
    assert.ok(hub.err().includes(name!), `${name}=${value}: stderr does not name it:\n${hub.err()}`);
    assert.not.ok(/\n\s+at /.test(hub.err()), `${name}=${value}: a stack trace instead of a message:\n${hub.err()}`);
    assert.not.ok(existsSync(join(dataDir, 'redis.pid')), 'a redis-server was started anyway');
  }
});

test.run();
