/**
 * Connections open per client address (IPv6 per /64, see `clientKey`), so
 * that one address cannot take every session a listener has: one host that
 * opens 256 connections and says nothing held the IMAP listener's slots for
 * 30 minutes (the idle timeout before login too), locking everyone else out.
 * Postfix's anvil limits a client to 50 by default. Exempt addresses (the
 * relay networks: local programs, the loopback benchmark) are not counted.
 */
import { clientKey } from "./ip_text.ts";

/** Options for {@link AddressCounts}. */
export interface AddressCountsOptions {
  /** Connections one address may hold at once. */
  limit: number;
  /** Addresses never limited. */
  isExempt: (ip: string) => boolean;
}

/** Counts each client address's open connections against a limit. */
export class AddressCounts {
  readonly #options: AddressCountsOptions;
  readonly #open = new Map<string, number>();

  constructor(options: AddressCountsOptions) {
    this.#options = options;
  }

  /**
   * Counts one more connection from `ip`; the key to give to `release` when
   * it closes, or null when the address already holds its limit (nothing
   * counted). An exempt address gets the key "" (nothing to release).
   */
  claim(ip: string): string | null {
    if (this.#options.isExempt(ip)) return "";
    const key = clientKey(ip);
    const count = this.#open.get(key) ?? 0;
    if (count >= this.#options.limit) return null;
    this.#open.set(key, count + 1);
    return key;
  }

  /** A connection counted under `key` (from `claim`) closed. */
  release(key: string): void {
    if (key === "") return;
    const count = this.#open.get(key) ?? 0;
    if (count <= 1) this.#open.delete(key);
    else this.#open.set(key, count - 1);
  }

  /** Addresses holding connections now (for tests and the status page). */
  get size(): number {
    return this.#open.size;
  }
}

/** The per-address limit for a listener of `maxConnections`: a quarter of it, at least one. */
export function perAddressLimit(maxConnections: number): number {
  return Math.max(1, Math.floor(maxConnections / 4));
}
