/**
 * The register's live connection: connects with its session and protocol version, keeps the store state in
 * sequence order, and after every (re)connect asks the hub for what it missed (a replay, or a snapshot when
 * it is too far behind). Out-of-order events wait for the gap to fill; a gap that stays open triggers a
 * resync. Correctness comes from sequence numbers, not from Socket.IO's connection-state recovery.
 * Framework-free: the web app, the tests and the chaos registers use it alike.
 */
import { io, type Socket } from 'socket.io-client';
import type { StoreEvent } from '../../protocol/events.js';
import { RETRYABLE_CONNECT_ERRORS, type ClientToServerEvents, type ServerToClientEvents, type SyncReply } from '../../protocol/socket.js';
import { PROTOCOL_VERSION } from '../../protocol/version.js';
import { applyEvent, emptyState, stateFromSnapshot, type StoreState } from './store-state.js';

/** A gap in the event sequence this old triggers a resync. */
const GAP_WAIT_MS = 300;
/** After the hub answered UNAVAILABLE to the handshake, wait this long before trying again. */
const RETRY_AFTER_UNAVAILABLE_MS = 1_000;
/** While idle, check with the hub this often that no event was missed (an event is lost if a hub dies
 * between its write and its broadcast; the next sync replays it). */
const IDLE_SYNC_MS = 15_000;
/** A refused resync is tried again after this long (or the hub's retryAfterMs). */
const RESYNC_RETRY_MS = 1_000;
/** After the hub closed the socket, wait this long before connecting again. */
const SERVER_DISCONNECT_RETRY_MS = 200;
/** A request without an ack in this time fails with TIMEOUT (the outcome is then unknown). */
const REQUEST_TIMEOUT_MS = 10_000;
/** Reconnecting this long without success counts as offline. */
const OFFLINE_AFTER_MS = 5_000;
/** So do this many failed connection attempts in a row. */
const OFFLINE_AFTER_ATTEMPTS = 3;

/**
 * online: connected; reconnecting: lost, trying again (briefly); offline: the device has no network
 * (navigator.onLine) or the hub stayed out of reach for OFFLINE_AFTER_MS / OFFLINE_AFTER_ATTEMPTS (still
 * trying); refused: the hub said no for good (see `refusal`).
 */
export type SyncStatus = 'connecting' | 'online' | 'reconnecting' | 'offline' | 'refused';

/**
 * What a listener is told: a live event; an event the hub replayed in a resync (missed while away; not sent
 * for the very first sync, which views load around themselves); a finished resync (see `lastResync`); a
 * status change.
 */
export type SyncNotice = 'event' | 'replayed' | 'resync' | 'status';

/** How the last resync went: a replay of missed events or a full snapshot, and whether it followed a reconnection. */
export interface ResyncInfo {
  mode: 'replay' | 'snapshot';
  /** Events replayed (0 for a snapshot). */
  events: number;
  /** The first resync after the connection came back (not the first connection, not an idle check). */
  reconnected: boolean;
}

export class RequestError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

type Events = ClientToServerEvents;
type Payload<E extends keyof Events> = Parameters<Events[E]>[0];
type AckOf<E extends keyof Events> = Parameters<Parameters<Events[E]>[1]>[0];
type Ok<E extends keyof Events> = Extract<AckOf<E>, { ok: true }>;

export interface StoreSyncOptions {
  /** The hub's URL. */
  url: string;
  /** Staff session token. */
  token: string;
  /** The register's device token: the hub then refuses a session that was not opened on this register. */
  deviceToken?: string;
  /** Sent in the handshake. @default PROTOCOL_VERSION */
  protocolVersion?: number;
  /** Socket.IO transports. @default ['websocket'] (no sticky sessions needed behind a load balancer) */
  transports?: string[];
  /** Extra socket.io-client options (tests turn reconnection delays down). */
  socketOptions?: Record<string, unknown>;
}

export class StoreSync {
  readonly socket: Socket<ServerToClientEvents, ClientToServerEvents>;
  state: StoreState = emptyState();
  status: SyncStatus = 'connecting';
  /** Set when the hub refused the connection (code from connect_error data). */
  refusal: { code: string; message: string } | null = null;
  /** Resyncs done, by mode (the tests read these). */
  readonly resyncs = { replay: 0, snapshot: 0 };
  /** The last successful resync, for listeners of 'resync'. */
  lastResync: ResyncInfo | null = null;
  private pending = new Map<number, StoreEvent>();
  private gapTimer: ReturnType<typeof setTimeout> | null = null;
  private syncing: Promise<void> | null = null;
  private synced = false;
  private lastEventAt = Date.now();
  private readonly idleTimer: ReturnType<typeof setInterval>;
  private readonly listeners = new Set<(why: SyncNotice, ev?: StoreEvent) => void>();
  private connects = 0;
  private reconnectPending = false;
  /** Since when the connection is lost (null while connected), and the attempts that failed since. */
  private lostSince: number | null = null;
  private failedAttempts = 0;
  private offlineTimer: ReturnType<typeof setTimeout> | null = null;
  private lostTooLong = false;
  /** The window's online/offline events, where there is a window (not in Node). */
  private readonly handleNetworkChange = () => {
    if (globalThis.navigator?.onLine !== false && !this.socket.connected && this.lostSince !== null) {
      // The network is back: try at once rather than at the end of Socket.IO's backoff (up to its
      // reconnectionDelayMax), and count the time to reconnect afresh.
      this.lostSince = null;
      this.failedAttempts = 0;
      this.clearOfflineTimer();
      this.connectionLost();
      if (this.status !== 'refused') this.socket.disconnect().connect();
    } else {
      this.updateLostStatus();
    }
  };

  constructor(opts: StoreSyncOptions) {
    this.socket = io(opts.url, {
      auth: {
        token: opts.token, protocolVersion: opts.protocolVersion ?? PROTOCOL_VERSION,
        ...(opts.deviceToken ? { deviceToken: opts.deviceToken } : {}),
      },
      transports: opts.transports ?? ['websocket'],
      ...opts.socketOptions,
    });
    this.socket.on('connect', () => {
      this.connects++;
      this.reconnectPending = this.connects > 1;
      this.lostSince = null;
      this.failedAttempts = 0;
      this.clearOfflineTimer();
      this.setStatus('online');
      void this.resync();
    });
    this.socket.on('disconnect', (reason) => {
      this.synced = false;
      if (reason === 'io client disconnect') {
        this.clearOfflineTimer();
        this.setStatus('offline');
        return;
      }
      this.connectionLost();
      // Socket.IO does not reconnect after the hub closed the socket (a hub shutting down, or a session
      // ended): try once more, and the handshake says which it was.
      if (reason === 'io server disconnect') setTimeout(() => this.socket.connect(), SERVER_DISCONNECT_RETRY_MS);
    });
    this.socket.on('connect_error', (err: Error & { data?: { code?: string; message?: string } }) => {
      if (err.data?.code && !RETRYABLE_CONNECT_ERRORS.includes(err.data.code)) {
        this.clearOfflineTimer();
        this.refusal = { code: err.data.code, message: err.data.message ?? err.message };
        this.setStatus('refused');
        return;
      }
      this.failedAttempts++;
      this.connectionLost();
      // refused by the hub's middleware for now, so Socket.IO will not retry by itself
      if (err.data?.code) setTimeout(() => this.socket.connect(), RETRY_AFTER_UNAVAILABLE_MS);
    });
    globalThis.addEventListener?.('online', this.handleNetworkChange);
    globalThis.addEventListener?.('offline', this.handleNetworkChange);
    this.socket.on('events', (evs) => this.receive(evs));
    this.idleTimer = setInterval(() => {
      if (this.synced && Date.now() - this.lastEventAt > IDLE_SYNC_MS) void this.resync();
    }, IDLE_SYNC_MS);
  }

  /** Calls `fn` on every state change. Returns an unsubscribe function. */
  subscribe(fn: (why: SyncNotice, ev?: StoreEvent) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private notify(why: SyncNotice, ev?: StoreEvent) {
    for (const fn of this.listeners) fn(why, ev);
  }

  private setStatus(s: SyncStatus) {
    if (s === this.status) return;
    this.status = s;
    this.notify('status');
  }

  /** Not connected (lost, or a failed attempt): reconnecting at first, offline once it lasts. */
  private connectionLost() {
    if (this.status === 'refused') return;
    if (this.lostSince === null) {
      this.lostSince = Date.now();
      this.offlineTimer = setTimeout(() => {
        this.offlineTimer = null;
        this.lostTooLong = true;
        this.updateLostStatus();
      }, OFFLINE_AFTER_MS);
    }
    this.updateLostStatus();
  }

  /** The status from the device's network state, and while not connected, how long it has been failing. */
  private updateLostStatus() {
    if (this.status === 'refused') return;
    const deviceOffline = globalThis.navigator?.onLine === false;
    if (this.socket.connected) {
      // the socket may not have noticed yet that the network is gone
      this.setStatus(deviceOffline ? 'offline' : 'online');
      return;
    }
    if (this.lostSince === null) {
      if (deviceOffline) this.setStatus('offline');
      return;
    }
    const failing = this.failedAttempts >= OFFLINE_AFTER_ATTEMPTS || this.lostTooLong;
    this.setStatus(deviceOffline || failing ? 'offline' : 'reconnecting');
  }

  private clearOfflineTimer() {
    if (this.offlineTimer) clearTimeout(this.offlineTimer);
    this.offlineTimer = null;
    this.lostTooLong = false;
  }

  /** Resolves once the state is caught up with the hub after the current connection. */
  async ready(timeoutMs = REQUEST_TIMEOUT_MS): Promise<void> {
    const started = Date.now();
    while (!this.synced) {
      if (this.status === 'refused') throw new RequestError(this.refusal!.code, this.refusal!.message);
      if (Date.now() - started > timeoutMs) throw new RequestError('TIMEOUT', 'not synced in time');
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  private receive(evs: StoreEvent[]) {
    this.lastEventAt = Date.now();
    for (const ev of evs) if (ev.seq > this.state.seq) this.pending.set(ev.seq, ev);
    if (!this.synced || this.pending.size === 0) return; // applied after the resync reply
    this.drain();
  }

  private drain() {
    for (let next = this.pending.get(this.state.seq + 1); next; next = this.pending.get(this.state.seq + 1)) {
      this.pending.delete(next.seq);
      applyEvent(this.state, next);
      this.notify('event', next);
    }
    for (const seq of this.pending.keys()) if (seq <= this.state.seq) this.pending.delete(seq);
    if (this.pending.size > 0 && !this.gapTimer) {
      this.gapTimer = setTimeout(() => {
        this.gapTimer = null;
        if (this.pending.size > 0) void this.resync();
      }, GAP_WAIT_MS);
    }
  }

  /** Asks the hub for everything after the last applied sequence; one resync at a time. */
  resync(): Promise<void> {
    this.syncing ??= (async () => {
      try {
        const reply = (await this.request('sync', { lastSeq: this.state.seq })) as SyncReply;
        this.applySync(reply);
        this.lastResync = { mode: reply.mode, events: reply.mode === 'replay' ? reply.events.length : 0, reconnected: this.reconnectPending };
        this.reconnectPending = false;
        this.synced = true;
        this.drain();
        this.notify('resync');
      } catch (err) {
        // Disconnected: the next connect resyncs. Refused for now (a snapshot was just sent): try again soon.
        const wait = (err instanceof RequestError && (err.details as { retryAfterMs?: number } | undefined)?.retryAfterMs) || RESYNC_RETRY_MS;
        if (this.socket.connected) setTimeout(() => void this.resync(), wait);
      } finally {
        this.syncing = null;
      }
    })();
    return this.syncing;
  }

  private applySync(reply: SyncReply) {
    if (reply.mode === 'snapshot') {
      this.state = stateFromSnapshot(reply.snapshot);
      this.resyncs.snapshot++;
    } else {
      // Missed events go to listeners one by one, like live ones, so views that fold events into figures
      // of their own (the dashboard's sales today) miss nothing. Not for the first sync: views load after it.
      const missed = this.state.seq > 0;
      for (const ev of reply.events) if (applyEvent(this.state, ev) && missed) this.notify('replayed', ev);
      this.resyncs.replay++;
    }
  }

  /** Sends a request and resolves with its ok ack, or rejects with RequestError(code). */
  request<E extends keyof Events>(event: E, payload: Payload<E>, timeoutMs = REQUEST_TIMEOUT_MS): Promise<Ok<E>> {
    return new Promise((resolve, reject) => {
      type Ack = { ok: boolean; code?: string; message?: string; details?: unknown };
      const timed = this.socket.timeout(timeoutMs) as unknown as {
        emit: (e: string, p: unknown, cb: (err: Error | null, ack: Ack) => void) => void;
      };
      timed.emit(event, payload, (err, ack) => {
        if (err) return reject(new RequestError('TIMEOUT', `${event}: no answer in ${timeoutMs} ms`));
        if (ack.ok) resolve(ack as Ok<E>);
        else reject(new RequestError(ack.code ?? 'INTERNAL', ack.message ?? 'failed', ack.details));
      });
    });
  }

  close() {
    if (this.gapTimer) clearTimeout(this.gapTimer);
    clearInterval(this.idleTimer);
    this.clearOfflineTimer();
    globalThis.removeEventListener?.('online', this.handleNetworkChange);
    globalThis.removeEventListener?.('offline', this.handleNetworkChange);
    this.socket.disconnect();
  }
}
