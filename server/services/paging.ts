/** Cursors of paged lists: an id (lists by id) or an offset (lists by time), always plain digits. */
import { HubError } from '../store/errors.js';

/** Parses a cursor handed out by a list; anything else is VALIDATION_FAILED, never a Redis error. */
export function numericCursor(cursor: string | undefined): number {
  if (!cursor) return 0;
  if (!/^\d{1,15}$/.test(cursor)) throw new HubError('VALIDATION_FAILED', 'invalid cursor', { cursor: cursor.slice(0, 40) });
  return Number(cursor);
}

/** One page of ascending ids after the cursor id. */
export function pageOfIds(ids: number[], cursor: string | undefined, limit: number) {
  const after = numericCursor(cursor);
  const rest = ids.filter((id) => id > after);
  const items = rest.slice(0, limit);
  return { ids: items, nextCursor: rest.length > limit ? String(items[items.length - 1]) : null };
}
