/**
 * The directory: the one place that answers "who is this recipient?" and
 * "is this password right?", from the users file and the aliases file.
 *
 * Both files are watched (stat at most once per second, reload on change),
 * so accounts added by `pillarbox user add` work without a restart.
 * Precedence for a local address: exact account > exact alias > catch-all.
 */

import type { Logger } from "../log/mod.ts";
import { normalizeAddress, normalizeDomain, splitAddress } from "./address.ts";
import { type AliasTable, catchAllKey, readAliasesFile } from "./aliases_file.ts";
import { deadBranches } from "./dead_branches.ts";
import { hashPassword, verifyPassword } from "./password.ts";
import { readUsersFile } from "./users_file.ts";
import { WatchedFile } from "./watched_file.ts";

/** Alias expansion stops following chains deeper than this. */
export const MAX_ALIAS_DEPTH = 10;

/** Whether a normalized address is the reserved postmaster mailbox of its domain. */
function isPostmaster(normalized: string): boolean {
  return splitAddress(normalized)?.local === "postmaster";
}

/** What a recipient address means to this server. */
export type RecipientVerdict =
  /** Final local accounts (normalized, deduplicated) after alias expansion. */
  | { kind: "local"; mailboxes: string[] }
  /** The domain is not one of ours: a relaying question for the caller. */
  | { kind: "remote" }
  /**
   * A local domain with no such account, alias or catch-all. `isStale`: by the
   * accounts and aliases kept from before, for a file changed since could not
   * be read (malformed, gone, empty): the address may be new there, so this is
   * no final answer (RCPT says 451, delivery tries again).
   */
  | { kind: "unknown"; isStale?: true };

/** Whether a login still stands: see `Directory.loginStanding`. */
export type LoginStanding = "current" | "changed" | "removed";

/** Options for {@link Directory}. */
export type DirectoryOptions = {
  usersFile: string;
  aliasesFile: string;
  /** The local domains (`--domains`). */
  domains: readonly string[];
  /** Minimum time between two stats of each file (default 1000). */
  checkIntervalMs?: number;
  /** The clock, in milliseconds (tests inject one). */
  now?: () => number;
  /** Where to report a changed file that fails to load (the old contents stay in use). */
  log?: Logger;
};

/** Accounts, aliases and local domains, kept current with the files on disk. */
export class Directory {
  readonly #domains: ReadonlySet<string>;
  readonly #users: WatchedFile<Map<string, string>>;
  readonly #aliases: WatchedFile<AliasTable>;
  #dummyHash: Promise<string> | null = null;

  constructor(options: DirectoryOptions) {
    this.#domains = new Set(options.domains.map((domain) => normalizeDomain(domain)));
    const common = { checkIntervalMs: options.checkIntervalMs, now: options.now };
    const report = (path: string) => (error: unknown) =>
      options.log?.warn("auth.reload_failed", {
        file: path,
        error: error instanceof Error ? error.message : String(error),
      });
    this.#users = new WatchedFile({
      ...common,
      path: options.usersFile,
      load: readUsersFile,
      onReloadError: report(options.usersFile),
      // Every account refused at once over a file moved aside for a moment: never.
      isKeptWhenRemoved: true,
    });
    this.#aliases = new WatchedFile({
      ...common,
      path: options.aliasesFile,
      load: readAliasesFile,
      onReloadError: report(options.aliasesFile),
      // Nor every alias (and its senders' mail refused 550, for good) over the same `mv`.
      isKeptWhenRemoved: true,
    });
  }

  /** Loads both files now; throws if either is malformed (use at startup and in `check`). */
  async load(): Promise<void> {
    await Promise.all([this.#users.get(), this.#aliases.get()]);
  }

  /** Whether mail for `domain` is delivered to mailboxes here (in U-labels or A-labels, any case). */
  isLocalDomain(domain: string): boolean {
    return this.#domains.has(normalizeDomain(domain));
  }

  /**
   * The accounts and aliases (catch-alls too) of the files whose domain is
   * none of the local domains: mail to them is never delivered here (it is
   * relayed, or refused), so they are a mistake to report (`check`, `serve`).
   */
  async offDomainEntries(): Promise<{ kind: "account" | "alias"; address: string }[]> {
    const [users, aliases] = await Promise.all([this.#users.get(), this.#aliases.get()]);
    const isOff = (address: string) => !this.isLocalDomain(splitAddress(address)?.domain ?? "");
    return [
      ...[...users.keys()].filter(isOff).sort().map((address) => ({
        kind: "account" as const,
        address,
      })),
      ...[...aliases.keys()].filter(isOff).sort().map((address) => ({
        kind: "alias" as const,
        address,
      })),
    ];
  }

  /**
   * The aliases that are accounts too: the account gets their mail, so the alias is never
   * used (`bob@example.com: bob@example.com, bob@elsewhere.org` forwards nothing), a mistake
   * to report (`check`, `serve`).
   */
  async shadowedAliases(): Promise<string[]> {
    const [users, aliases] = await Promise.all([this.#users.get(), this.#aliases.get()]);
    return [...aliases.keys()].filter((alias) => users.has(alias)).sort();
  }

  /**
   * Resolves a recipient. Aliases expand recursively (loop-safe, at most
   * {@link MAX_ALIAS_DEPTH} levels); targets on other domains come back in
   * `forwards`. The verdict is "local" when at least one mailbox or forward exists;
   * then alias targets on our domains that are nothing at all (no account,
   * alias or catch-all) come back in `unknownTargets`: the mail is queued for
   * them too, so delivery fails them 5.1.1 and the sender hears of it, as
   * other MTAs do, instead of their copy vanishing without a word.
   */
  async resolveRecipient(
    address: string,
  ): Promise<RecipientVerdict & { forwards?: string[]; unknownTargets?: string[] }> {
    const normalized = normalizeAddress(address);
    const parts = splitAddress(normalized);
    if (parts === null || parts.local === "") return { kind: "unknown" };
    if (!this.isLocalDomain(parts.domain)) return { kind: "remote" };
    const [users, aliases] = await Promise.all([this.#users.get(), this.#aliases.get()]);
    const verdict = this.#resolveIn(normalized, { users, aliases });
    if (verdict.kind === "local" && verdict.unknownTargets === undefined) return verdict;
    // "No such address" is final for the sender (550 at RCPT, a 5.1.1 bounce at delivery): given
    // only after a look at the files now, not as they were up to a second ago (an account that
    // `pillarbox user add` made just before a message for it came, or was queued by sendmail).
    const [nowUsers, nowAliases] = await Promise.all([
      this.#users.get({ isFresh: true }),
      this.#aliases.get({ isFresh: true }),
    ]);
    const now = nowUsers === users && nowAliases === aliases
      ? verdict
      : this.#resolveIn(normalized, { users: nowUsers, aliases: nowAliases });
    return now.kind === "unknown" && this.isStale() ? { kind: "unknown", isStale: true } : now;
  }

  /** Whether either file changed in a way that could not be loaded (what it held before is used). */
  isStale(): boolean {
    return this.#users.isStale || this.#aliases.isStale;
  }

  /** `resolveRecipient` of a normalized address on a local domain, by these files' contents. */
  #resolveIn(
    normalized: string,
    files: { users: Map<string, string>; aliases: AliasTable },
  ): RecipientVerdict & { forwards?: string[]; unknownTargets?: string[] } {
    const { users, aliases } = files;
    const parts = splitAddress(normalized);
    if (parts === null) return { kind: "unknown" };
    // The common case, an account: what the expansion below gives for it, without its sets.
    if (users.has(normalized)) return { kind: "local", mailboxes: [normalized] };
    const mailboxes = new Set<string>();
    const forwards = new Set<string>();
    const unknown = new Set<string>();
    const targetsOf = new Map<string, readonly string[]>();
    // Breadth first, so every address is met first at its shortest distance: depth first, an
    // address met at the end of a long chain would be "seen" there, past the depth limit, and
    // lost also for a short path to it.
    const seen = new Set<string>([normalized]);
    let level = [normalized];
    for (let depth = 0; depth <= MAX_ALIAS_DEPTH && level.length > 0; depth++) {
      const next: string[] = [];
      for (const current of level) {
        const domain = splitAddress(current)?.domain ?? "";
        if (!this.isLocalDomain(domain)) {
          forwards.add(current);
          continue;
        }
        if (users.has(current)) {
          mailboxes.add(current);
          continue;
        }
        const targets = aliases.get(current) ?? aliases.get(catchAllKey(domain));
        if (targets === undefined && isPostmaster(current)) {
          // RFC 5321 4.5.1: postmaster is always there, as an alias's target too (`abuse: postmaster`).
          mailboxes.add(current);
          continue;
        }
        if (targets === undefined && depth > 0) unknown.add(current);
        if (targets !== undefined) targetsOf.set(current, targets);
        for (const target of targets ?? []) {
          if (seen.has(target)) continue;
          seen.add(target);
          next.push(target);
        }
      }
      level = next;
    }
    // A target whose aliases loop or nest past the limit: named, so the sender is told.
    // Only an expansion through aliases can have one (a plain account, every RCPT: none).
    if (targetsOf.size > 0) {
      const ends = new Set([...mailboxes, ...forwards, ...unknown]);
      for (const dead of deadBranches({ root: normalized, targetsOf, ends })) unknown.add(dead);
    }
    if (mailboxes.size === 0 && forwards.size === 0) {
      // RFC 5321 4.5.1: postmaster must always be accepted. Without an account or
      // alias it gets a mailbox of its own, readable on disk under mail/<domain>/postmaster.
      if (!isPostmaster(normalized)) return { kind: "unknown" };
      mailboxes.add(normalized);
    }
    const verdict: RecipientVerdict & { forwards?: string[]; unknownTargets?: string[] } = {
      kind: "local",
      mailboxes: [...mailboxes],
    };
    // A forward as the aliases file spells it: its local part's case is the other server's.
    if (forwards.size > 0) {
      verdict.forwards = [...forwards].map((f) => aliases.spellings.get(f) ?? f);
    }
    if (unknown.size > 0) verdict.unknownTargets = [...unknown];
    return verdict;
  }

  /**
   * Checks a login (`user` is a full address). An unknown user still costs
   * one scrypt, so timing does not reveal which accounts exist. The users
   * file is looked at anew for every login (a stat, next to the scrypt): once
   * `pillarbox user passwd` or `user del` has returned, the old password or
   * the deleted account no longer logs in, and an account just added does.
   */
  async verifyLogin(user: string, password: string): Promise<boolean> {
    return await this.verifyLoginGrant(user, password) !== null;
  }

  /**
   * `verifyLogin`, giving for a right password what it was checked against
   * (the stored hash), null otherwise: a session that keeps it can ask
   * `isGrantCurrent` later whether the login still stands.
   */
  async verifyLoginGrant(user: string, password: string): Promise<string | null> {
    const users = await this.#users.get({ isFresh: true });
    const hash = users.get(normalizeAddress(user));
    if (hash === undefined) {
      this.#dummyHash ??= hashPassword(crypto.randomUUID());
      await verifyPassword(password, await this.#dummyHash);
      return null;
    }
    return await verifyPassword(password, hash) ? hash : null;
  }

  /**
   * Whether `user` still has the password its login was checked against
   * (`grant`, from `verifyLoginGrant`): false once `user passwd` or `user del`
   * has returned. A stat of the users file, no hashing.
   */
  async isGrantCurrent(user: string, grant: string): Promise<boolean> {
    return await this.loginStanding(user, grant) === "current";
  }

  /**
   * `isGrantCurrent`, telling why a login no longer stands: its account is
   * gone (`user del`), or has another password (`user passwd`, or deleted and
   * added again). `isFresh: false` takes the users file as looked at up to a
   * second ago (a check that repeats on a timer, not one owed to a command).
   */
  async loginStanding(
    user: string,
    grant: string,
    options: { isFresh?: boolean } = {},
  ): Promise<LoginStanding> {
    const users = await this.#users.get({ isFresh: options.isFresh ?? true });
    const hash = users.get(normalizeAddress(user));
    if (hash === grant) return "current";
    return hash === undefined ? "removed" : "changed";
  }

  /**
   * Whether the authenticated `user` may send as `address`: its own address,
   * or an alias or catch-all whose expansion delivers to `user`.
   */
  async ownsAddress(user: string, address: string): Promise<boolean> {
    const account = normalizeAddress(user);
    const wanted = normalizeAddress(address);
    if (account === wanted) return true;
    const verdict = await this.resolveRecipient(wanted);
    return verdict.kind === "local" && verdict.mailboxes.includes(account);
  }
}
