/**
 * IMAP keywords ($Forwarded, $Junk, $MDNSent, ...) of one Maildir, stored
 * the Dovecot way so a mailbox can move between servers: the file
 * `dovecot-keywords` next to `cur/` holds lines `<index> <name>`, and a
 * message carries keyword number 0 as info letter `a`, 1 as `b`, ... up to
 * 25 as `z`. Indexes are handed out once and never reused, so a letter
 * always means the same keyword. Names match case-insensitively (the first
 * spelling wins). The file is written (tmp, fsync, rename) before any
 * message name uses a new letter. Another program (Dovecot, or an
 * administrator copying a Maildir in) may write the file too: it is read
 * again when it changed, before a new keyword is given a letter and before
 * a listing, so that no letter is handed out twice.
 */
import { join } from "node:path";
import { writeFileAtomic } from "../spool/mod.ts";

/** The keyword map's file name inside a Maildir. */
export const KEYWORDS_FILE = "dovecot-keywords";

/** The info letters that stand for keywords, by index. */
export const KEYWORD_LETTERS = "abcdefghijklmnopqrstuvwxyz";

/** All 26 keyword letters of the mailbox are taken. */
export class KeywordLimitError extends Error {
  constructor(name: string) {
    super(`Cannot add keyword "${name}": the mailbox already has ${KEYWORD_LETTERS.length}`);
    this.name = "KeywordLimitError";
  }
}

/** Whether `name` is a keyword (not a system flag) that may be stored: an IMAP atom. */
export function isKeywordName(name: string): boolean {
  return name.length > 0 && name.length <= 100 && !name.startsWith("\\") &&
    !/[\x00-\x20\x7f-\uffff(){%*"\]\\]/.test(name);
}

/** Parses the file's text into names by index (bad or out-of-range lines are skipped). */
export function parseKeywordsFile(text: string): (string | undefined)[] {
  const names: (string | undefined)[] = [];
  for (const line of text.split("\n")) {
    const match = /^(\d+) (\S+)$/.exec(line.trimEnd());
    if (match === null) continue;
    const index = Number(match[1]);
    const name = match[2] as string;
    if (index < KEYWORD_LETTERS.length && isKeywordName(name)) names[index] = name;
  }
  return Array.from(names); // holes become explicit undefined
}

/** The keyword table of one Maildir. Callers serialise access (the mailbox lock). */
export class Keywords {
  readonly #path: string;
  #names: (string | undefined)[] = [];
  #byLower = new Map<string, number>();
  /** The file as last read or written (inode, size, mtime); "" when it was missing. */
  #stamp = "";
  /** Names were defined differently on disk than before (see `takeRedefined`). */
  #isRedefined = false;

  constructor(dir: string) {
    this.#path = join(dir, KEYWORDS_FILE);
  }

  /** Reads the file; a missing file means no keywords yet. */
  async load(): Promise<void> {
    // The stamp before the read: a change made between them is read again next time.
    this.#stamp = await this.#currentStamp();
    let text = "";
    try {
      text = await Deno.readTextFile(this.#path);
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
    this.#setNames(parseKeywordsFile(text));
  }

  /**
   * Reads the file again if another program changed it since it was last
   * read or written (one stat otherwise). A change of what a letter means
   * is noted for `takeRedefined`.
   */
  async reloadIfChanged(): Promise<void> {
    if (await this.#currentStamp() === this.#stamp) return;
    const before = this.#names;
    await this.load();
    const isSame = before.length === this.#names.length &&
      before.every((name, index) => name === this.#names[index]);
    if (!isSame) this.#isRedefined = true;
  }

  /** True once after a reload changed the names (listed messages need their keywords again). */
  takeRedefined(): boolean {
    const isRedefined = this.#isRedefined;
    this.#isRedefined = false;
    return isRedefined;
  }

  async #currentStamp(): Promise<string> {
    try {
      const info = await Deno.stat(this.#path);
      return `${info.ino}:${info.size}:${info.mtime?.getTime()}`;
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return "";
      throw error;
    }
  }

  #setNames(names: (string | undefined)[]): void {
    this.#names = names;
    this.#byLower = new Map();
    this.#names.forEach((name, index) => {
      if (name !== undefined && !this.#byLower.has(name.toLowerCase())) {
        this.#byLower.set(name.toLowerCase(), index);
      }
    });
  }

  /** Every defined keyword, in letter order. */
  names(): string[] {
    return this.#names.filter((name): name is string => name !== undefined);
  }

  /** True while a letter is left for a new keyword (`define` hands them out in order). */
  hasFreeLetter(): boolean {
    return this.#names.length < KEYWORD_LETTERS.length;
  }

  /** The info letter of a defined keyword, or null. */
  letterOf(name: string): string | null {
    const index = this.#byLower.get(name.toLowerCase());
    return index === undefined ? null : KEYWORD_LETTERS[index] as string;
  }

  /** The keywords that info `letters` carry, in letter order (unknown letters are skipped). */
  namesOf(letters: string): string[] {
    const names: string[] = [];
    for (const letter of letters) {
      const index = KEYWORD_LETTERS.indexOf(letter);
      const name = index < 0 ? undefined : this.#names[index];
      if (name !== undefined) names.push(name);
    }
    return names;
  }

  /**
   * Gives every new keyword among `names` a letter and writes the file
   * durably. Throws `KeywordLimitError` when the letters run out, unless
   * `keepWhatFits`: then the names left without a letter are returned (a
   * COPY or MOVE keeps the message and drops what cannot be stored).
   */
  async define(
    names: readonly string[],
    options: { keepWhatFits?: boolean } = {},
  ): Promise<string[]> {
    const isFresh = (name: string) => isKeywordName(name) && this.letterOf(name) === null;
    if (!names.some(isFresh)) return [];
    // A letter another program gave out since our last read must not be given again.
    await this.reloadIfChanged();
    const fresh = names.filter(isFresh);
    if (fresh.length === 0) return [];
    const next = [...this.#names];
    const added = new Map<string, number>();
    const dropped = new Map<string, string>();
    for (const name of fresh) {
      const lower = name.toLowerCase();
      if (added.has(lower) || dropped.has(lower)) continue;
      const index = next.length;
      if (index >= KEYWORD_LETTERS.length) {
        if (!options.keepWhatFits) throw new KeywordLimitError(name);
        dropped.set(lower, name);
        continue;
      }
      next[index] = name;
      added.set(lower, index);
    }
    if (added.size === 0) return [...dropped.values()];
    const lines = next.flatMap((name, index) => name === undefined ? [] : [`${index} ${name}\n`]);
    // A temporary file of its own each time (removed if the write fails): one a crash
    // left behind must not stand in the way of every later keyword.
    await writeFileAtomic(this.#path, [new TextEncoder().encode(lines.join(""))]);
    this.#stamp = await this.#currentStamp();
    this.#names = next;
    for (const [lower, index] of added) this.#byLower.set(lower, index);
    return [...dropped.values()];
  }
}
