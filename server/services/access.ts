/** Stores, staff, sessions and registers: login with PIN, pairing with one-time codes, revocation. */
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { Role } from '../../protocol/schemas.js';
import type { Caller, Deps } from '../deps.js';
import { dataNodes } from '../redis/cluster.js';
import { HubError } from '../store/errors.js';
import { GLOBAL_STORES_KEY, LOGIN_LIMIT_PREFIX, storeKeys } from '../store/keys.js';
import type { SessionRecord, StaffRecord, TerminalRecord } from '../store/scripts.js';
import { DUMMY_PIN_HASH, hashPin, hashToken, newPairingCode, newToken, sessionIdOf, storeOfToken, verifyPin } from './secrets.js';

const LOGIN_WINDOW_S = 15 * 60;
const PAIRING_CODE_TTL_S = 10 * 60;
/** Per address, allow this many times the per-staff budget (a shop shares one address). */
const ADDRESS_ATTEMPTS_FACTOR = 4;

export type PublicStaff = Omit<StaffRecord, 'pinHash'>;

function publicStaff({ pinHash: _, ...rest }: StaffRecord): PublicStaff {
  return rest;
}

export class AccessService {
  private readonly byStaff: RateLimiterRedis;
  private readonly byAddress: RateLimiterRedis;

  constructor(private readonly deps: Deps) {
    const attempts = deps.config.LOGIN_ATTEMPTS;
    this.byStaff = new RateLimiterRedis({
      storeClient: deps.redis, keyPrefix: `${LOGIN_LIMIT_PREFIX}:staff`, points: attempts, duration: LOGIN_WINDOW_S,
    });
    this.byAddress = new RateLimiterRedis({
      storeClient: deps.redis, keyPrefix: `${LOGIN_LIMIT_PREFIX}:addr`, points: attempts * ADDRESS_ATTEMPTS_FACTOR,
      duration: LOGIN_WINDOW_S,
    });
  }

  async listStores(): Promise<string[]> {
    return this.deps.redis.hkeys(GLOBAL_STORES_KEY);
  }

  /**
   * The stores whose meta key is on a master that answers, found by SCAN: for a hub that starts while the
   * registry's master is down (the registry is one key, on one master). Masters that fail are skipped.
   */
  async discoverStores(): Promise<string[]> {
    const meta = /^sh:\{s:([a-z0-9-]{1,32})\}:meta$/;
    const found = await Promise.all(dataNodes(this.deps.redis).map(async (node) => {
      const ids: string[] = [];
      try {
        for await (const keys of node.scanStream({ match: storeKeys('*').meta, count: 1000 }) as AsyncIterable<string[]>) {
          for (const key of keys) {
            const id = meta.exec(key)?.[1];
            if (id) ids.push(id);
          }
        }
      } catch {
        // that master is down: its stores cannot be swept anyway
      }
      return ids;
    }));
    return found.flat();
  }

  async createStore(input: { storeId: string; name: string; supervisor: { code: string; name: string; pin: string } }) {
    const { storeId, name, supervisor } = input;
    // The registry spans stores (another slot, so not in the store's script). It is written first: a store
    // listed but never created only costs the sweeper an empty look; a store created but not listed would
    // never have its holds swept.
    await this.deps.redis.hsetnx(GLOBAL_STORES_KEY, storeId, name);
    await this.deps.scripts.createStore(storeId, name, {
      code: supervisor.code, name: supervisor.name, role: 'supervisor', pinHash: await hashPin(supervisor.pin), active: true,
    });
    return { storeId, name };
  }

  /**
   * Spends one attempt from each budget before a PIN or code is checked, so guesses sent in parallel cannot
   * slip past the count; a good attempt gives its points back.
   */
  private async spendAttempt(budgets: [RateLimiterRedis, string][], what: string) {
    const results = await Promise.allSettled(budgets.map(([limiter, key]) => limiter.consume(key)));
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => r.reason as unknown);
    if (refused.length === 0) return;
    const waits = refused.filter((r): r is RateLimiterRes => r instanceof RateLimiterRes);
    if (waits.length < refused.length) throw refused.find((r) => !(r instanceof RateLimiterRes)); // Redis itself failed
    throw new HubError('TOO_MANY_ATTEMPTS', `too many wrong ${what}: wait and try again`, {
      retryAfterMs: Math.max(...waits.map((r) => r.msBeforeNext)),
    });
  }

  /** Staff log in with their code and PIN; on a paired register the device token binds the session to it. */
  async login(input: { storeId: string; staffCode: string; pin: string; deviceToken?: string; address: string }) {
    const { storeId, staffCode, pin, address } = input;
    const limitKey = `${storeId}:${staffCode}`;
    await this.spendAttempt([[this.byStaff, limitKey], [this.byAddress, address]], 'PINs');
    const terminalId = input.deviceToken ? await this.terminalOfDevice(input.deviceToken, storeId) : null;
    const raw = await this.deps.redis.hget(storeKeys(storeId).staff, staffCode);
    const staff = raw ? (JSON.parse(raw) as StaffRecord) : null;
    const good = await verifyPin(pin, staff?.pinHash ?? DUMMY_PIN_HASH);
    if (!staff || !good || !staff.active) throw new HubError('INVALID_CREDENTIALS', 'wrong staff code or PIN');
    await Promise.all([this.byStaff.delete(limitKey), this.byAddress.reward(address, 1)]);
    const token = newToken(storeId);
    const hash = hashToken(token);
    const now = Date.now();
    const ttl = this.deps.config.SESSION_TTL_S;
    const session: SessionRecord = {
      id: sessionIdOf(hash), storeId, staffId: staff.code, name: staff.name, role: staff.role, terminalId,
      createdAt: now, expiresAt: now + ttl * 1000,
    };
    await this.deps.scripts.createSession(storeId, hash, session, ttl);
    return { token, session };
  }

  /** The caller of a bearer token, or UNAUTHENTICATED (bad, expired or revoked). */
  async authenticate(token: string | undefined): Promise<Caller> {
    const storeId = token ? storeOfToken(token) : null;
    if (!token || !storeId) throw new HubError('UNAUTHENTICATED', 'log in first (Authorization: Bearer <session token>)');
    const hash = hashToken(token);
    const raw = await this.deps.redis.get(storeKeys(storeId).session(hash));
    if (!raw) throw new HubError('UNAUTHENTICATED', 'the session has ended: log in again');
    const session = JSON.parse(raw) as SessionRecord;
    return { storeId, session, sessionHash: hash, staffId: session.staffId, terminalId: session.terminalId };
  }

  async logout(caller: Caller) {
    await this.deps.scripts.revokeSession(caller.storeId, 'session', caller.sessionHash);
  }

  async terminalOfDevice(deviceToken: string, storeId?: string): Promise<string> {
    const tokenStore = storeOfToken(deviceToken);
    if (!tokenStore || (storeId && tokenStore !== storeId)) {
      throw new HubError('DEVICE_TOKEN_INVALID', 'this register is not paired with this store');
    }
    const tid = await this.deps.redis.hget(storeKeys(tokenStore).terminalTokens, hashToken(deviceToken));
    if (!tid) throw new HubError('DEVICE_TOKEN_INVALID', 'this register is not paired (or was unpaired): pair it again');
    return tid;
  }

  async createPairingCode(caller: Caller, terminalName: string) {
    for (;;) {
      const code = newPairingCode();
      const set = await this.deps.redis.set(
        storeKeys(caller.storeId).pairing(code), JSON.stringify({ terminalName, by: caller.staffId }),
        'EX', PAIRING_CODE_TTL_S, 'NX',
      );
      if (set === 'OK') return { code, terminalName, expiresAt: Date.now() + PAIRING_CODE_TTL_S * 1000 };
    }
  }

  /** Pairs a register. Wrong codes are throttled per address like wrong PINs (a code is only 8 digits). */
  async pair(storeId: string, code: string, address: string) {
    const key = `pair:${address}`;
    await this.spendAttempt([[this.byAddress, key]], 'pairing codes');
    const deviceToken = newToken(storeId);
    const terminal = await this.deps.scripts.pairTerminal(storeId, code, hashToken(deviceToken));
    await this.byAddress.reward(key, 1);
    return { terminal, deviceToken };
  }


  async listTerminals(storeId: string): Promise<TerminalRecord[]> {
    const all = await this.deps.redis.hvals(storeKeys(storeId).terminals);
    return all
      .map((raw) => {
        const { tokenHash: _t, sessionHash: _s, ...t } = JSON.parse(raw) as TerminalRecord & { tokenHash?: string; sessionHash?: string };
        return t;
      })
      .sort((a, b) => Number(a.id.slice(1)) - Number(b.id.slice(1)));
  }

  async revokeTerminal(caller: Caller, terminalId: string) {
    return (await this.deps.scripts.revokeTerminal(caller.storeId, terminalId, caller.staffId)).terminal;
  }

  async listStaff(storeId: string): Promise<PublicStaff[]> {
    const all = await this.deps.redis.hvals(storeKeys(storeId).staff);
    return all.map((raw) => publicStaff(JSON.parse(raw) as StaffRecord)).sort((a, b) => a.code.localeCompare(b.code));
  }

  async createStaff(caller: Caller, input: { code: string; name: string; role: Role; pin: string }) {
    const { staff } = await this.deps.scripts.saveStaff(caller.storeId, 'create', {
      code: input.code, name: input.name, role: input.role, pinHash: await hashPin(input.pin), active: true,
    });
    return staff;
  }

  async updateStaff(caller: Caller, code: string, change: { name?: string; role?: Role; pin?: string; active?: boolean }) {
    const { pin, ...rest } = change;
    const { staff, sessionsRevoked } = await this.deps.scripts.saveStaff(caller.storeId, 'update', {
      code, ...rest, ...(pin ? { pinHash: await hashPin(pin) } : {}),
    });
    return { staff, sessionsRevoked };
  }

  async revokeStaffSessions(caller: Caller, code: string) {
    const { revoked } = await this.deps.scripts.revokeSession(caller.storeId, 'staff', code);
    return { revoked };
  }
}
