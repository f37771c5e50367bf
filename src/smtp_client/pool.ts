/**
 * Connection reuse: open clients kept per next hop, handed to the next
 * message for the same hop, closed after `idleMs` without work. At most
 * `maxPerKey` connections per hop and `maxTotal` overall; callers beyond
 * that wait their turn (FIFO) instead of opening more.
 */
import type { SmtpClient } from "./client.ts";

/** How much longer than the pool's idle time a parked connection's own idle timer runs. */
const PARKED_MARGIN_MS = 60_000;

interface Waiter {
  key: string;
  resolve: (client: SmtpClient | null) => void;
}

/** A lease: the client and whether it carried mail before. */
export interface Lease {
  client: SmtpClient;
  isReused: boolean;
}

/** Limits of a pool. */
export interface PoolOptions {
  maxPerKey?: number;
  maxTotal?: number;
  idleMs?: number;
}

/** Clients by next-hop key. */
export class ClientPool {
  readonly #maxPerKey: number;
  readonly #maxTotal: number;
  readonly #idleMs: number;
  readonly #counts = new Map<string, number>();
  readonly #idle = new Map<
    string,
    { client: SmtpClient; timer: ReturnType<typeof setTimeout> }[]
  >();
  readonly #waiters: Waiter[] = [];
  #total = 0;
  /** Connections opened over the pool's life (for logs and benchmarks). */
  opened = 0;

  constructor(options: PoolOptions = {}) {
    this.#maxPerKey = options.maxPerKey ?? 3;
    this.#maxTotal = options.maxTotal ?? 50;
    this.#idleMs = options.idleMs ?? 5_000;
  }

  /** How many hops the pool keeps books for (connections open or idle); for tests. */
  get hopCount(): number {
    return new Set([...this.#counts.keys(), ...this.#idle.keys()]).size;
  }

  /** An idle client for `key`, or a new one from `open` when the limits allow; else waits. */
  async acquire(key: string, open: () => Promise<SmtpClient>): Promise<Lease> {
    let client = this.#takeIdle(key);
    if (client) return { client, isReused: true };
    if (!this.#reserve(key)) {
      client = await new Promise<SmtpClient | null>((resolve) =>
        this.#waiters.push({ key, resolve })
      );
      if (client) return { client, isReused: true };
      // null: a slot was reserved for us.
    }
    try {
      const opened = await open();
      this.opened++;
      return { client: opened, isReused: false };
    } catch (error) {
      this.#forget(key);
      throw error;
    }
  }

  /** Gives a client back: kept for reuse if still usable (after RSET), else closed. */
  async release(key: string, client: SmtpClient): Promise<void> {
    // Input already waiting (a 421 before a hang-up) would be read as the reply to the
    // next command: the connection is closed here, not handed on (as #takeIdle does).
    if (client.isUsable && await client.reset() && !client.connection.hasBufferedInput()) {
      const waiter = this.#waiters.findIndex((w) => w.key === key);
      if (waiter >= 0) return this.#waiters.splice(waiter, 1)[0]!.resolve(client);
      // Waiting here is not the server being silent: the last reply wait's timeout must not
      // fire meanwhile (a timed-out connection fails its next read). The pool closes it.
      client.connection.setIdleTimeout(this.#idleMs + PARKED_MARGIN_MS);
      const timer = setTimeout(() => this.#expire(key, client), this.#idleMs);
      const list = this.#idle.get(key) ?? [];
      list.push({ client, timer });
      this.#idle.set(key, list);
      this.#pump();
      return;
    }
    client.abort();
    this.#forget(key);
  }

  /**
   * Closes the idle clients of `key`: one of them turned out closed by the
   * server (restarted, or done with the connection), and the others, as old
   * or older, would most likely fail the same way. The next `acquire` opens
   * a fresh connection (or waits for one in use).
   */
  closeIdle(key: string): void {
    const entries = this.#idle.get(key) ?? [];
    this.#idle.delete(key); // first: a waiter let in below must not be handed one of these
    for (const { client, timer } of entries) {
      clearTimeout(timer);
      void client.quit();
      this.#forget(key);
    }
  }

  /** Closes every idle client (shutdown). */
  async closeAll(): Promise<void> {
    const all = [...this.#idle.entries()];
    this.#idle.clear();
    await Promise.all(all.flatMap(([key, list]) =>
      list.map(async ({ client, timer }) => {
        clearTimeout(timer);
        await client.quit();
        this.#forget(key);
      })
    ));
  }

  #takeIdle(key: string): SmtpClient | null {
    while (true) {
      const entry = this.#shiftIdle(key);
      if (!entry) return null;
      clearTimeout(entry.timer);
      // The server spoke while we were silent: a 421 before it hung up. Read as the reply
      // to our next command it would fail that message; a fresh connection will not.
      if (!entry.client.connection.hasBufferedInput()) return entry.client;
      entry.client.abort();
      this.#forget(key, { isPumping: false }); // the caller goes on to a fresh slot
    }
  }

  #reserve(key: string): boolean {
    const count = this.#counts.get(key) ?? 0;
    if (count >= this.#maxPerKey) return false;
    if (this.#total >= this.#maxTotal && !this.#evictIdle()) return false;
    this.#counts.set(key, count + 1);
    this.#total++;
    return true;
  }

  /** Closes one idle client of any hop to make room; false if none. */
  #evictIdle(): boolean {
    for (const key of this.#idle.keys()) {
      const entry = this.#shiftIdle(key);
      if (!entry) continue;
      clearTimeout(entry.timer);
      void entry.client.quit();
      this.#forget(key, { isPumping: false });
      return true;
    }
    return false;
  }

  #expire(key: string, client: SmtpClient): void {
    const list = this.#idle.get(key) ?? [];
    const at = list.findIndex((entry) => entry.client === client);
    if (at < 0) return;
    list.splice(at, 1);
    if (list.length === 0) this.#idle.delete(key);
    void client.quit();
    this.#forget(key);
  }

  /** The oldest idle client of `key`, taken off its list (a list left empty goes too). */
  #shiftIdle(key: string): { client: SmtpClient; timer: ReturnType<typeof setTimeout> } | null {
    const list = this.#idle.get(key);
    const entry = list?.shift();
    if (list?.length === 0) this.#idle.delete(key);
    return entry ?? null;
  }

  /** A connection of `key` is gone; a hop with none left is forgotten (one per domain mailed). */
  #forget(key: string, options = { isPumping: true }): void {
    const count = (this.#counts.get(key) ?? 1) - 1;
    if (count > 0) this.#counts.set(key, count);
    else this.#counts.delete(key);
    this.#total = Math.max(0, this.#total - 1);
    if (options.isPumping) this.#pump();
  }

  /** Lets waiters in: an idle client of their hop, or a fresh slot. */
  #pump(): void {
    for (let i = 0; i < this.#waiters.length; i++) {
      const waiter = this.#waiters[i]!;
      const client = this.#takeIdle(waiter.key);
      if (client || this.#reserve(waiter.key)) {
        this.#waiters.splice(i--, 1);
        waiter.resolve(client);
      }
    }
  }
}
