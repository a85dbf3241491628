/**
 * The chaos suite's history: every operation a register (or the clerk) invokes, then how it ended (ok,
 * fail with a code when the hub definitely refused it, or unknown when it may or may not have happened).
 * One JSON line per record, one file per process.
 */
import { appendFileSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ERROR_STATUS } from '../../protocol/errors.js';

export type Op = 'hold' | 'renew' | 'release' | 'void' | 'complete' | 'return' | 'receive';
export type Phase = 'invoke' | 'ok' | 'fail' | 'unknown';

export interface HistoryRecord {
  /** Wall-clock ms when this record was written. */
  t: number;
  /** Which process: "r3" for register 3, "clerk". */
  who: string;
  /** Pairs an invoke with its outcome. */
  id: string;
  op: Op;
  phase: Phase;
  args?: Record<string, unknown>;
  result?: Record<string, unknown>;
  code?: string;
  message?: string;
}

/**
 * True when an error answer is a definite refusal: a 4xx answer of the hub's own, given before anything was
 * written. Everything else (no answer, OFFLINE, UNAVAILABLE, INTERNAL such as "Connection is closed" after the
 * script was sent, an unlisted code) leaves the operation's outcome unknown: it may have been applied.
 * So does SERIAL_HELD with `sameSale`: the serial is on this very sale, possibly by this request run twice
 * (a script whose reply was lost to a dropped connection is sent again when the hub reconnects).
 */
export function isDefiniteRefusal(code: string | undefined, details?: unknown): boolean {
  if (code === 'SERIAL_HELD' && (details as { sameSale?: unknown } | undefined)?.sameSale === true) return false;
  return code !== undefined && Object.hasOwn(ERROR_STATUS, code) && ERROR_STATUS[code as keyof typeof ERROR_STATUS] < 500;
}

export class HistoryWriter {
  private n = 0;
  constructor(
    private readonly file: string,
    private readonly who: string,
  ) {}

  private write(r: Omit<HistoryRecord, 't' | 'who'>) {
    appendFileSync(this.file, `${JSON.stringify({ t: Date.now(), who: this.who, ...r })}\n`);
  }

  /** Records the invoke, runs the operation, records its outcome; rethrows failures. */
  async record<T>(op: Op, args: Record<string, unknown>, run: () => Promise<T>, result: (v: T) => Record<string, unknown> = () => ({})): Promise<T> {
    const id = `${this.who}-${++this.n}`;
    this.write({ id, op, phase: 'invoke', args });
    try {
      const v = await run();
      this.write({ id, op, phase: 'ok', result: result(v) });
      return v;
    } catch (err) {
      const { code = 'ERROR', details, message } = err as { code?: string; details?: unknown; message?: string };
      this.write({ id, op, phase: isDefiniteRefusal(code, details) ? 'fail' : 'unknown', code, message });
      throw err;
    }
  }
}

/** Reads every history file of a run; pairs invokes with outcomes (an invoke without one is unknown). */
export function readHistory(dir: string) {
  const records: HistoryRecord[] = [];
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.jsonl'))) {
    for (const line of readFileSync(join(dir, f), 'utf8').split('\n')) {
      if (!line.trim()) continue;
      try {
        records.push(JSON.parse(line) as HistoryRecord);
      } catch {
        // a process killed mid-line: that record is incomplete, its operation counts as unknown
      }
    }
  }
  const byId = new Map<string, { invoke: HistoryRecord; end?: HistoryRecord }>();
  for (const r of records.sort((a, b) => a.t - b.t)) {
    if (r.phase === 'invoke') byId.set(r.id, { invoke: r });
    else {
      const e = byId.get(r.id);
      if (e) e.end = r;
    }
  }
  return [...byId.values()].map(({ invoke, end }) => ({
    id: invoke.id, who: invoke.who, op: invoke.op, args: invoke.args ?? {}, invokedAt: invoke.t,
    phase: (end?.phase ?? 'unknown') as Exclude<Phase, 'invoke'>, endedAt: end?.t ?? null, result: end?.result ?? {}, code: end?.code, message: end?.message,
  }));
}

export type Operation = ReturnType<typeof readHistory>[number];
