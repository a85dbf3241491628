/**
 * Prometheus metrics (GET /metrics): what an operator watches on each hub process.
 *
 * Per process: nodejs_* / process_* defaults (event-loop lag included), connected registers and sockets,
 * hold / sale / script / HTTP / socket request latency histograms, holds released by the sweeper, Redis
 * round-trip time per master. Chain-wide (the same figure on every hub: aggregate with max(), not sum()):
 * live holds and stores, read from Redis at scrape time.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Redis } from 'ioredis';
import type { StoreEvent } from '../protocol/events.js';
import { dataNodes, isCluster } from './redis/cluster.js';
import { storeKeys } from './store/keys.js';

/** Seconds: 1 ms .. 5 s. */
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
/** Scripts whose whole job is to take a hold; others (adding a line) count when they took one. */
const HOLD_SCRIPTS = new Set(['holdSerial', 'pickSerial']);
/** Chain-wide figures read from Redis are reused this long (several scrapers, many stores). */
const CHAIN_CACHE_MS = 5_000;
const PING_TIMEOUT_MS = 2_000;

/** Node.js defaults are per process, whatever number of hubs a test starts in it: one registry for them. */
let processRegistry: Registry | null = null;
function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

export interface MetricSources {
  redis: Redis;
  /** Sockets on this hub: all of them, and the distinct registers among them. */
  connected(): { sockets: number; registers: number };
  listStores(): Promise<string[]>;
  sweeperReleased(): number;
}

export class HubMetrics {
  readonly registry = new Registry();
  private sources: MetricSources | null = null;
  private chain: { at: number; stores: number; holds: number } | null = null;

  readonly scriptSeconds = new Histogram({
    name: 'serialhub_script_duration_seconds', help: 'Lua script calls (one atomic operation each), by script and outcome',
    labelNames: ['script', 'outcome'] as const, buckets: LATENCY_BUCKETS, registers: [this.registry],
  });
  readonly holdSeconds = new Histogram({
    name: 'serialhub_hold_duration_seconds', help: 'taking a hold on an enforced serial (ok, or refused: held elsewhere, sold, ...)',
    labelNames: ['outcome'] as const, buckets: LATENCY_BUCKETS, registers: [this.registry],
  });
  readonly saleSeconds = new Histogram({
    name: 'serialhub_sale_duration_seconds', help: 'completing a sale (the one atomic step that checks every hold)',
    labelNames: ['outcome'] as const, buckets: LATENCY_BUCKETS, registers: [this.registry],
  });
  readonly httpSeconds = new Histogram({
    name: 'serialhub_http_request_duration_seconds', help: 'REST requests, by route pattern and status',
    labelNames: ['method', 'route', 'status'] as const, buckets: LATENCY_BUCKETS, registers: [this.registry],
  });
  readonly socketSeconds = new Histogram({
    name: 'serialhub_socket_request_duration_seconds', help: 'register requests over the live socket, by event and outcome',
    labelNames: ['event', 'outcome'] as const, buckets: LATENCY_BUCKETS, registers: [this.registry],
  });

  constructor(labels: { hubId: string; redisMode: 'single' | 'cluster' }) {
    const self = this;
    new Gauge({
      name: 'serialhub_hub_info', help: 'this hub process (value 1)', labelNames: ['hub_id', 'redis'] as const, registers: [this.registry],
    }).set({ hub_id: labels.hubId, redis: labels.redisMode }, 1);
    new Gauge({
      name: 'serialhub_registers_connected', help: 'registers (paired terminals) with a live socket on this hub', registers: [this.registry],
      collect() {
        if (self.sources) this.set(self.sources.connected().registers);
      },
    });
    new Gauge({
      name: 'serialhub_sockets_connected', help: 'live sockets on this hub (registers and back-office screens)', registers: [this.registry],
      collect() {
        if (self.sources) this.set(self.sources.connected().sockets);
      },
    });
    new Gauge({
      name: 'serialhub_holds_live', help: 'holds in force in every store (chain-wide: the same on every hub)', registers: [this.registry],
      async collect() {
        const chain = await self.chainFigures();
        if (chain) this.set(chain.holds);
      },
    });
    new Gauge({
      name: 'serialhub_stores', help: 'stores in the registry (chain-wide)', registers: [this.registry],
      async collect() {
        const chain = await self.chainFigures();
        if (chain) this.set(chain.stores);
      },
    });
    let counted = 0;
    new Counter({
      name: 'serialhub_sweeper_released_total', help: 'expired holds released by this hub\'s sweeper', registers: [this.registry],
      collect() {
        if (!self.sources) return;
        const now = self.sources.sweeperReleased();
        if (now > counted) this.inc(now - counted);
        counted = now;
      },
    });
    new Gauge({
      name: 'serialhub_redis_up', help: 'whether each Redis master answered PING at scrape time', labelNames: ['node'] as const,
      registers: [this.registry],
      async collect() {
        this.reset();
        for (const p of await self.pings()) this.set({ node: p.node }, p.seconds === null ? 0 : 1);
      },
    });
    new Gauge({
      name: 'serialhub_redis_rtt_seconds', help: 'PING round trip to each Redis master, at scrape time', labelNames: ['node'] as const,
      registers: [this.registry],
      async collect() {
        this.reset();
        for (const p of await self.pings()) if (p.seconds !== null) this.set({ node: p.node }, p.seconds);
      },
    });
  }

  private pinging: { at: number; result: Promise<{ node: string; seconds: number | null }[]> } | null = null;
  /** One PING per master per scrape (both gauges above read it). */
  private pings(): Promise<{ node: string; seconds: number | null }[]> {
    if (!this.sources) return Promise.resolve([]);
    if (this.pinging && Date.now() - this.pinging.at < 1_000) return this.pinging.result;
    const result = Promise.all(redisNodes(this.sources.redis).map(async ({ name, conn }) => {
      const started = performance.now();
      try {
        await withTimeout(conn.ping(), PING_TIMEOUT_MS);
        return { node: name, seconds: (performance.now() - started) / 1000 };
      } catch {
        return { node: name, seconds: null };
      }
    }));
    this.pinging = { at: Date.now(), result };
    return result;
  }

  /** Called once the live hub and sweeper exist. */
  attach(sources: MetricSources): void {
    this.sources = sources;
  }

  /** Scripts.onScriptDone. */
  observeScript(name: string, seconds: number, outcome: 'ok' | 'refused' | 'error', events: StoreEvent[]): void {
    this.scriptSeconds.observe({ script: name, outcome }, seconds);
    if (name === 'completeSale') this.saleSeconds.observe({ outcome }, seconds);
    else if (HOLD_SCRIPTS.has(name) || events.some((e) => e.type === 'hold_created')) this.holdSeconds.observe({ outcome }, seconds);
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** The exposition text: process defaults, then this hub's. */
  async render(): Promise<string> {
    const [proc, hub] = await Promise.all([processMetrics().metrics(), this.registry.metrics()]);
    return `${proc.trimEnd()}\n\n${hub}`;
  }

  private chainPending: Promise<HubMetrics['chain']> | null = null;
  /** Live holds and stores, counted in Redis (HLEN of each store's holds), cached a few seconds. */
  private chainFigures(): Promise<HubMetrics['chain']> {
    if (this.chain && Date.now() - this.chain.at < CHAIN_CACHE_MS) return Promise.resolve(this.chain);
    if (!this.sources) return Promise.resolve(null);
    const { redis, listStores } = this.sources;
    this.chainPending ??= (async () => {
      try {
        const stores = await listStores();
        // one command per store (each in its store's slot); auto-pipelining batches them per node
        const lens = await Promise.all(stores.map((s) => redis.hlen(storeKeys(s).holds)));
        this.chain = { at: Date.now(), stores: stores.length, holds: lens.reduce((a, b) => a + b, 0) };
      } catch {
        // Redis unreachable: the gauges keep their last value; serialhub_redis_up says why
      }
      return this.chain;
    })().finally(() => (this.chainPending = null));
    return this.chainPending;
  }
}

function redisNodes(redis: Redis): { name: string; conn: Redis }[] {
  if (!isCluster(redis)) return [{ name: 'redis', conn: redis }];
  return dataNodes(redis).map((conn) => ({ name: `${conn.options.host}:${conn.options.port}`, conn }));
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('timeout')), ms);
    }),
  ]);
}
