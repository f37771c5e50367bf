/**
 * RFC 5322 3.4 address lists as found in To, Cc, Bcc, From and Sender:
 * display names, angle addresses, groups, comments (nested), quoted strings,
 * domain literals and obsolete routes. Pure: text in, mailboxes out.
 *
 * Only the addresses matter to us (the envelope of a locally submitted
 * message): display names are read past and not kept. (IMAP's ENVELOPE
 * reads names with its own parser, `imap/envelope.ts`.)
 */
import { parseMailbox } from "./address.ts";

/** One mailbox of an address list. */
export interface ListedMailbox {
  /** `local@domain`, canonical as RFC 5321 writes it (see `parseMailbox`). */
  readonly address: string;
}

/** A token and the offset just after it in the text (where a missing "@domain" goes). */
type Token =
  | { kind: "word"; text: string; isQuoted: boolean; end: number }
  | { kind: "literal"; text: string; end: number }
  | { kind: "special"; text: string; end: number };

const SPECIALS = '()<>[]:;@\\,."';

/** Splits a header value into tokens; comments and whitespace are dropped. */
function tokenize(text: string): Token[] | { error: string } {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i] as string;
    if (/[ \t\r\n]/.test(ch)) {
      i++;
    } else if (ch === "(") {
      let depth = 0;
      for (; i < text.length; i++) {
        const c = text[i];
        if (c === "\\") i++;
        else if (c === "(") depth++;
        else if (c === ")" && --depth === 0) break;
      }
      if (depth !== 0) return { error: "unterminated comment" };
      i++;
    } else if (ch === '"') {
      let value = "";
      i++;
      while (i < text.length && text[i] !== '"') {
        if (text[i] === "\\") i++;
        if (text[i] !== "\r" && text[i] !== "\n") value += text[i] ?? "";
        i++;
      }
      if (i >= text.length) return { error: "unterminated quoted string" };
      i++;
      tokens.push({ kind: "word", text: value, isQuoted: true, end: i });
    } else if (ch === "[") {
      const end = text.indexOf("]", i);
      if (end < 0) return { error: "unterminated domain literal" };
      tokens.push({
        kind: "literal",
        text: text.slice(i, end + 1).replace(/\s+/g, ""),
        end: end + 1,
      });
      i = end + 1;
    } else if (SPECIALS.includes(ch)) {
      tokens.push({ kind: "special", text: ch, end: i + 1 });
      i++;
    } else {
      let end = i;
      while (end < text.length && !/[ \t\r\n]/.test(text[end] as string)) {
        if (SPECIALS.includes(text[end] as string)) break;
        end++;
      }
      tokens.push({ kind: "word", text: text.slice(i, end), isQuoted: false, end });
      i = end;
    }
  }
  return tokens;
}

class ListParser {
  #pos = 0;
  readonly out: ListedMailbox[] = [];
  /** Offsets where a local part without a domain ends (see qualifyAddressList). */
  readonly unqualifiedEnds: number[] = [];

  constructor(readonly tokens: Token[], readonly defaultDomain: string | undefined) {}

  #peek(): Token | undefined {
    return this.tokens[this.#pos];
  }

  #isSpecial(text: string): boolean {
    const token = this.#peek();
    return token?.kind === "special" && token.text === text;
  }

  #expect(text: string): void {
    if (!this.#isSpecial(text)) throw new Error(`expected "${text}"`);
    this.#pos++;
  }

  /** Words and dots up to the next other special (a phrase or a local part). */
  #phrase(): Token[] {
    const words: Token[] = [];
    for (let token = this.#peek(); token; token = this.#peek()) {
      if (token.kind === "word" || (token.kind === "special" && token.text === ".")) {
        words.push(token);
        this.#pos++;
      } else break;
    }
    return words;
  }

  parseList(inGroup: boolean): void {
    while (this.#pos < this.tokens.length) {
      if (this.#isSpecial(",")) {
        this.#pos++;
        continue;
      }
      if (inGroup && this.#isSpecial(";")) return;
      this.#address(inGroup);
      if (this.#pos < this.tokens.length && !this.#isSpecial(",")) {
        if (inGroup && this.#isSpecial(";")) return;
        throw new Error(`unexpected "${this.#peek()?.text}"`);
      }
    }
    if (inGroup) throw new Error('group without ";"');
  }

  #address(inGroup: boolean): void {
    const phrase = this.#phrase();
    const next = this.#peek();
    if (next?.kind === "special" && next.text === "<") {
      this.#pos++;
      this.#skipRoute();
      const local = this.#phrase();
      const address = this.#addrSpec(local);
      this.#expect(">");
      this.#push(address);
    } else if (next?.kind === "special" && next.text === ":") {
      if (inGroup) throw new Error("group inside a group");
      this.#pos++;
      this.parseList(true);
      this.#expect(";");
    } else if (phrase.length === 0) {
      throw new Error(`unexpected "${next?.text ?? "end"}"`);
    } else {
      this.#push(this.#addrSpec(phrase));
    }
  }

  /** Obsolete source route "@a,@b:" inside angle brackets: dropped. */
  #skipRoute(): void {
    if (!this.#isSpecial("@")) return;
    while (this.#pos < this.tokens.length && !this.#isSpecial(":")) this.#pos++;
    this.#expect(":");
  }

  #addrSpec(localTokens: Token[]): string {
    if (localTokens.length === 0) throw new Error("missing local part");
    if (!isDotted(localTokens)) throw new Error("words without a dot between them in an address");
    // Quoted words joined by dots (obsolete, RFC 5322 4.4) mean their contents so joined:
    // '"bob".smith' is bob.smith, one quoted string when it needs quotes (parseMailbox
    // unquotes what does not).
    const isQuoted = localTokens.some((token) => token.kind === "word" && token.isQuoted);
    const text = localTokens.map((token) => token.text).join("");
    const local = isQuoted ? `"${text.replace(/(["\\])/g, "\\$1")}"` : text;
    if (!this.#isSpecial("@")) {
      if (this.defaultDomain === undefined) throw new Error(`"${local}" has no domain`);
      this.unqualifiedEnds.push(localTokens[localTokens.length - 1]!.end);
      return `${local}@${this.defaultDomain}`;
    }
    this.#pos++;
    const literal = this.#peek();
    if (literal?.kind === "literal") {
      this.#pos++;
      return `${local}@${literal.text}`;
    }
    const domain = this.#phrase();
    if (
      domain.length === 0 || !isDotted(domain) ||
      domain.some((token) => token.kind === "word" && token.isQuoted)
    ) {
      throw new Error(`bad domain after "${local}@"`);
    }
    return `${local}@${domain.map((token) => token.text).join("")}`;
  }

  #push(text: string): void {
    const mailbox = parseMailbox(text);
    if ("error" in mailbox) throw new Error(`"${text}": ${mailbox.error}`);
    this.out.push({ address: mailbox.address });
  }
}

/**
 * Whether `tokens` are words with one dot between each two: a local part or
 * domain, comments and white space around the dots allowed (obsolete syntax,
 * RFC 5322 4.4). Two words side by side ("Bob Smith bob@x") are no address.
 */
function isDotted(tokens: readonly Token[]): boolean {
  for (let i = 1; i < tokens.length; i++) {
    if ((tokens[i - 1]!.kind === "word") === (tokens[i]!.kind === "word")) return false;
  }
  return true;
}

/**
 * Parses an address list (a header's unfolded or folded value). Addresses
 * without a domain get `defaultDomain` when given (as sendmail qualifies a
 * bare "root"), else they are an error. An empty list gives no mailboxes.
 */
export function parseAddressList(
  text: string,
  options: { defaultDomain?: string } = {},
): ListedMailbox[] | { error: string } {
  const tokens = tokenize(text);
  if ("error" in tokens) return tokens;
  const parser = new ListParser(tokens, options.defaultDomain);
  try {
    parser.parseList(false);
  } catch (error) {
    return { error: error instanceof Error ? error.message : String(error) };
  }
  return parser.out;
}

/**
 * `text` (an address list header's value) with `@defaultDomain` written
 * after each address that has no domain ("root (Cron Daemon)" becomes
 * "root@example.com (Cron Daemon)"), as the envelope takes them: RFC 5322
 * 3.4.1 has no address without a domain. Everything else stays as written,
 * byte for byte (a latin1 view works: every special is ASCII). Null when
 * nothing is to be written or the list cannot be parsed.
 */
export function qualifyAddressList(text: string, defaultDomain: string): string | null {
  const tokens = tokenize(text);
  if ("error" in tokens) return null;
  const parser = new ListParser(tokens, defaultDomain);
  try {
    parser.parseList(false);
  } catch {
    return null;
  }
  if (parser.unqualifiedEnds.length === 0) return null;
  let out = "";
  let from = 0;
  for (const end of parser.unqualifiedEnds) {
    out += `${text.slice(from, end)}@${defaultDomain}`;
    from = end;
  }
  return out + text.slice(from);
}
