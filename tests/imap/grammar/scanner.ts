/**
 * The lexical layer of a strict IMAP response checker (RFC 3501 9): a
 * scanner over one whole response as a binary string (one char per byte,
 * literals included), with the ABNF's terminals. Every mismatch throws a
 * `GrammarError` naming the rule and the offset.
 */

/** A response that does not match the formal syntax. */
export class GrammarError extends Error {
  constructor(rule: string, at: number, input: string) {
    const near = JSON.stringify(input.slice(Math.max(0, at - 40), at)) + " ^ " +
      JSON.stringify(input.slice(at, at + 40));
    super(`${rule} at offset ${at}: ${near}`);
    this.name = "GrammarError";
  }
}

/** CHAR: %x01-7F. */
const isChar = (code: number) => code >= 0x01 && code <= 0x7f;
/** CTL: %x00-1F / %x7F. */
const isCtl = (code: number) => code <= 0x1f || code === 0x7f;
/** atom-specials: "(" / ")" / "{" / SP / CTL / list-wildcards / quoted-specials / resp-specials. */
const ATOM_SPECIALS = '(){ %*"\\]';

/** ATOM-CHAR: any CHAR except atom-specials. */
export function isAtomChar(char: string): boolean {
  const code = char.charCodeAt(0);
  return isChar(code) && !isCtl(code) && !ATOM_SPECIALS.includes(char);
}

/** ASTRING-CHAR: ATOM-CHAR / resp-specials. */
export function isAstringChar(char: string): boolean {
  return isAtomChar(char) || char === "]";
}

/** TEXT-CHAR: any CHAR except CR and LF. */
export function isTextChar(char: string): boolean {
  const code = char.charCodeAt(0);
  return isChar(code) && char !== "\r" && char !== "\n";
}

/** The largest `number` (RFC 3501 9: unsigned 32-bit). */
const MAX_NUMBER = 4294967295;

/** A cursor over one response. */
export class Scanner {
  readonly input: string;
  pos = 0;

  constructor(input: string) {
    this.input = input;
  }

  fail(rule: string): never {
    throw new GrammarError(rule, this.pos, this.input);
  }

  peek(length = 1): string {
    return this.input.slice(this.pos, this.pos + length);
  }

  atEnd(): boolean {
    return this.pos >= this.input.length;
  }

  /** Consumes `text` (case-insensitively, as ABNF strings are) if it comes next. */
  accept(text: string): boolean {
    if (this.peek(text.length).toUpperCase() !== text.toUpperCase()) return false;
    this.pos += text.length;
    return true;
  }

  /** Consumes `text` exactly (case-sensitive), for terminals like %x5C. */
  acceptExact(text: string): boolean {
    if (this.peek(text.length) !== text) return false;
    this.pos += text.length;
    return true;
  }

  expect(text: string, rule = JSON.stringify(text)): void {
    if (!this.accept(text)) this.fail(`expected ${rule}`);
  }

  sp(): void {
    if (!this.acceptExact(" ")) this.fail("expected SP");
  }

  crlf(): void {
    if (!this.acceptExact("\r\n")) this.fail("expected CRLF");
  }

  /** 1*DIGIT as a 32-bit number. */
  number(rule = "number"): number {
    const match = /^[0-9]+/.exec(this.input.slice(this.pos, this.pos + 40));
    if (match === null) this.fail(rule);
    const value = Number(match[0]);
    if (value > MAX_NUMBER) this.fail(`${rule} beyond 32 bits`);
    this.pos += match[0].length;
    return value;
  }

  /** nz-number: digit-nz *DIGIT. */
  nzNumber(rule = "nz-number"): number {
    if (!/[1-9]/.test(this.peek())) this.fail(rule);
    return this.number(rule);
  }

  /** 1*ATOM-CHAR. */
  atom(rule = "atom"): string {
    return this.#run(isAtomChar, rule);
  }

  #run(test: (char: string) => boolean, rule: string): string {
    const start = this.pos;
    while (!this.atEnd() && test(this.input[this.pos] as string)) this.pos++;
    if (this.pos === start) this.fail(rule);
    return this.input.slice(start, this.pos);
  }

  /** text: 1*TEXT-CHAR (RFC 3501 9; 7-bit, never empty). */
  text(): string {
    return this.#run(isTextChar, "text (1*TEXT-CHAR)");
  }

  /** Consumes TEXT-CHARs other than those in `stop`; at least one. */
  textExcept(stop: string, rule: string): string {
    return this.#run((char) => isTextChar(char) && !stop.includes(char), rule);
  }

  /** quoted: DQUOTE *QUOTED-CHAR DQUOTE; the unescaped value. */
  quoted(): string {
    if (!this.acceptExact('"')) this.fail("quoted");
    let value = "";
    while (true) {
      const char = this.peek();
      if (char === "") this.fail("unterminated quoted");
      this.pos++;
      if (char === '"') return value;
      if (char === "\\") {
        const next = this.peek();
        if (next !== '"' && next !== "\\") this.fail('"\\" before a non-quoted-special');
        this.pos++;
        value += next;
      } else if (isTextChar(char)) value += char;
      else {
        this.pos--;
        this.fail("QUOTED-CHAR (7-bit, no CR/LF)");
      }
    }
  }

  /** literal: "{" number "}" CRLF *CHAR8 (no NUL); the value, its count checked. */
  literal(): string {
    if (!this.acceptExact("{")) this.fail("literal");
    const count = this.number("literal count");
    if (!this.acceptExact("}")) this.fail('"}" of a literal');
    this.crlf();
    const value = this.input.slice(this.pos, this.pos + count);
    if (value.length !== count) this.fail(`literal of ${count} octets runs past the response`);
    const nul = value.indexOf("\0");
    if (nul >= 0) {
      this.pos += nul;
      this.fail("CHAR8 (a literal holds no NUL)");
    }
    this.pos += count;
    return value;
  }

  /** string: quoted / literal. */
  string(rule = "string"): string {
    if (this.peek() === '"') return this.quoted();
    if (this.peek() === "{") return this.literal();
    this.fail(rule);
  }

  /** nil: "NIL". */
  isNil(): boolean {
    return this.accept("NIL");
  }

  /** nstring: string / nil. */
  nstring(rule = "nstring"): string | null {
    if (this.peek() === '"' || this.peek() === "{") return this.string(rule);
    if (this.isNil()) return null;
    this.fail(rule);
  }

  /** astring: 1*ASTRING-CHAR / string. */
  astring(rule = "astring"): string {
    if (this.peek() === '"' || this.peek() === "{") return this.string(rule);
    return this.#run(isAstringChar, rule);
  }

  /** "(" item *(SP item) ")" with at least one item unless `mayBeEmpty`. */
  list<T>(item: () => T, options: { mayBeEmpty: boolean; rule: string }): T[] {
    if (!this.acceptExact("(")) this.fail(`"(" of ${options.rule}`);
    const items: T[] = [];
    if (this.acceptExact(")")) {
      if (!options.mayBeEmpty) this.fail(`empty ${options.rule}`);
      return items;
    }
    items.push(item());
    while (this.acceptExact(" ")) items.push(item());
    if (!this.acceptExact(")")) this.fail(`")" of ${options.rule}`);
    return items;
  }
}
