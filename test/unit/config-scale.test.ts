/** Scale-out configuration (issue 8): Redis Cluster seeds, its password, and the reverse proxy hops to trust. */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ConfigError, loadConfig } from '../../server/config.js';
import { sampleStoreKeyNames } from '../../server/redis/cluster.js';
import { storeKeys } from '../../server/store/keys.js';

const test = suite('config-scale');

function failure(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (err) {
    assert.instance(err, ConfigError);
    return (err as Error).message;
  }
  throw new Error(`accepted ${JSON.stringify(env)}`);
}

test('defaults: no cluster, no password, no proxy trusted', () => {
  const c = loadConfig({});
  assert.equal(c.REDIS_CLUSTER_NODES, []);
  assert.is(c.REDIS_CLUSTER_PASSWORD, '');
  assert.is(c.TRUST_PROXY, false);
  assert.equal(loadConfig({ REDIS_CLUSTER_NODES: '', TRUST_PROXY: '' }).REDIS_CLUSTER_NODES, []);
});

test('REDIS_CLUSTER_NODES: host:port seeds, spaces and empty items ignored, IPv6 in brackets', () => {
  const c = loadConfig({ REDIS_CLUSTER_NODES: ' redis-a:7000, 10.0.0.2:7001,,[::1]:7002 ' });
  assert.equal(c.REDIS_CLUSTER_NODES, [
    { host: 'redis-a', port: 7000 }, { host: '10.0.0.2', port: 7001 }, { host: '::1', port: 7002 },
  ]);
});

test('bad seeds are refused, one line naming REDIS_CLUSTER_NODES', () => {
  for (const v of ['redis-a', 'redis-a:', ':7000', 'redis-a:0', 'redis-a:65536', 'redis://redis-a:7000', 'a b:7000', 'a:7000;b:7001']) {
    const lines = failure({ REDIS_CLUSTER_NODES: v }).split('\n').slice(1);
    assert.is(lines.length, 1, v);
    assert.ok(lines[0]!.trim().startsWith('REDIS_CLUSTER_NODES:'), `${v}: ${lines[0]}`);
  }
});

test('REDIS_URL and REDIS_CLUSTER_NODES together are refused with a clear message', () => {
  const message = failure({ REDIS_URL: 'redis://127.0.0.1:6390', REDIS_CLUSTER_NODES: '127.0.0.1:7000' });
  assert.match(message, /REDIS_CLUSTER_NODES: set either REDIS_URL \(one Redis\) or REDIS_CLUSTER_NODES \(a Redis Cluster\), not both/);
});

test('a refused configuration does not echo REDIS_CLUSTER_PASSWORD', () => {
  const secret = 's3cret-cluster-password';
  const message = failure({ REDIS_CLUSTER_PASSWORD: secret, REDIS_CLUSTER_NODES: 'nope' });
  assert.not.ok(message.includes(secret));
});

test('TRUST_PROXY: hop count, addresses, subnets, named ranges; nonsense refused', () => {
  assert.is(loadConfig({ TRUST_PROXY: '1' }).TRUST_PROXY, 1);
  assert.equal(loadConfig({ TRUST_PROXY: 'loopback' }).TRUST_PROXY, ['loopback']);
  assert.equal(loadConfig({ TRUST_PROXY: 'loopback, 10.0.0.0/8 ,fd00::/8,192.168.1.5' }).TRUST_PROXY, ['loopback', '10.0.0.0/8', 'fd00::/8', '192.168.1.5']);
  for (const v of ['true', 'everyone', '10.0.0.0/33', '10.0.0/8', '1.2.3.4/8/9', 'fd00::/129']) {
    const lines = failure({ TRUST_PROXY: v }).split('\n').slice(1);
    assert.is(lines.length, 1, v);
    assert.ok(lines[0]!.trim().startsWith('TRUST_PROXY:'), `${v}: ${lines[0]}`);
  }
});

test('the start-up slot check covers every key name of a store', () => {
  const names = sampleStoreKeyNames('s1');
  assert.is(names.length, Object.keys(storeKeys('s1')).length);
  for (const n of names) assert.ok(n.startsWith('sh:{s:s1}:'), n);
});

test.run();
