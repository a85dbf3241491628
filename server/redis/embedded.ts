/**
 * Runs a redis-server child process for the hub (and for tests): its own data directory, AOF on with
 * fsync on every write (an acknowledged sale must survive a crash), never the default port.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

export const REDIS_PACKAGE_HINT = 'redis-server was not found: install the Debian package redis-server (apt-get install redis-server)';
const READY_TIMEOUT_MS = 15_000;

export interface EmbeddedRedisOptions {
  /** Directory for the AOF and the pid file. */
  dir: string;
  /** The binary. @default redis-server */
  bin?: string;
  /** Listen on this TCP port on 127.0.0.1; 0 picks a free one. Unset: a unix socket in `dir`, no TCP. */
  port?: number;
  /** `always` (the default) or `everysec` for throwaway data. */
  appendfsync?: 'always' | 'everysec';
}

export interface EmbeddedRedis {
  url: string;
  port: number | null;
  socket: string | null;
  process: ChildProcess;
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
  const port = opts.port === undefined ? null : opts.port === 0 ? await freePort() : opts.port;
  const socket = port === null ? join(opts.dir, 'redis.sock') : null;
  const args = [
    '--dir', opts.dir,
    '--appendonly', 'yes',
    '--appendfsync', opts.appendfsync ?? 'always',
    '--save', '',
    '--pidfile', pidFile,
    '--daemonize', 'no',
    '--protected-mode', 'yes',
    '--loglevel', 'notice',
    ...(port === null
      ? ['--port', '0', '--unixsocket', socket!, '--unixsocketperm', '700']
      : ['--port', String(port), '--bind', '127.0.0.1']),
  ];
  const child = spawn(opts.bin ?? 'redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`redis-server did not start in time:\n${output}`)), READY_TIMEOUT_MS);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (/ready to accept connections/i.test(output)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(err.code === 'ENOENT' ? new Error(REDIS_PACKAGE_HINT) : err);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`redis-server exited with code ${code}:\n${output}`));
    });
  });
  child.removeAllListeners('exit');
  // Keep draining its output so the pipe never fills.
  child.stdout!.resume();
  child.stderr!.resume();
  return {
    url: port === null ? `redis+unix://${socket}` : `redis://127.0.0.1:${port}`,
    port,
    socket,
    process: child,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
