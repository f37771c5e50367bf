/**
 * IMAP keywords ($Forwarded, $Junk, $MDNSent, ...) of one Maildir, stored
 * the Dovecot way so a mailbox can move between servers: the file
 * `dovecot-keywords` next to `cur/` holds lines `<index> <name>`, and a
 * message carries keyword number 0 as info letter `a`, 1 as `b`, ... up to
 * 25 as `z`. Indexes are handed out once and never reused, so a letter
 * always means the same keyword. Names match case-insensitively (the first
 * spelling wins). The file is written (tmp, fsync, rename) before any
 * message name uses a new letter.
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
  readonly #dir: string;
  #names: (string | undefined)[] = [];
  #byLower = new Map<string, number>();

  constructor(dir: string) {
    this.#dir = dir;
  }

  /** Reads the file; a missing file means no keywords yet. */
  async load(): Promise<void> {
    let text = "";
    try {
      text = await Deno.readTextFile(join(this.#dir, KEYWORDS_FILE));
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
    this.#names = parseKeywordsFile(text);
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
    const fresh = names.filter((name) => isKeywordName(name) && this.letterOf(name) === null);
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
    await writeFileAtomic(join(this.#dir, KEYWORDS_FILE), [
      new TextEncoder().encode(lines.join("")),
    ]);
    this.#names = next;
    for (const [lower, index] of added) this.#byLower.set(lower, index);
    return [...dropped.values()];
  }
}
