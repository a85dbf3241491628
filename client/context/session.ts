/**
 * The app-wide state every view needs, provided with @lit/context: who is logged in on which register,
 * the REST client, and the live connection.
 */
import { createContext } from '@lit/context';
import type { StoreSync } from '../sync/store-sync.js';
import type { HubApi } from '../api/http.js';

export type Role = 'cashier' | 'stock_clerk' | 'supervisor';

export interface AppSession {
  storeId: string;
  token: string;
  staffId: string;
  name: string;
  role: Role;
  terminalId: string | null;
  expiresAt: number;
}

export interface AppServices {
  api: HubApi;
  session: AppSession;
  sync: StoreSync;
}

export const appContext = createContext<AppServices | undefined>(Symbol('serialhub-app'));

/** What the register remembers across reloads (localStorage). */
export interface Pairing {
  storeId: string;
  terminalId: string;
  terminalName: string;
  deviceToken: string;
}

const PAIRING_KEY = 'serialhub.pairing';
const SESSION_KEY = 'serialhub.session';

export const storage = {
  pairing(): Pairing | null {
    return JSON.parse(localStorage.getItem(PAIRING_KEY) ?? 'null') as Pairing | null;
  },
  savePairing(p: Pairing | null) {
    if (p) localStorage.setItem(PAIRING_KEY, JSON.stringify(p));
    else localStorage.removeItem(PAIRING_KEY);
  },
  session(): AppSession | null {
    const s = JSON.parse(localStorage.getItem(SESSION_KEY) ?? 'null') as AppSession | null;
    return s && s.expiresAt > Date.now() ? s : null;
  },
  saveSession(s: AppSession | null) {
    if (s) localStorage.setItem(SESSION_KEY, JSON.stringify(s));
    else localStorage.removeItem(SESSION_KEY);
  },
};
