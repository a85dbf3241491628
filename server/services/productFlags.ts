/** The serial rules of several products in one round trip, to normalise serials before a script runs. */
import type { Redis } from 'ioredis';
import { normalizeSerial } from '../../protocol/serials.js';
import type { SerialMode } from '../../protocol/schemas.js';
import { HubError } from '../store/errors.js';
import { storeKeys } from '../store/keys.js';

export interface SerialRules {
  serialMode: SerialMode;
  caseSensitive: boolean;
}

export async function serialRules(redis: Redis, storeId: string, ids: number[]): Promise<Map<number, SerialRules>> {
  const unique = [...new Set(ids)];
  const k = storeKeys(storeId);
  const pipe = redis.pipeline();
  for (const id of unique) pipe.hmget(k.product(id), 'serialMode', 'serialCaseSensitive');
  const res = (await pipe.exec()) ?? [];
  const out = new Map<number, SerialRules>();
  unique.forEach((id, i) => {
    const [err, v] = res[i]!;
    if (err) throw err;
    const [mode, cs] = v as (string | null)[];
    if (mode) out.set(id, { serialMode: mode as SerialMode, caseSensitive: cs === '1' });
  });
  return out;
}

/** Normalises a serial by its product's rule, or throws VALIDATION_FAILED naming where it stood. */
export function cleanSerial(raw: string, rules: SerialRules | undefined, where: Record<string, unknown>): string {
  const s = normalizeSerial(raw, rules?.caseSensitive ?? false);
  if (s === null) {
    throw new HubError('VALIDATION_FAILED', `"${raw.slice(0, 80)}" is not a valid serial (1-64 printable characters, no spaces)`, {
      ...where, serial: raw.slice(0, 80), reason: 'invalid_serial',
    });
  }
  return s;
}

/** A serial normalised by its product's rule; PRODUCT_NOT_FOUND or VALIDATION_FAILED otherwise. */
export async function serialForProduct(redis: Redis, storeId: string, productId: number, raw: string): Promise<string> {
  const rules = (await serialRules(redis, storeId, [productId])).get(productId);
  if (!rules) throw new HubError('PRODUCT_NOT_FOUND', `no product ${productId}`);
  return cleanSerial(raw, rules, {});
}
