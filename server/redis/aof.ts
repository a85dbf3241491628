/**
 * Redis append-only files: the RESP commands of an AOF with their byte offsets, and the repair of a torn AOF
 * tail (a write cut short by kill -9 or a power cut) with redis-check-aof before a redis-server loads it.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export const REDIS_CHECK_AOF_HINT = 'redis-check-aof was not found: install the Debian package redis-tools (apt-get install redis-tools)';
/** The AOF directory and file name the hub's redis-server is started with (also the Redis defaults). */
export const AOF_DIR_NAME = 'appendonlydir';
export const AOF_FILE_NAME = 'appendonly.aof';

/** The redis-check-aof that goes with a redis-server binary: beside it when that is a path, else on PATH. */
export function checkAofBinFor(redisServerBin: string): string {
  return redisServerBin.includes('/') ? join(dirname(redisServerBin), 'redis-check-aof') : 'redis-check-aof';
}

/** One command of an AOF: its byte range and its arguments. */
export interface AofCommand {
  start: number;
  end: number;
  args: string[];
}

export interface ParsedAof {
  commands: AofCommand[];
  /** Where the last whole command ends. */
  end: number;
  /** Why parsing stopped: the bytes ended after a whole command, ended inside one (torn), or are not RESP. */
  stop: 'end' | 'torn' | 'bad';
}

/** Parses RESP commands (`*<argc>` then `$<len>` bulk strings) from `from` on. */
export function parseAof(buf: Buffer, from = 0): ParsedAof {
  const commands: AofCommand[] = [];
  let pos = from;
  // A `*n` or `$n` line at `at`: its number and where the next line starts; 'torn' if the bytes end first.
  const header = (at: number, prefix: string): { n: number; next: number } | 'torn' | 'bad' => {
    const eol = buf.indexOf('\r\n', at);
    const line = buf.subarray(at, eol === -1 ? buf.length : eol).toString('latin1');
    if (!new RegExp(`^\\${prefix}?\\d*\\r?$`).test(line)) return 'bad';
    if (eol === -1) return 'torn';
    if (line[0] !== prefix || !/^\d+$/.test(line.slice(1))) return 'bad';
    return { n: Number(line.slice(1)), next: eol + 2 };
  };
  while (pos < buf.length) {
    const argc = header(pos, '*');
    if (typeof argc === 'string') return { commands, end: pos, stop: argc };
    const args: string[] = [];
    let at = argc.next;
    for (let i = 0; i < argc.n; i++) {
      const len = header(at, '$');
      if (typeof len === 'string') return { commands, end: pos, stop: len };
      const stop = len.next + len.n;
      if (stop + 2 > buf.length) {
        const crlf = buf.subarray(stop, buf.length).toString('latin1');
        return { commands, end: pos, stop: '\r\n'.startsWith(crlf) ? 'torn' : 'bad' };
      }
      if (buf[stop] !== 0x0d || buf[stop + 1] !== 0x0a) return { commands, end: pos, stop: 'bad' };
      args.push(buf.subarray(len.next, stop).toString('utf8'));
      at = stop + 2;
    }
    commands.push({ start: pos, end: at, args });
    pos = at;
  }
  return { commands, end: pos, stop: 'end' };
}

function runCheckAof(bin: string, args: string[], input = ''): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    child.stdout!.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
    child.once('error', (err: NodeJS.ErrnoException) => reject(err.code === 'ENOENT' ? new Error(REDIS_CHECK_AOF_HINT) : err));
    child.once('close', (code) => resolve({ code, output }));
    child.stdin!.on('error', () => undefined); // it may exit before reading its answer
    child.stdin!.end(input);
  });
}

/**
 * Redis 7.0 (with `aof-load-truncated yes`) loads a tail torn inside a MULTI...EXEC block wrongly: it cuts only
 * the torn command and keeps the MULTI with the commands before it, and the next EXEC written after the restart
 * applies them (log: "MULTI calls can not be nested"); valkey-io/valkey#4342. So redis-server runs with
 * `aof-load-truncated no`, and this cuts a torn tail back to before its MULTI (redis-check-aof --fix) first.
 * What is cut was never acknowledged: Redis answers a write only once it is in the file.
 * Damage other than a torn tail is left alone, with an error: --fix would cut every write after it.
 * Returns what was cut, or null when the AOF was whole (or there is none yet).
 */
export async function repairTornAof(dir: string, checkAofBin = 'redis-check-aof'): Promise<string | null> {
  const aofDir = join(dir, AOF_DIR_NAME);
  const manifest = join(aofDir, `${AOF_FILE_NAME}.manifest`);
  if (!existsSync(manifest)) return null;
  const check = await runCheckAof(checkAofBin, [manifest]);
  if (check.code === 0) return null;
  const refuse = (why: string) =>
    new Error(`${manifest}: ${why}; redis-server is not started on it. Restore a backup (docs/DEPLOY.md) or repair it by hand.\n${check.output}`);
  const analyzed = [...check.output.matchAll(/AOF analyzed: filename=(\S+), size=(\d+), ok_up_to=(\d+)/g)].pop();
  if (!analyzed || !/is not valid\. Use the --fix option/.test(check.output)) throw refuse('redis-check-aof finds it damaged');
  const [, file, size, okUpTo] = analyzed as unknown as [string, string, string, string];
  const tail = parseAof(readFileSync(join(aofDir, file)).subarray(0, Number(size)), Number(okUpTo));
  let depth = 0;
  for (const { args, start } of tail.commands) {
    const name = args[0]?.toLowerCase();
    if (name === 'multi') depth++;
    if (name === 'exec') depth--;
    if (depth < 0) throw refuse(`an EXEC without a MULTI at offset ${start} of ${file}, not a torn tail`);
    if (depth > 1) throw refuse(`a MULTI inside a MULTI at offset ${start} of ${file} (what Redis 7.0's own cut of a torn tail leaves), not a torn tail`);
  }
  if (tail.stop === 'bad' || (tail.stop === 'end' && depth === 0)) throw refuse(`damaged at offset ${tail.end} of ${file}, not a torn tail`);
  const fix = await runCheckAof(checkAofBin, ['--fix', manifest], 'y\n');
  if (fix.code !== 0 || !/Successfully truncated AOF/.test(fix.output)) throw refuse(`redis-check-aof --fix failed:\n${fix.output}`);
  const names = tail.commands.map((c) => c.args[0]!.toUpperCase());
  const shown = names.length > 12 ? [...names.slice(0, 12), `... (${names.length} in all)`] : names;
  return `cut a torn AOF tail (a write that never completed, so never acknowledged): ${Number(size) - Number(okUpTo)} bytes of ${file} `
    + `from offset ${okUpTo}: ${shown.join(' ') || 'no whole command'}${tail.stop === 'torn' ? ' and a torn command' : ''}`
    + ` (redis-check-aof: ${/This will shrink[^\n]*/.exec(fix.output)?.[0] ?? 'truncated'})`;
}
