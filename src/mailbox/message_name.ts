/**
 * Maildir file names: `<base>` in `new/`, `<base>:2,<flags>` in `cur/`. The
 * base carries the size (`,S=<bytes>`, written by `MaildirStore.deliver`)
 * and starts with the delivery time in seconds; the info part after `:2,`
 * holds the flag letters in ASCII order (D draft, F flagged, R replied,
 * S seen, T trashed; lowercase a-z are keywords, see `keywords.ts`). Pure
 * functions, no disk access.
 */

/** The IMAP system flags a Maildir file name can carry. */
export type SystemFlag = "\\Draft" | "\\Flagged" | "\\Answered" | "\\Seen" | "\\Deleted";

/** Maildir info letters and the IMAP flags they stand for. */
export const FLAG_LETTERS: Readonly<Record<SystemFlag, string>> = {
  "\\Draft": "D",
  "\\Flagged": "F",
  "\\Answered": "R",
  "\\Seen": "S",
  "\\Deleted": "T",
};

const LETTER_FLAGS = new Map<string, SystemFlag>(
  Object.entries(FLAG_LETTERS).map(([flag, letter]) => [letter, flag as SystemFlag]),
);

/** What a file name in `new/` or `cur/` says about its message. */
export interface ParsedMessageName {
  /** The name without the `:2,...` info: the message's identity for life. */
  base: string;
  /** Size in bytes from `,S=`, or null when the name does not carry it. */
  sizeBytes: number | null;
  /** Size with CRLF line ends from `,W=` (Dovecot's, and our copies of LF files), or null. */
  wireBytes: number | null;
  /** A name `maildirName` made (see `OWN_WRITER`). */
  isOwnName: boolean;
  /**
   * INTERNALDATE from the leading seconds of a name of ours, in ms; null for
   * any other name (its file's mtime is the date, see `OWN_NAME`).
   */
  internalDateMs: number | null;
  /** Every info letter, system flags and others (keywords), sorted. */
  letters: string;
}

/**
 * The names `maildirName` makes, of every version (the random part and six
 * digits after M came later): they start with the message's INTERNALDATE in seconds, which an
 * APPEND with a date, a COPY and a MOVE set. Other programs start a name
 * with the time they wrote the file, and keep the date in its mtime
 * (Dovecot's COPY and MOVE, an APPEND with a date, imapsync): their
 * seconds are not the message's date.
 */
const OWN_NAME = /^(\d+)\.M\d+P\d+Q\d+(?:R[0-9a-f]+)?\./;

/**
 * Of those, the names of files we wrote, for how they are served (line_ends.ts): our random
 * part has 8 hex digits, and every version wrote `,S=`. getmail6 names the files it delivers
 * `<seconds>.M<micros>P<pid>Q<count>R<16 hex digits>.<host>`, without `,S=`, and writes
 * them with bare LFs.
 */
const OWN_WRITER = /^\d+\.M\d+P\d+Q\d+(?:R[0-9a-f]{8})?\./;

/** Parses a Maildir file name; null for names that are not messages (dotfiles, newlines). */
export function parseMessageName(fileName: string): ParsedMessageName | null {
  if (fileName === "" || fileName.startsWith(".") || /[\n\r\/]/.test(fileName)) return null;
  const colon = fileName.indexOf(":");
  const base = colon >= 0 ? fileName.slice(0, colon) : fileName;
  if (base === "") return null;
  const info = colon >= 0 ? fileName.slice(colon + 1) : "";
  const letters = info.startsWith("2,") ? sortLetters(info.slice(2)) : "";
  // Dovecot writes `,W=` right after `,S=`, as we do: one match reads both.
  const size = /,S=(\d+)(?:,W=(\d+))?(?:,|$)/.exec(base);
  const seconds = OWN_NAME.exec(base);
  return {
    base,
    sizeBytes: size?.[1] !== undefined ? Number(size[1]) : null,
    wireBytes: size?.[2] !== undefined ? Number(size[2]) : null,
    isOwnName: size !== null && OWN_WRITER.test(base),
    internalDateMs: seconds?.[1] !== undefined ? Number(seconds[1]) * 1000 : null,
    letters,
  };
}

/** The file name in `cur/` for `base` with info `letters`. */
export function curName(base: string, letters: string): string {
  return `${base}:2,${sortLetters(letters)}`;
}

/** The system flags among info letters, in a fixed order. */
export function lettersToFlags(letters: string): SystemFlag[] {
  const flags: SystemFlag[] = [];
  for (const letter of letters) {
    const flag = LETTER_FLAGS.get(letter);
    if (flag !== undefined) flags.push(flag);
  }
  return flags;
}

/**
 * Applies a flag change to info letters. Entries starting with "\\" are
 * system flags (others of that form are ignored); the rest are keywords,
 * turned into letters by `keywordLetter` (null: not stored). `replace` sets
 * the system flags and keywords outright; letters that are neither are kept.
 */
export function changeLetters(
  letters: string,
  change: {
    add?: readonly string[];
    remove?: readonly string[];
    replace?: readonly string[];
  },
  keywordLetter: (name: string) => string | null = () => null,
): string {
  const set = new Set(letters);
  const letterOf = (flag: string) =>
    flag.startsWith("\\") ? FLAG_LETTERS[flag as SystemFlag] ?? null : keywordLetter(flag);
  if (change.replace !== undefined) {
    for (const letter of [...set]) {
      if (LETTER_FLAGS.has(letter) || /^[a-z]$/.test(letter)) set.delete(letter);
    }
    for (const flag of change.replace) set.add(letterOf(flag) ?? "");
  }
  for (const flag of change.add ?? []) set.add(letterOf(flag) ?? "");
  for (const flag of change.remove ?? []) set.delete(letterOf(flag) ?? "");
  return sortLetters([...set].join(""));
}

/** Letters deduplicated in ASCII order, as Maildir requires. */
function sortLetters(letters: string): string {
  if (isSortedLetters(letters)) return letters; // as nearly every name on disk has them
  return [...new Set(letters.replace(/[^\x21-\x7e]|[,:]/g, ""))].sort().join("");
}

/** Printable, no "," or ":", each letter above the one before (so none twice). */
function isSortedLetters(letters: string): boolean {
  let previous = 0x20;
  for (let i = 0; i < letters.length; i++) {
    const code = letters.charCodeAt(i);
    if (code <= previous || code > 0x7e || code === 0x2c || code === 0x3a) return false;
    previous = code;
  }
  return true;
}
