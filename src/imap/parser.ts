/**
 * The IMAP command parser: a cursor over one command as read from the wire,
 * that is its text segments and the literals between them (a literal's
 * `{n}` marker has been cut from the text by the reader). Pure: handlers
 * pull the arguments they expect and every mismatch throws BAD.
 */
import { bad } from "./errors.ts";
import { parseSequenceSet, type SequenceSet } from "./sequence_set.ts";

/** One command: `texts[i]` is followed by `literals[i]` when that exists. */
export interface RawCommand {
  texts: string[];
  literals: Uint8Array[];
}

/** atom-specials (RFC 3501 9): ( ) { SP CTL % * " \ ] and 8-bit. */
const ATOM_CHAR = /[^(){ \x00-\x1f\x7f%*"\\\]\x80-\uffff]/;
const utf8 = new TextDecoder();

/** Walks a `RawCommand`. */
export class CommandCursor {
  readonly #raw: RawCommand;
  #segment = 0;
  #pos = 0;

  constructor(raw: RawCommand) {
    this.#raw = raw;
  }

  /** Builds a cursor over plain text without literals. */
  static of(text: string): CommandCursor {
    return new CommandCursor({ texts: [text], literals: [] });
  }

  get #text(): string {
    return this.#raw.texts[this.#segment] ?? "";
  }

  /** The next character, or "" at a literal or the end. */
  peek(): string {
    return this.#text[this.#pos] ?? "";
  }

  /** True when a literal comes next. */
  #atLiteral(): boolean {
    return this.#pos >= this.#text.length && this.#segment < this.#raw.literals.length;
  }

  /** True when nothing is left. */
  atEnd(): boolean {
    return this.#pos >= this.#text.length && !this.#atLiteral();
  }

  /** Requires the end of the command. */
  end(): void {
    if (!this.atEnd()) throw bad("Unexpected extra arguments");
  }

  /** Requires one space. */
  sp(): void {
    if (this.peek() !== " ") throw bad("Expected a space");
    this.#pos++;
  }

  /** Consumes `char` if it comes next. */
  accept(char: string): boolean {
    if (this.peek() !== char) return false;
    this.#pos++;
    return true;
  }

  /** Requires `char`. */
  expect(char: string): void {
    if (!this.accept(char)) throw bad(`Expected "${char}"`);
  }

  /** Consumes characters matching `pattern` (one character class); may be empty. */
  #take(pattern: RegExp): string {
    const start = this.#pos;
    while (this.#pos < this.#text.length && pattern.test(this.#text[this.#pos] as string)) {
      this.#pos++;
    }
    return this.#text.slice(start, this.#pos);
  }

  /** An atom; `extra` adds characters the context allows (e.g. "]", "*", "\\"). */
  atom(extra = ""): string {
    const allowed = extra === ""
      ? ATOM_CHAR
      : new RegExp(`${ATOM_CHAR.source}|[${extra.replace(/[\]\\^-]/g, "\\$&")}]`);
    const value = this.#take(allowed);
    if (value === "") throw bad("Expected an atom");
    return value;
  }

  /** Letters, digits, "." and "-": command words, FETCH item names, section specs. */
  word(): string {
    const value = this.#take(/[A-Za-z0-9.\-]/);
    if (value === "") throw bad("Expected a word");
    return value;
  }

  /** A quoted string (without quotes, escapes resolved). */
  #quoted(): string {
    this.expect('"');
    let value = "";
    while (true) {
      const char = this.peek();
      if (char === "") throw bad("Unterminated quoted string");
      // RFC 3501 9: QUOTED-CHAR is a TEXT-CHAR, a CHAR (%x01-7F) but CR and LF.
      if (char === "\x00") throw bad("NUL in quoted string");
      this.#pos++;
      if (char === '"') return value;
      if (char === "\\") {
        const next = this.peek();
        if (next !== '"' && next !== "\\") throw bad("Bad escape in quoted string");
        value += next;
        this.#pos++;
      } else {
        value += char;
      }
    }
  }

  #literal(): Uint8Array {
    const bytes = this.#raw.literals[this.#segment] as Uint8Array;
    this.#segment++;
    this.#pos = 0;
    return bytes;
  }

  /** A string (quoted or literal) as bytes; literal bytes are returned as sent. */
  stringBytes(): Uint8Array {
    if (this.#atLiteral()) return this.#literal();
    if (this.peek() === '"') return new TextEncoder().encode(this.#quoted());
    throw bad("Expected a string");
  }

  /** An astring (atom, quoted or literal) as text. */
  astring(): string {
    if (this.#atLiteral()) return utf8.decode(this.#literal());
    if (this.peek() === '"') return this.#quoted();
    return this.atom("]");
  }

  /** A list-mailbox pattern: astring or atom with "%" and "*". */
  listPattern(): string {
    if (this.#atLiteral() || this.peek() === '"') return this.astring();
    return this.atom("]%*");
  }

  /** A number (RFC 3501 "number": up to 2^32-1). */
  number(): number {
    const digits = this.#take(/[0-9]/);
    if (digits === "" || digits.length > 10 || Number(digits) > 4294967295) {
      throw bad("Expected a number");
    }
    return Number(digits);
  }

  /** A sequence set. */
  sequenceSet(): SequenceSet {
    const set = parseSequenceSet(this.#take(/[0-9:*,]/));
    if (set === null) throw bad("Invalid sequence set");
    return set;
  }

  /** A flag: `\Word` or a keyword atom. */
  flag(): string {
    if (this.accept("\\")) return "\\" + this.atom();
    return this.atom();
  }

  /** A parenthesised, space-separated list of `item`s (may be empty). */
  list<T>(item: (cursor: CommandCursor) => T): T[] {
    this.expect("(");
    const items: T[] = [];
    if (this.accept(")")) return items;
    while (true) {
      items.push(item(this));
      if (this.accept(")")) return items;
      this.sp();
    }
  }

  /** A flag list `(\Seen x)`, or with `isBareAllowed` also flags without parentheses (STORE). */
  flags(options: { isBareAllowed?: boolean } = {}): string[] {
    if (this.peek() === "(") return this.list((cursor) => cursor.flag());
    if (!options.isBareAllowed) throw bad("Expected a flag list");
    const flags = [this.flag()];
    while (this.accept(" ")) flags.push(this.flag());
    return flags;
  }
}

/** The tag and verb at the start of a line: `a001 UID FETCH` -> {tag, verb: "UID FETCH"}. */
export function parseCommandStart(
  cursor: CommandCursor,
  options: { onTag?: (tag: string) => void } = {},
): { tag: string; verb: string } {
  const tag = cursor.atom("]");
  if (tag.includes("+")) throw bad("Invalid tag");
  // The tag is known from here on: a BAD about the rest can be tagged (RFC 3501 7.1.3).
  options.onTag?.(tag);
  cursor.sp();
  let verb = cursor.atom().toUpperCase();
  if (verb === "UID") {
    cursor.sp();
    verb += " " + cursor.atom().toUpperCase();
  }
  return { tag, verb };
}
