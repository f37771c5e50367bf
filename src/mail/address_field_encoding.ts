/**
 * Making an address field (From, To, Cc, ...) 7-bit (RFC 5322 3.4,
 * RFC 2047 5). Display names and group names with 8-bit text become
 * encoded words (a whole phrase at a time); 8-bit comments become encoded
 * words inside the parentheses; an internationalized domain becomes its
 * A-labels (IDNA, the same name). An 8-bit local part has no 7-bit form:
 * that is an error, never a guess. Pure; binary strings in and out.
 */
import { Buffer } from "node:buffer";
import { domainToASCII } from "node:url";
import { encodeWords, type FieldPiece } from "./encoded_word_writer.ts";

type Kind = "space" | "comment" | "quoted" | "literal" | "special" | "atom";
interface Token {
  kind: Kind;
  text: string;
}

const SPECIALS = "<>@,;:.";
const HAS_8BIT = /[\x80-\xff]/;

/** Thrown when a field cannot be made 7-bit without changing what it means. */
export class HeaderEncodingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "HeaderEncodingError";
  }
}

function tokenize(value: string, field: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < value.length) {
    const ch = value[i] as string;
    let end = i + 1;
    let kind: Kind;
    if (ch === " " || ch === "\t") {
      kind = "space";
      while (end < value.length && /[ \t]/.test(value[end] as string)) end++;
    } else if (ch === "(" || ch === '"' || ch === "[") {
      kind = ch === "(" ? "comment" : ch === '"' ? "quoted" : "literal";
      const close = ch === "(" ? ")" : ch === '"' ? '"' : "]";
      let depth = 1;
      for (; end < value.length && depth > 0; end++) {
        const c = value[end];
        if (c === "\\") end++;
        else if (c === close) depth--;
        else if (ch === "(" && c === "(") depth++;
      }
      if (depth > 0) throw new HeaderEncodingError(`${field}: unterminated ${kind}`);
    } else if (SPECIALS.includes(ch)) {
      kind = "special";
    } else {
      kind = "atom";
      while (end < value.length && !/[ \t()"[<>@,;:.]/.test(value[end] as string)) end++;
    }
    tokens.push({ kind, text: value.slice(i, end) });
    i = end;
  }
  return tokens;
}

/** The text a phrase stands for: quoted strings unquoted, words one space apart. */
function phraseText(tokens: Token[]): string {
  let out = "";
  for (const token of tokens) {
    if (token.kind === "quoted") out += token.text.slice(1, -1).replace(/\\(.)/g, "$1");
    else if (token.kind === "atom" || token.kind === "special") out += token.text;
    else if (token.kind === "space" && out !== "") out += " ";
  }
  return out.trim();
}

function commentPieces(token: Token): FieldPiece[] {
  const inner = token.text.slice(1, -1).replace(/\\(.)/g, "$1");
  const words = encodeWords(inner);
  return words.map((word, i) => ({
    space: i === 0 ? "" : " ",
    text: (i === 0 ? "(" : "") + word + (i === words.length - 1 ? ")" : ""),
  }));
}

function asciiDomain(binary: string, field: string): string {
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(Buffer.from(binary, "latin1"));
  } catch {
    throw new HeaderEncodingError(`${field}: a domain is not valid UTF-8`);
  }
  const ascii = domainToASCII(text);
  if (ascii === "") throw new HeaderEncodingError(`${field}: "${text}" is not a valid domain`);
  return ascii;
}

/**
 * The pieces of a 7-bit form of the address field `value` (unfolded).
 * Throws `HeaderEncodingError` when it cannot be done safely.
 */
export function encodeAddressField(value: string, field: string): FieldPiece[] {
  const tokens = tokenize(value, field);
  const pieces: FieldPiece[] = [];
  let space = "";
  const push = (text: string) => {
    pieces.push({ space, text });
    space = "";
  };
  let isInAngle = false;
  let isAfterAt = false;
  let i = 0;
  while (i < tokens.length) {
    const token = tokens[i] as Token;
    if (token.kind === "special") {
      if (token.text === "<") isInAngle = true;
      else if (token.text === ">") isInAngle = false;
      if (token.text === "@") isAfterAt = true;
      else if (token.text !== ".") isAfterAt = false;
      push(token.text);
      i++;
      continue;
    }
    // A run of words, dots, spaces and comments up to the next other special.
    let end = i;
    while (end < tokens.length) {
      const t = tokens[end] as Token;
      if (t.kind === "special" && t.text !== ".") break;
      end++;
    }
    const run = tokens.slice(i, end);
    const next = tokens[end]?.text;
    const isPhrase = !isInAngle && !isAfterAt && (next === "<" || next === ":");
    const words = run.filter((t) => t.kind !== "space" && t.kind !== "comment");
    const isWords8bit = words.some((t) => HAS_8BIT.test(t.text));
    if (isPhrase && isWords8bit) {
      const lead = run[0]?.kind === "space" ? run[0].text : "";
      space += lead;
      encodeWords(phraseText(run)).forEach((word, n) => {
        if (n > 0) space = " ";
        push(word);
      });
      for (const comment of run.filter((t) => t.kind === "comment")) {
        const encoded = HAS_8BIT.test(comment.text)
          ? commentPieces(comment)
          : [{ space: "", text: comment.text }];
        encoded.forEach((piece, n) =>
          pieces.push({ ...piece, space: n === 0 ? " " : piece.space })
        );
      }
      if (run.at(-1)?.kind === "space") space = run.at(-1)!.text;
      i = end;
      continue;
    }
    if (isWords8bit && !isAfterAt) {
      throw new HeaderEncodingError(`${field}: an address has an 8-bit local part`);
    }
    const domain = isWords8bit ? asciiDomain(domainText(words, field), field) : null;
    for (const t of run) {
      if (t.kind === "space") space += t.text;
      else if (t.kind === "comment" && HAS_8BIT.test(t.text)) {
        for (const piece of commentPieces(t)) {
          pieces.push({ space: space + piece.space, text: piece.text });
          space = "";
        }
      } else if (t.kind === "comment" || domain === null) push(t.text);
      else if (t === words[0]) push(domain);
    }
    i = end;
  }
  if (space !== "") pieces.push({ space, text: "" });
  return pieces;
}

/** The domain written by `words` (atoms and dots only; a literal or quoted string with 8-bit is refused). */
function domainText(words: Token[], field: string): string {
  if (words.some((t) => t.kind !== "atom" && t.kind !== "special")) {
    throw new HeaderEncodingError(`${field}: an 8-bit domain literal`);
  }
  return words.map((t) => t.text).join("");
}
