/** Starts the hub: configuration, Redis (its own redis-server unless REDIS_URL is set), HTTP, demo seed. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, loadConfig, type Config } from './config.js';
import { startHub, type Hub } from './hub.js';
import { createLogger } from './logger.js';
import { RedisSetupError } from './redis/cluster.js';
import { startEmbeddedRedis, type EmbeddedRedis } from './redis/embedded.js';
import { DEMO_STAFF, DEMO_STORE, seedDemo } from './seed.js';

let config: Config;
try {
  config = loadConfig();
} catch (err) {
  if (err instanceof ConfigError) {
    console.error(err.message);
    process.exit(2);
  }
  throw err;
}
const log = createLogger(config.LOG_LEVEL);

let embedded: EmbeddedRedis | null = null;
let hub: Hub | null = null;
/** The start-up step in flight: a signal waits for it, so nothing it was starting is left running. */
let starting: Promise<unknown> = Promise.resolve();
let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  log.info({ signal }, 'shutting down');
  // wait for the start-up step in flight, and the next one if it began meanwhile
  for (let step = starting; ; step = starting) {
    await step.catch(() => undefined);
    if (step === starting) break;
  }
  await hub?.close().catch((err) => log.warn({ err }, 'closing the hub failed'));
  if (embedded) await embedded.stop();
  process.exit(0);
}
// Before anything starts: a signal during start-up must stop the redis-server too, not kill only this process.
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));

if (!config.REDIS_URL && config.REDIS_CLUSTER_NODES.length === 0) {
  try {
    const start = startEmbeddedRedis({ dir: config.dataDir, bin: config.REDIS_SERVER_BIN, onWarning: (msg) => log.warn(msg) });
    starting = start;
    embedded = await start;
  } catch (err) {
    console.error((err as Error).message);
    process.exit(1);
  }
  // If this process dies without running its shutdown, the redis-server must not outlive it.
  process.on('exit', () => embedded?.process.kill('SIGTERM'));
  log.info({ socket: embedded.socket, dir: config.dataDir }, 'started redis-server (AOF, fsync always)');
}

const hubStart = startHub(config, log, config.REDIS_URL ?? embedded?.url ?? '');
starting = hubStart;
hub = await hubStart.catch(async (err: unknown) => {
  if (!(err instanceof RedisSetupError)) throw err;
  // A Redis layout the scripts cannot run on: say why, in one message, and start nothing.
  console.error(err.message);
  if (embedded) await embedded.stop();
  process.exit(1);
});
const url = `http://localhost:${hub.port}`;
log.info({ url }, 'serialhub is listening');

if (config.SEED_DEMO && !stopping) {
  const seeding = seedDemo(hub);
  starting = seeding;
  const seeded = await seeding.catch((err: unknown) => {
    if (stopping) return null; // the hub is closing under the seed: nothing to report
    throw err;
  });
  if (seeded) {
    mkdirSync(config.dataDir, { recursive: true }); // with REDIS_URL / a cluster nothing else made it
    writeFileSync(join(config.dataDir, 'demo-registers.json'), JSON.stringify(seeded.registers, null, 2), { mode: 0o600 });
    const staff = DEMO_STAFF.map((s) => `    ${s.role.padEnd(11)} staff code ${s.code}  PIN ${s.pin}`).join('\n');
    console.log(`
  Demo store seeded. Open ${url} and log in to store "${DEMO_STORE}":
${staff}
  Two registers are paired; their device tokens are in ${join(config.dataDir, 'demo-registers.json')}.
  From a shell:  curl -s ${url}/api/sessions -H 'content-type: application/json' \\
                   -d '{"storeId":"${DEMO_STORE}","staffCode":"1001","pin":"1111"}'
`);
  }
}

