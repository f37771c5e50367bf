/**
 * Message files another program named in bytes that are not UTF-8: no read
 * can reach them (Deno gives such a name with U+FFFD), so the administrator
 * must rename them. Each is logged once.
 */
import type { Logger } from "../log/mod.ts";

export class UnreachableNames {
  readonly #logged = new Set<string>();

  /** Logs `mailbox.unreadable_name` for `path` the first time it is seen. */
  warn(path: string, log: Logger): void {
    if (this.#logged.has(path)) return;
    this.#logged.add(path);
    log.warn("mailbox.unreadable_name", { path });
  }
}
