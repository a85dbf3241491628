/** PIN hashing (Node's scrypt) and random tokens. Tokens are stored only as their SHA-256. */
import { createHash, randomBytes, randomInt, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

const SCRYPT = { N: 16384, r: 8, p: 1, keylen: 32 };

function scryptAsync(pin: string, salt: Buffer, opts: ScryptOptions, keylen: number): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(pin, salt, keylen, { ...opts, maxmem: 64 * 1024 * 1024 }, (err, key) => (err ? reject(err) : resolve(key))),
  );
}

export async function hashPin(pin: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scryptAsync(pin, salt, { N: SCRYPT.N, r: SCRYPT.r, p: SCRYPT.p }, SCRYPT.keylen);
  return `scrypt$${SCRYPT.N}$${SCRYPT.r}$${SCRYPT.p}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

export async function verifyPin(pin: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64url');
  const key = await scryptAsync(pin, Buffer.from(salt, 'base64url'), { N: Number(n), r: Number(r), p: Number(p) }, expected.length);
  return timingSafeEqual(key, expected);
}

/** A hash to spend the same time on when the staff member does not exist (no timing oracle). */
export const DUMMY_PIN_HASH = await hashPin('000000');

/** Tokens carry their store so the hub finds the store's keys: "<storeId>.<43 random chars>". */
export function newToken(storeId: string): string {
  return `${storeId}.${randomBytes(32).toString('base64url')}`;
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

const TOKEN_PATTERN = /^([a-z0-9][a-z0-9-]{0,31})\.[A-Za-z0-9_-]{43}$/;
export function storeOfToken(token: string): string | null {
  return TOKEN_PATTERN.exec(token)?.[1] ?? null;
}

export function newPairingCode(): string {
  return String(randomInt(0, 100_000_000)).padStart(8, '0');
}

/** The public id of a session: the start of its token's hash (names its socket room, shown to supervisors). */
export function sessionIdOf(tokenHash: string): string {
  return tokenHash.slice(0, 16);
}
