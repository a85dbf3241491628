/**
 * The limit: a bare Socket.IO 4 server with ioredis, none of Serialhub's code, on the same Redis (AOF, fsync
 * always) as the hub. Every socket joins one room. Three requests, each answered with an ack:
 *   l1  the ack only;
 *   l2  one EVALSHA of a minimal hold script (HSETNX to hold, HDEL to release), then the ack;
 *   l3  l2, then the result broadcast to the room, then the ack.
 * Started by bench/run.ts as its own process: REDIS_URL and PORT from the environment; GET /ready answers 200.
 * With BARE_ADAPTER=redis-streams it runs Socket.IO the way the hub configures it (the Redis Streams adapter on a
 * connection of its own, and connection state recovery): the same library parts, still none of our code.
 */
import { createServer } from 'node:http';
import { createAdapter } from '@socket.io/redis-streams-adapter';
import { Redis } from 'ioredis';
import { Server, type ServerOptions } from 'socket.io';

/** A hold is one field of one hash: HSETNX takes it (0 when someone has it), HDEL gives it back. */
const HOLD_LUA = `
if ARGV[1] == 'hold' then
  return redis.call('HSETNX', KEYS[1], ARGV[2], ARGV[3])
end
return redis.call('HDEL', KEYS[1], ARGV[2])
`;

type HoldRequest = { op: 'hold' | 'release'; serial: string; owner: string };
type BenchRedis = Redis & { benchHold(key: string, op: string, serial: string, owner: string): Promise<number> };

const url = process.env.REDIS_URL;
const port = Number(process.env.PORT ?? 0);
if (!url) throw new Error('REDIS_URL is not set');

// The same client options as the hub's connection (auto-pipelining on): the parts we are built from.
const redis = new Redis(url, { enableAutoPipelining: true, connectionName: 'bench-bare' }) as BenchRedis;
redis.defineCommand('benchHold', { numberOfKeys: 1, lua: HOLD_LUA });
const KEY = 'bench:bare:holds';

const http = createServer((req, res) => {
  if (req.url === '/ready') {
    res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    return;
  }
  if (!req.url?.startsWith('/socket.io/')) res.writeHead(404).end();
});
const withAdapter = process.env.BARE_ADAPTER === 'redis-streams';
const options: Partial<ServerOptions> = withAdapter
  ? {
      serveClient: false,
      connectionStateRecovery: { maxDisconnectionDuration: 120_000, skipMiddlewares: false },
      adapter: createAdapter(redis.duplicate(), { streamName: 'bench:socket.io', maxLen: 10_000, blockTimeInMs: 1_000 }),
    }
  : { serveClient: false };
const io = new Server(http, options);

io.on('connection', (socket) => {
  void socket.join('room');
  socket.on('l1', (_p: unknown, ack: (r: unknown) => void) => ack({ ok: true }));
  socket.on('l2', async (p: HoldRequest, ack: (r: unknown) => void) => {
    const changed = await redis.benchHold(KEY, p.op, p.serial, p.owner);
    ack({ ok: true, changed });
  });
  socket.on('l3', async (p: HoldRequest, ack: (r: unknown) => void) => {
    const changed = await redis.benchHold(KEY, p.op, p.serial, p.owner);
    io.to('room').emit('held', { op: p.op, serial: p.serial, owner: p.owner, changed });
    ack({ ok: true, changed });
  });
});

await redis.del(KEY);
http.listen(port, '127.0.0.1', () => {
  const addr = http.address();
  process.stdout.write(`bare server listening on ${typeof addr === 'object' && addr ? addr.port : port}\n`);
});

const stop = () => {
  io.close();
  redis.disconnect();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
