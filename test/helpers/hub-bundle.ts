/**
 * The hub as `npm start` runs it: the bundle `npm run build:hub` writes (dist-server/index.js, plain JavaScript,
 * no TypeScript loader in the process). The test runner and the bench build it once before they start hubs; a
 * test file run on its own builds it if it is missing.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const ROOT = new URL('../../', import.meta.url).pathname;
export const HUB_BUNDLE = 'dist-server/index.js';

/** Builds the hub bundle now (`npm run build:hub`); throws with esbuild's output if that fails. */
export function buildHubBundle(): void {
  const built = spawnSync('npm', ['run', '--silent', 'build:hub'], { cwd: ROOT, encoding: 'utf8' });
  if (built.status !== 0) throw new Error(`npm run build:hub failed:\n${built.stdout}${built.stderr}`);
}

/** Node's arguments to run the hub bundle (built first if it is not there). */
export function hubNodeArgs(): string[] {
  if (!existsSync(new URL(HUB_BUNDLE, `file://${ROOT}`))) buildHubBundle();
  return ['--enable-source-maps', HUB_BUNDLE];
}
