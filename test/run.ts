/**
 * `npm test`: starts one redis-server of its own on a free port (never 6379, never one it did not start),
 * runs every test file (unit, integration, e2e) as its own process against it, and ends with one line
 * `N passed, N failed`. Each test uses its own store id, so files run side by side.
 *   npm test                  everything
 *   npm test -- holds sales   only files whose path contains one of the words
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { startEmbeddedRedis } from '../server/redis/embedded.js';
import { buildHubBundle } from './helpers/hub-bundle.js';

const SUITES = ['test/unit', 'test/integration', 'test/e2e', 'test/chaos', 'test/cluster'];
const PARALLEL = Number(process.env.TEST_PARALLEL ?? 2);
const FILE_TIMEOUT_MS = 5 * 60_000;

function testFiles(filters: string[]): string[] {
  const files: string[] = [];
  for (const dir of SUITES) {
    let names: string[] = [];
    try {
      names = readdirSync(dir);
    } catch {
      continue;
    }
    for (const n of names.sort()) if (n.endsWith('.test.ts')) files.push(join(dir, n));
  }
  return filters.length ? files.filter((f) => filters.some((w) => f.includes(w))) : files;
}

interface FileResult {
  file: string;
  passed: number;
  failed: number;
  output: string;
  ms: number;
}

function runFile(file: string, env: NodeJS.ProcessEnv): Promise<FileResult> {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', file], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    const timer = setTimeout(() => {
      output += `\n[runner] ${file} timed out after ${FILE_TIMEOUT_MS / 1000}s\n`;
      child.kill('SIGKILL');
    }, FILE_TIMEOUT_MS);
    child.on('close', (code) => {
      clearTimeout(timer);
      const plain = output.replace(/\x1b\[[0-9;]*m/g, '');
      const total = Number(/Total:\s+(\d+)/.exec(plain)?.[1] ?? NaN);
      const passed = Number(/Passed:\s+(\d+)/.exec(plain)?.[1] ?? 0);
      // total - passed counts skipped tests as failed: a skipped test is not done.
      let failed = Number.isNaN(total) ? 0 : total - passed;
      if (code !== 0 && failed === 0) failed = 1; // crashed before or after its tests
      if (Number.isNaN(total) && code === 0) failed = 1; // ran no uvu suite at all
      resolve({ file, passed, failed, output, ms: Date.now() - started });
    });
  });
}

async function main() {
  const files = testFiles(process.argv.slice(2));
  if (files.length === 0) {
    console.log('no test files matched\n0 passed, 1 failed');
    process.exit(1);
  }
  const dir = mkdtempSync(join(tmpdir(), 'serialhub-test-'));
  let redis;
  try {
    redis = await startEmbeddedRedis({ dir, port: 0, appendfsync: 'everysec' });
  } catch (err) {
    console.error((err as Error).message);
    console.log('0 passed, 1 failed');
    process.exit(1);
  }
  try {
    buildHubBundle(); // hub processes run as `npm start` runs them: the bundle, built from this checkout
  } catch (err) {
    console.error((err as Error).message);
    console.log('0 passed, 1 failed');
    process.exit(1);
  }
  if (files.some((f) => f.startsWith('test/e2e'))) {
    // Browser tests drive the built web app, as `npm start` serves it.
    const built = spawnSync(process.execPath, ['node_modules/vite/bin/vite.js', 'build', '--logLevel', 'warn'], { stdio: 'inherit' });
    if (built.status !== 0) {
      console.log('0 passed, 1 failed');
      process.exit(1);
    }
  }
  const env = { ...process.env, TEST_REDIS_URL: redis.url, FORCE_COLOR: '0', NODE_ENV: 'test' };
  console.log(`redis-server for tests on port ${redis.port}; ${files.length} test files, ${PARALLEL} at a time`);
  const results: FileResult[] = [];
  const queue = [...files];
  await Promise.all(
    Array.from({ length: PARALLEL }, async () => {
      for (let file = queue.shift(); file; file = queue.shift()) {
        const r = await runFile(file, env);
        results.push(r);
        const mark = r.failed ? 'FAIL' : 'ok  ';
        console.log(`${mark} ${relative('.', r.file)}  ${r.passed} passed, ${r.failed} failed  (${(r.ms / 1000).toFixed(1)}s)`);
        if (r.failed) console.log(r.output.split('\n').map((l) => `     | ${l}`).join('\n'));
      }
    }),
  );
  await redis.stop();
  rmSync(dir, { recursive: true, force: true });
  const passed = results.reduce((n, r) => n + r.passed, 0);
  const failed = results.reduce((n, r) => n + r.failed, 0);
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
}

await main();
