import { resolve } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ConfigError, loadConfig } from '../../server/config.js';

const test = suite('config');

function failure(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (err) {
    assert.instance(err, ConfigError);
    return (err as Error).message;
  }
  throw new Error(`accepted ${JSON.stringify(env)}`);
}

test('an empty environment gives the documented defaults', () => {
  const c = loadConfig({});
  const defaults = {
    PORT: 3000, HOST: '0.0.0.0', DATA_DIR: './data', dataDir: resolve('./data'), REDIS_SERVER_BIN: 'redis-server',
    SEED_DEMO: true, HOLD_LEASE_MS: 120_000, SWEEP_INTERVAL_MS: 1_000, SESSION_TTL_S: 43_200, ALLOWED_ORIGINS: [],
    LOGIN_ATTEMPTS: 5, LOG_LEVEL: 'info',
  };
  for (const [name, value] of Object.entries(defaults)) assert.equal((c as Record<string, unknown>)[name], value, name);
  // Options added later have defaults too: an empty environment is a working configuration.
  for (const [name, value] of Object.entries(c)) {
    if (name !== 'REDIS_URL' && name !== 'ADMIN_TOKEN') assert.ok(value !== undefined, `${name} has no default`);
  }
  assert.is(c.REDIS_URL, undefined, 'no REDIS_URL: the hub runs its own redis-server');
  assert.is(c.ADMIN_TOKEN, undefined, 'no ADMIN_TOKEN: operator routes are off');
});

test('empty strings count as unset', () => {
  const c = loadConfig({ PORT: '', REDIS_URL: '', ADMIN_TOKEN: '', SEED_DEMO: '', LOG_LEVEL: '', ALLOWED_ORIGINS: '' });
  assert.is(c.PORT, 3000);
  assert.is(c.REDIS_URL, undefined);
  assert.is(c.ADMIN_TOKEN, undefined);
  assert.is(c.SEED_DEMO, true);
  assert.is(c.LOG_LEVEL, 'info');
});

test('values are parsed: numbers, booleans, origins, paths', () => {
  const c = loadConfig({
    PORT: '8080', HOST: '127.0.0.1', REDIS_URL: 'redis://127.0.0.1:6390', DATA_DIR: 'some/dir', REDIS_SERVER_BIN: '/usr/bin/redis-server',
    SEED_DEMO: '0', HOLD_LEASE_MS: '1000', SWEEP_INTERVAL_MS: '50', SESSION_TTL_S: '60', ADMIN_TOKEN: 'a'.repeat(24),
    ALLOWED_ORIGINS: ' https://a.example , ,https://b.example ', LOGIN_ATTEMPTS: '1', LOG_LEVEL: 'silent',
  });
  assert.is(c.PORT, 8080);
  assert.is(c.HOST, '127.0.0.1');
  assert.is(c.REDIS_URL, 'redis://127.0.0.1:6390');
  assert.is(c.dataDir, resolve('some/dir'));
  assert.is(c.REDIS_SERVER_BIN, '/usr/bin/redis-server');
  assert.is(c.SEED_DEMO, false);
  assert.is(c.HOLD_LEASE_MS, 1000);
  assert.is(c.SWEEP_INTERVAL_MS, 50);
  assert.is(c.SESSION_TTL_S, 60);
  assert.is(c.ADMIN_TOKEN, 'a'.repeat(24));
  assert.equal(c.ALLOWED_ORIGINS, ['https://a.example', 'https://b.example']);
  assert.is(c.LOGIN_ATTEMPTS, 1);
  assert.is(c.LOG_LEVEL, 'silent');
  assert.is(loadConfig({ PORT: '0' }).PORT, 0, 'PORT=0 picks a free port');
  assert.is(loadConfig({ REDIS_URL: 'redis+unix:///run/redis.sock' }).REDIS_URL, 'redis+unix:///run/redis.sock');
});

test('SEED_DEMO takes 0/1, true/false, yes/no', () => {
  for (const [v, want] of [['1', true], ['true', true], ['yes', true], ['0', false], ['false', false], ['no', false]] as const) {
    assert.is(loadConfig({ SEED_DEMO: v }).SEED_DEMO, want, v);
  }
});

test('each bad value is refused with a message naming the variable', () => {
  const bad: [string, string][] = [
    ['PORT', 'abc'], ['PORT', '-1'], ['PORT', '65536'], ['PORT', '80.5'], ['PORT', 'NaN'],
    ['REDIS_URL', 'not a url'], ['SEED_DEMO', 'maybe'], ['SEED_DEMO', '2'],
    ['HOLD_LEASE_MS', '999'], ['HOLD_LEASE_MS', '3600001'], ['HOLD_LEASE_MS', 'soon'],
    ['SWEEP_INTERVAL_MS', '49'], ['SWEEP_INTERVAL_MS', '60001'], ['SESSION_TTL_S', '59'], ['SESSION_TTL_S', '604801'],
    ['ADMIN_TOKEN', 'short'], ['LOGIN_ATTEMPTS', '0'], ['LOGIN_ATTEMPTS', '1001'], ['LOGIN_ATTEMPTS', 'many'],
    ['LOG_LEVEL', 'verbose'], ['LOG_LEVEL', 'INFO'],
  ];
  for (const [name, value] of bad) {
    const message = failure({ [name]: value });
    assert.match(message, /^bad configuration:\n/, `${name}=${value}`);
    const lines = message.split('\n').slice(1);
    assert.is(lines.length, 1, `${name}=${value}: ${message}`);
    assert.ok(lines[0]!.trim().startsWith(`${name}:`), `${name}=${value}: ${message}`);
  }
});

test('several bad values are all named, one line each', () => {
  const message = failure({ PORT: 'abc', HOLD_LEASE_MS: '5', LOG_LEVEL: 'loud', HOST: 'ok' });
  const lines = message.split('\n').slice(1).map((l) => l.trim());
  assert.is(lines.length, 3, message);
  for (const name of ['PORT', 'HOLD_LEASE_MS', 'LOG_LEVEL']) assert.ok(lines.some((l) => l.startsWith(`${name}:`)), `${name}: ${message}`);
});

test('a refused ADMIN_TOKEN is not echoed back', () => {
  const secret = 'hunter2-not-long-enough';
  const message = failure({ ADMIN_TOKEN: secret });
  assert.ok(message.includes('ADMIN_TOKEN'));
  assert.not.ok(message.includes(secret), message);
});

test('variables the hub does not know are ignored, and only the given environment is read', () => {
  const saved = process.env.PORT;
  process.env.PORT = 'abc';
  try {
    assert.is(loadConfig({ PATH: '/usr/bin', HOME: '/root', SOMETHING_ELSE: 'x' }).PORT, 3000);
  } finally {
    if (saved === undefined) delete process.env.PORT;
    else process.env.PORT = saved;
  }
  assert.throws(() => loadConfig({ PORT: 'abc' }), (err: unknown) => err instanceof ConfigError);
});

test.run();
