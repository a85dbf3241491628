/**
 * Live-hub test helpers: registers as real socket.io-client connections (through the app's own StoreSync),
 * and hub processes spawned like `npm start` does, for multi-process and kill -9 tests.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { StoreSync } from '../../client/sync/store-sync.js';
import { freePort } from '../../server/redis/embedded.js';
import { hubNodeArgs } from './hub-bundle.js';
import { ADMIN_TOKEN, redisUrl } from './hub.js';

export function connectRegister(url: string, token: string, extra: Record<string, unknown> = {}): StoreSync {
  return new StoreSync({
    url,
    token,
    socketOptions: { reconnectionDelay: 50, reconnectionDelayMax: 300, forceNew: true, ...extra },
  });
}

/** Polls `check` until it is true (or fails after `ms`). */
export async function until(check: () => boolean | Promise<boolean>, ms = 5_000, what = 'condition'): Promise<void> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export interface HubProcess {
  url: string;
  port: number;
  proc: ChildProcess;
  output: () => string;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/** A hub in its own process, as `npm start` runs it (the built bundle), on the test run's Redis. */
export async function spawnHub(env: Record<string, string> = {}, port?: number): Promise<HubProcess> {
  const p = port ?? (await freePort());
  const proc = spawn(process.execPath, hubNodeArgs(), {
    env: {
      ...process.env, REDIS_URL: redisUrl(), PORT: String(p), HOST: '127.0.0.1', SEED_DEMO: '0', ADMIN_TOKEN,
      LOG_LEVEL: 'warn', LOGIN_ATTEMPTS: '1000', SWEEP_INTERVAL_MS: '200', ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  proc.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  const url = `http://127.0.0.1:${p}`;
  await until(async () => {
    if (proc.exitCode !== null) throw new Error(`hub exited: ${out}`);
    try {
      return (await fetch(`${url}/readyz`)).ok;
    } catch {
      return false;
    }
  }, 20_000, 'hub process to be ready');
  return {
    url,
    port: p,
    proc,
    output: () => out,
    kill: (signal = 'SIGTERM') =>
      new Promise<void>((resolve) => {
        if (proc.exitCode !== null || proc.signalCode !== null) return resolve();
        proc.once('exit', () => resolve());
        proc.kill(signal);
      }),
  };
}
