/**
 * What a supervisor should hear about: writes refused for serial conflicts (at receiving or at the sale), and
 * solicit serials sold again (kept by the completeSale script with the sale, sent live from here).
 */
import type { Caller, Deps } from '../deps.js';
import type { Alert } from '../../protocol/socket.js';
import { HubError } from '../store/errors.js';
import { storeKeys } from '../store/keys.js';

/** Alerts kept per store, so a supervisor who opens the dashboard later still sees them. */
export const ALERTS_KEPT = 100;

const CONFLICT_REASONS = new Set(['in_stock', 'held', 'sold', 'duplicate']);

function conflictMessage(err: HubError, what: 'receipt' | 'sale'): string | null {
  if (what === 'sale' && err.code === 'HOLD_LOST') return `A sale was refused: ${err.message}`;
  if (what === 'receipt' && err.code === 'RECEIPT_REJECTED') {
    const rejections = ((err.details as { rejections?: { reason: string }[] })?.rejections ?? []).filter((r) => CONFLICT_REASONS.has(r.reason));
    if (rejections.length > 0) return `A receipt was refused: ${rejections.length} serial conflict(s) (${[...new Set(rejections.map((r) => r.reason))].join(', ')})`;
  }
  return null;
}

/**
 * Completes a sale with the completeSale script (REST and live alike). A refusal for a serial conflict alerts
 * the supervisors (alertOnSerialConflict); a sale that sold a solicit serial again alerts them too: the script
 * stored those alerts with the sale, and they are sent live here.
 */
export async function completeSaleWithAlerts(deps: Deps, caller: Caller, sale: Parameters<Deps['scripts']['completeSale']>[1]) {
  const { alerts, ...done } = await alertOnSerialConflict(deps, caller, 'sale', () =>
    deps.scripts.completeSale(caller.storeId, { ...sale, alertsKept: ALERTS_KEPT }));
  for (const alert of alerts) deps.alert?.(caller.storeId, alert);
  return done;
}

/** Runs a receipt or sale; if it is refused for a serial conflict, the store's supervisors are told. */
export async function alertOnSerialConflict<T>(deps: Deps, caller: Caller, what: 'receipt' | 'sale', run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    const message = err instanceof HubError ? conflictMessage(err, what) : null;
    if (message && err instanceof HubError) {
      const alert: Alert = {
        kind: 'serial_conflict', message, at: Date.now(), terminalId: caller.terminalId, staffId: caller.staffId, details: err.details,
      };
      deps.alert?.(caller.storeId, alert);
      const key = storeKeys(caller.storeId).alerts;
      // Kept for the dashboard's first load; losing one (Redis down) must not change the refusal the caller gets.
      await deps.redis.multi().lpush(key, JSON.stringify(alert)).ltrim(key, 0, ALERTS_KEPT - 1).exec()
        .catch((e: Error) => deps.log.warn({ err: e.message, storeId: caller.storeId }, 'alert not stored'));
    }
    throw err;
  }
}
