/** Configuration from the environment, validated once at start-up; each bad value gets its own message. */
import { isIP } from 'node:net';
import { resolve } from 'node:path';
import { z } from 'zod';

const bool = z
  .enum(['0', '1', 'true', 'false', 'yes', 'no'])
  .transform((v) => v === '1' || v === 'true' || v === 'yes');
const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

const Env = z.object({
  /** HTTP port of the hub. @default 3000 */
  PORT: int(0, 65535).default(3000),
  /** Address to listen on; registers reach the hub over the store's network. @default 0.0.0.0 */
  HOST: z.string().min(1).default('0.0.0.0'),
  /** An external Redis (redis://, rediss:// or unix path). Unset: the hub runs its own redis-server. */
  REDIS_URL: z.string().url().optional(),
  /** Where the hub's own redis-server keeps its AOF. @default ./data */
  DATA_DIR: z.string().min(1).default('./data'),
  /** The redis-server binary for the embedded Redis. @default redis-server */
  REDIS_SERVER_BIN: z.string().min(1).default('redis-server'),
  /** Seed a demo store on an empty Redis. @default 1 */
  SEED_DEMO: bool.default(true),
  /** Lease of a hold: renewed while the register is connected; when it disconnects, its grace period. @default 120000 */
  HOLD_LEASE_MS: int(1_000, 3_600_000).default(120_000),
  /** How often the sweeper looks for expired holds. @default 1000 */
  SWEEP_INTERVAL_MS: int(50, 60_000).default(1_000),
  /** Socket heartbeat: a frozen or unplugged register is noticed within interval + timeout. @default 10000 */
  PING_INTERVAL_MS: int(500, 60_000).default(10_000),
  /** @default 5000 */
  PING_TIMEOUT_MS: int(500, 60_000).default(5_000),
  /** Staff session lifetime. @default 43200 (12 hours) */
  SESSION_TTL_S: int(60, 7 * 86_400).default(43_200),
  /** Bearer token for the operator routes (creating stores); unset disables them. */
  ADMIN_TOKEN: z.string().min(24, 'ADMIN_TOKEN must be at least 24 characters').optional(),
  /** Comma-separated origins allowed to call the hub from a browser; the hub's own origin always is. */
  ALLOWED_ORIGINS: z
    .string()
    .default('')
    .transform((s) => s.split(',').map((o) => o.trim()).filter(Boolean)),
  /** Failed PIN attempts allowed per staff member (and, times 4, per address) in 15 minutes. @default 5 */
  LOGIN_ATTEMPTS: int(1, 1000).default(5),
  /** pino log level. @default info */
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Redis Cluster seed nodes, comma-separated host:port (instead of REDIS_URL). @default empty (no cluster) */
  REDIS_CLUSTER_NODES: z
    .string()
    .default('')
    .transform((s, ctx) => {
      const nodes: { host: string; port: number }[] = [];
      for (const item of s.split(',').map((n) => n.trim()).filter(Boolean)) {
        const m = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9._-]+):(\d{1,5})$/.exec(item);
        const port = Number(m?.[2]);
        if (!m || port < 1 || port > 65535) {
          ctx.addIssue({ code: 'custom', message: `"${item.slice(0, 60)}" is not host:port (list the seeds as host:port,host:port)` });
          return z.NEVER;
        }
        nodes.push({ host: m[1]!.replace(/^\[|\]$/g, ''), port });
      }
      return nodes;
    }),
  /** Password of the Redis Cluster nodes (requirepass / masterauth). @default empty (none) */
  REDIS_CLUSTER_PASSWORD: z.string().default(''),
  /**
   * Behind a reverse proxy: which peers' X-Forwarded-For to believe (Express "trust proxy"): a number of hops,
   * or addresses/subnets and the names loopback, linklocal, uniquelocal. @default empty (trust none)
   */
  TRUST_PROXY: z
    .string()
    .default('')
    .transform((s, ctx): number | string[] | false => {
      if (s.trim() === '') return false;
      if (/^\d{1,2}$/.test(s.trim())) return Number(s.trim());
      const items = s.split(',').map((i) => i.trim()).filter(Boolean);
      for (const item of items) {
        const [addr, bits, ...rest] = item.split('/');
        const named = ['loopback', 'linklocal', 'uniquelocal'].includes(item);
        const okBits = bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= (isIP(addr!) === 6 ? 128 : 32));
        if (!named && (rest.length > 0 || !isIP(addr!) || !okBits)) {
          ctx.addIssue({ code: 'custom', message: `"${item.slice(0, 60)}" is not a hop count, an address, a subnet, loopback, linklocal or uniquelocal` });
          return z.NEVER;
        }
      }
      return items;
    }),
}).superRefine((env, ctx) => {
  if (env.REDIS_URL && env.REDIS_CLUSTER_NODES.length > 0) {
    ctx.addIssue({
      code: 'custom', path: ['REDIS_CLUSTER_NODES'],
      message: 'set either REDIS_URL (one Redis) or REDIS_CLUSTER_NODES (a Redis Cluster), not both',
    });
  }
});

export type Config = z.infer<typeof Env> & { dataDir: string };

export class ConfigError extends Error {}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const defined = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = Env.safeParse(defined);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`bad configuration:\n${lines.join('\n')}`);
  }
  return { ...parsed.data, dataDir: resolve(parsed.data.DATA_DIR) };
}
