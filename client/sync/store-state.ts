/**
 * A register's picture of its store, kept from a snapshot plus the store events after it. Pure: the same
 * snapshot and events give the same state on every register (the tests compare it with the hub's).
 */
import type { StoreEvent } from '../../protocol/events.js';
import type { Hold, Product } from '../../protocol/schemas.js';
import type { OpenSale, Presence, Snapshot } from '../../protocol/socket.js';

export interface StoreState {
  seq: number;
  products: Map<number, Product>;
  /** Live holds by "<productId>:<serial>". */
  holds: Map<string, Hold>;
  terminals: Map<string, Presence>;
  /** Open sales by terminal id. */
  openSales: Map<string, OpenSale>;
}

export const holdKey = (productId: number, serial: string) => `${productId}:${serial}`;

export function emptyState(): StoreState {
  return { seq: 0, products: new Map(), holds: new Map(), terminals: new Map(), openSales: new Map() };
}

export function stateFromSnapshot(s: Snapshot): StoreState {
  return {
    seq: s.seq,
    products: new Map(s.products.map((p) => [p.id, p])),
    holds: new Map(s.holds.map((h) => [holdKey(h.productId, h.serial), h])),
    terminals: new Map(s.terminals.map((t) => [t.terminalId, t])),
    openSales: new Map(s.openSales.map((o) => [o.terminalId, o])),
  };
}

type StockFigure = { productId: number; stock: number; held: number };

function applyStock(state: StoreState, figures: unknown) {
  for (const f of (Array.isArray(figures) ? figures : []) as StockFigure[]) {
    const p = state.products.get(f.productId);
    if (p) state.products.set(f.productId, { ...p, stock: f.stock, held: f.held });
  }
}

/** Applies one event, in place. Events at or below the state's seq are ignored (already applied). */
export function applyEvent(state: StoreState, ev: StoreEvent): boolean {
  if (ev.seq <= state.seq) return false;
  const d = ev.data as Record<string, any>;
  switch (ev.type) {
    case 'product_created':
    case 'product_updated':
      state.products.set(d.product.id, d.product as Product);
      break;
    case 'stock_received':
    case 'return_completed':
      applyStock(state, d.stock);
      break;
    case 'hold_created': {
      const h = d.hold as Hold;
      state.holds.set(holdKey(h.productId, h.serial), h);
      applyStock(state, [{ productId: h.productId, stock: d.stock, held: d.held }]);
      break;
    }
    case 'holds_renewed': {
      const terminals = new Set<string>(d.terminalIds as string[]);
      for (const [k, h] of state.holds) {
        if (terminals.has(h.terminalId) && (!d.saleId || h.saleId === d.saleId)) state.holds.set(k, { ...h, expiresAt: d.expiresAt });
      }
      break;
    }
    case 'hold_released':
      state.holds.delete(holdKey(d.productId, d.serial));
      applyStock(state, [{ productId: d.productId, stock: d.stock, held: d.held }]);
      break;
    case 'sale_completed':
      for (const line of d.lines as { productId: number; serials: string[] }[]) {
        for (const s of line.serials) state.holds.delete(holdKey(line.productId, s));
      }
      applyStock(state, d.stock);
      break;
    case 'open_sale_changed':
      if (d.sale) state.openSales.set(d.terminalId, d.sale as OpenSale);
      else state.openSales.delete(d.terminalId);
      break;
    case 'presence_changed': {
      const p = d.presence as Presence & { hub?: string };
      const old = state.terminals.get(p.terminalId);
      state.terminals.set(p.terminalId, {
        terminalId: p.terminalId, name: old?.name ?? p.terminalId, online: p.online, staffId: p.staffId ?? null,
        since: p.since, lastSeen: p.lastSeen,
      });
      break;
    }
    case 'terminal_paired':
      state.terminals.set(d.terminal.id, {
        terminalId: d.terminal.id, name: d.terminal.name, online: false, staffId: null, since: d.terminal.pairedAt, lastSeen: 0,
      });
      break;
    case 'terminal_revoked':
      state.terminals.delete(d.terminalId);
      break;
    case 'staff_logged_in':
    case 'staff_logged_out': {
      const t = state.terminals.get(d.terminalId);
      if (t) state.terminals.set(d.terminalId, { ...t, staffId: ev.type === 'staff_logged_in' ? d.staffId : null });
      break;
    }
    default:
      break;
  }
  state.seq = ev.seq;
  return true;
}
