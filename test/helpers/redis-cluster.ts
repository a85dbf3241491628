/**
 * A throwaway Redis Cluster on loopback for tests: `masters` redis-server processes started from the shipped
 * deploy/redis-cluster-node.conf (full coverage off, no replica failover, AOF with fsync always), each on a free
 * port in its own temp directory with its own cluster-config-file and AOF, joined with
 * `redis-cli --cluster create ... --cluster-yes`, ready when every node says cluster_state:ok.
 * `kill()` and `restart()` take one master down and bring it back on its directory (its AOF and nodes.conf),
 * after the pre-start step of deploy/redis-aof-check.sh (a torn AOF tail cut back whole, `repairTornAof`).
 * Never port 6379; `stop()` ends exactly the processes it started and removes the directories.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkAofBinFor, repairTornAof } from '../../server/redis/aof.js';
import { freePort, REDIS_PACKAGE_HINT } from '../../server/redis/embedded.js';

export interface ClusterNodeProcess {
  port: number;
  busPort: number;
  dir: string;
  proc: ChildProcess;
}

export interface TestRedisCluster {
  /** "127.0.0.1:p1,127.0.0.1:p2,..." as REDIS_CLUSTER_NODES takes it. */
  seeds: string;
  nodes: ClusterNodeProcess[];
  password: string;
  /** Runs redis-cli against one node (with the password), returns its output. */
  cli(port: number, ...args: string[]): string;
  /** Stops the master on `port` with `signal` (SIGKILL: as a crash), leaving its directory. */
  kill(port: number, signal?: NodeJS.Signals): Promise<void>;
  /** Starts the master on `port` again from its directory (AOF and nodes.conf), as after a crash. */
  restart(port: number): Promise<void>;
  stop(): Promise<void>;
}

const READY_MS = 20_000;
/** Where a node listens and keeps its files: set per test node, not taken from the shipped file. */
const PLACE_SETTINGS = new Set(['port', 'dir', 'cluster-config-file', 'bind', 'daemonize', 'loglevel', 'requirepass', 'masterauth']);

/**
 * The settings of deploy/redis-cluster-node.conf (what operators are told to run) as redis-server arguments,
 * without its places. Passed as arguments rather than as the file: its `dir /var/lib/redis` is applied (chdir)
 * while the file is read, and fails where that directory does not exist.
 */
export function shippedNodeSettings(): string[] {
  const conf = readFileSync(new URL('../../deploy/redis-cluster-node.conf', import.meta.url), 'utf8');
  const args: string[] = [];
  for (const line of conf.split('\n')) {
    const m = /^([a-z-]+)\s+(.*?)\s*$/.exec(line);
    if (!m || PLACE_SETTINGS.has(m[1]!)) continue;
    args.push(`--${m[1]}`, m[2]!.replace(/^"(.*)"$/, '$1'));
  }
  return args;
}

function startNode(port: number, busPort: number, dir: string, password: string, bin: string): Promise<ChildProcess> {
  const args = [
    ...shippedNodeSettings(),
    '--port', String(port), '--cluster-port', String(busPort), '--bind', '127.0.0.1', '--dir', dir,
    '--cluster-config-file', join(dir, 'nodes.conf'),
    '--daemonize', 'no', '--loglevel', 'warning',
    ...(password ? ['--requirepass', password, '--masterauth', password] : []),
  ];
  const proc = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`redis-server on ${port} did not start:\n${out}`)), READY_MS);
    proc.once('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(err.code === 'ENOENT' ? new Error(REDIS_PACKAGE_HINT) : err);
    });
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`redis-server on ${port} exited with ${code}:\n${out}`));
    });
    // loglevel warning prints nothing on a good start: poll PING instead
    proc.stdout!.on('data', (c: Buffer) => (out += c.toString()));
    proc.stderr!.on('data', (c: Buffer) => (out += c.toString()));
    const poll = () => {
      const r = spawnSync('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...(password ? ['-a', password, '--no-auth-warning'] : []), 'PING'], { encoding: 'utf8' });
      if (r.stdout?.trim() === 'PONG') {
        clearTimeout(timer);
        proc.removeAllListeners('exit');
        resolve(proc);
      } else if (proc.exitCode === null) setTimeout(poll, 50);
    };
    setTimeout(poll, 50);
  });
}

export async function startRedisCluster(opts: { masters?: number; password?: string; bin?: string } = {}): Promise<TestRedisCluster> {
  const masters = opts.masters ?? 3;
  const password = opts.password ?? '';
  const nodes: ClusterNodeProcess[] = [];
  const cli = (port: number, ...args: string[]) => {
    const r = spawnSync('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...(password ? ['-a', password, '--no-auth-warning'] : []), ...args], {
      encoding: 'utf8', timeout: 30_000,
    });
    return `${r.stdout ?? ''}${r.stderr ?? ''}`;
  };
  const bin = opts.bin ?? 'redis-server';
  const node = (port: number) => {
    const n = nodes.find((x) => x.port === port);
    if (!n) throw new Error(`no cluster node on ${port}`);
    return n;
  };
  const end = (n: ClusterNodeProcess, signal: NodeJS.Signals) => new Promise<void>((resolve) => {
    if (n.proc.exitCode !== null || n.proc.signalCode !== null) return resolve();
    n.proc.once('exit', () => resolve());
    n.proc.kill(signal);
  });
  const stop = async () => {
    await Promise.all(nodes.map((n) => end(n, 'SIGTERM')));
    for (const n of nodes) rmSync(n.dir, { recursive: true, force: true });
  };
  const kill = (port: number, signal: NodeJS.Signals = 'SIGKILL') => end(node(port), signal);
  const restart = async (port: number) => {
    const n = node(port);
    await repairTornAof(n.dir, checkAofBinFor(bin));
    n.proc = await startNode(n.port, n.busPort, n.dir, password, bin);
  };
  try {
    for (let i = 0; i < masters; i++) {
      let port = await freePort();
      while (port === 6379) port = await freePort();
      let busPort = await freePort(); // the cluster bus: its own free port, not port + 10000
      while (busPort === port || busPort === 6379) busPort = await freePort();
      const dir = mkdtempSync(join(tmpdir(), `serialhub-cluster-${i}-`));
      nodes.push({ port, busPort, dir, proc: await startNode(port, busPort, dir, password, bin) });
    }
    if (masters === 1) {
      // redis-cli --cluster create wants three masters; one node serving every slot is a cluster all the same
      const added = cli(nodes[0]!.port, 'CLUSTER', 'ADDSLOTSRANGE', '0', '16383');
      if (!/OK/.test(added)) throw new Error(`CLUSTER ADDSLOTSRANGE failed:\n${added}`);
    } else {
      const created = cli(nodes[0]!.port, '--cluster', 'create', ...nodes.map((n) => `127.0.0.1:${n.port}`), '--cluster-replicas', '0', '--cluster-yes');
      if (!/All 16384 slots covered/.test(created)) throw new Error(`redis-cli --cluster create failed:\n${created}`);
    }
    const until = Date.now() + READY_MS;
    while (!nodes.every((n) => /cluster_state:ok/.test(cli(n.port, 'CLUSTER', 'INFO')))) {
      if (Date.now() > until) throw new Error('the cluster did not reach cluster_state:ok');
      await new Promise((r) => setTimeout(r, 100));
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return { seeds: nodes.map((n) => `127.0.0.1:${n.port}`).join(','), nodes, password, cli, kill, restart, stop };
}
