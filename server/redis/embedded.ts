/**
 * Runs a redis-server child process for the hub (and for tests): its own data directory, AOF on with
 * fsync on every write (an acknowledged sale must survive a crash), never the default port. Before it
 * starts, a torn AOF tail is cut back to its last whole transaction with redis-check-aof.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { AOF_DIR_NAME, AOF_FILE_NAME, checkAofBinFor, repairTornAof } from './aof.js';

export const REDIS_PACKAGE_HINT = 'redis-server was not found: install the Debian package redis-server (apt-get install redis-server)';
export { REDIS_CHECK_AOF_HINT } from './aof.js';
const READY_TIMEOUT_MS = 15_000;
/** Everything the redis-server prints, appended, in its data directory. */
export const REDIS_LOG_FILE = 'redis.log';

export interface EmbeddedRedisOptions {
  /** Directory for the AOF and the pid file. */
  dir: string;
  /** The binary; redis-check-aof is taken from the same directory when this is a path. @default redis-server */
  bin?: string;
  /** Listen on this TCP port on 127.0.0.1; 0 picks a free one. Unset: a unix socket in `dir`, no TCP. */
  port?: number;
  /** `always` (the default) or `everysec` for throwaway data. */
  appendfsync?: 'always' | 'everysec';
  /** Told what a torn AOF tail lost when one was cut before the start. @default console.warn */
  onWarning?: (message: string) => void;
}

export interface EmbeddedRedis {
  url: string;
  port: number | null;
  socket: string | null;
  process: ChildProcess;
  /** `<dir>/redis.log`: the redis-server's output and what redis-check-aof cut, appended across restarts. */
  logFile: string;
  /** What redis-check-aof cut from a torn AOF tail before this start, or null when the AOF was whole. */
  aofRepair: string | null;
  stop(): Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

function isRedisServer(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('redis-server');
  } catch {
    return false; // not running
  }
}

/**
 * A redis-server we started earlier whose parent died (kill -9) still owns the directory: stop it, and wait
 * until it has exited. On exit it deletes its pid file and unix socket, which would otherwise be the new ones.
 */
async function stopOrphan(pidFile: string): Promise<void> {
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  if (!Number.isInteger(pid) || pid <= 1 || !isRedisServer(pid)) return;
  process.kill(pid, 'SIGTERM');
  const until = Date.now() + READY_TIMEOUT_MS;
  while (isRedisServer(pid)) {
    if (Date.now() > until) {
      process.kill(pid, 'SIGKILL');
      break;
    }
    await new Promise((r) => setTimeout(r, 25));
  }
}

export async function startEmbeddedRedis(opts: EmbeddedRedisOptions): Promise<EmbeddedRedis> {
  mkdirSync(opts.dir, { recursive: true });
  const pidFile = join(opts.dir, 'redis.pid');
  await stopOrphan(pidFile);
  const bin = opts.bin ?? 'redis-server';
  const logFile = join(opts.dir, REDIS_LOG_FILE);
  const redisLog = createWriteStream(logFile, { flags: 'a' });
  redisLog.on('error', () => undefined); // the log is for people; a full disk shows up in the AOF first
  let aofRepair: string | null;
  try {
    aofRepair = await repairTornAof(opts.dir, checkAofBinFor(bin));
  } catch (err) {
    redisLog.end(`serialhub: ${new Date().toISOString()} not started: ${(err as Error).message}\n`);
    throw err;
  }
  if (aofRepair) {
    redisLog.write(`serialhub: ${new Date().toISOString()} ${aofRepair}\n`);
    (opts.onWarning ?? console.warn)(`${opts.dir}: ${aofRepair}`);
  }
  const port = opts.port === undefined ? null : opts.port === 0 ? await freePort() : opts.port;
  const socket = port === null ? join(opts.dir, 'redis.sock') : null;
  const args = [
    '--dir', opts.dir,
    '--appendonly', 'yes',
    '--appendfsync', opts.appendfsync ?? 'always',
    '--appenddirname', AOF_DIR_NAME,
    '--appendfilename', AOF_FILE_NAME,
    // a torn tail is cut by repairTornAof above; Redis 7.0's own cut can resurrect half a transaction
    '--aof-load-truncated', 'no',
    '--save', '',
    '--pidfile', pidFile,
    '--daemonize', 'no',
    '--protected-mode', 'yes',
    '--loglevel', 'notice',
    ...(port === null
      ? ['--port', '0', '--unixsocket', socket!, '--unixsocketperm', '700']
      : ['--port', String(port), '--bind', '127.0.0.1']),
  ];
  const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  // Its output goes on into the log file after "ready" (the pipe must be drained anyway).
  child.stdout!.on('data', (c: Buffer) => redisLog.write(c));
  child.stderr!.on('data', (c: Buffer) => redisLog.write(c));
  child.once('close', () => redisLog.end());
  let output = '';
  let untilReady = (_chunk: Buffer) => {};
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`redis-server did not start in time:\n${output}`)), READY_TIMEOUT_MS);
    untilReady = (chunk: Buffer) => {
      output += chunk.toString();
      if (/ready to accept connections/i.test(output)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on('data', untilReady);
    child.stderr!.on('data', untilReady);
    child.once('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      redisLog.end();
      reject(err.code === 'ENOENT' ? new Error(REDIS_PACKAGE_HINT) : err);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`redis-server exited with code ${code}:\n${output}`));
    });
  }).finally(() => {
    for (const stream of [child.stdout!, child.stderr!]) stream.off('data', untilReady);
  });
  child.removeAllListeners('exit');
  return {
    url: port === null ? `redis+unix://${socket}` : `redis://127.0.0.1:${port}`,
    port,
    socket,
    process: child,
    logFile,
    aofRepair,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
