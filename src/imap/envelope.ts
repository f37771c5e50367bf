/**
 * ENVELOPE (RFC 3501 7.4.2): date, subject, the address lists, In-Reply-To
 * and Message-ID from a header section, values as sent. Sender and
 * Reply-To default to From when absent or empty. Addresses are split by a
 * small RFC 5322 parser that knows display names, angle addresses, groups
 * and comments.
 */
import { headerValue } from "../mail/mod.ts";
import { nstring, parenList } from "./wire_format.ts";

/** One address: display name, local part and domain (null when absent). */
export interface EnvelopeAddress {
  name: string | null;
  mailbox: string | null;
  host: string | null;
}

/** A parsed address list; a group is marked by its start and end entries. */
export type AddressItem = EnvelopeAddress | { groupStart: string } | { groupEnd: true };

/** Formats the ENVELOPE of a header section. */
export function formatEnvelope(header: string): string {
  const value = (name: string) => headerValue(header, name);
  const addresses = (name: string) => {
    const raw = value(name);
    return raw === null ? null : parseAddressList(raw);
  };
  const from = addresses("from");
  // "absent ... or present but empty": From stands in (RFC 3501 7.4.2).
  const orFrom = (items: AddressItem[] | null) =>
    items === null || items.length === 0 ? from : items;
  const sender = orFrom(addresses("sender"));
  const replyTo = orFrom(addresses("reply-to"));
  return parenList([
    nstring(value("date")),
    nstring(value("subject")),
    formatAddresses(from),
    formatAddresses(sender),
    formatAddresses(replyTo),
    formatAddresses(addresses("to")),
    formatAddresses(addresses("cc")),
    formatAddresses(addresses("bcc")),
    nstring(value("in-reply-to")),
    nstring(value("message-id")),
  ]);
}

/** What ENVELOPE says for an address without a local part or without a domain. */
const MISSING_MAILBOX = "MISSING_MAILBOX";
const MISSING_DOMAIN = "MISSING_DOMAIN";

function formatAddresses(items: AddressItem[] | null): string {
  if (items === null || items.length === 0) return "NIL";
  // RFC 3501 9: "(" 1*address ")", addresses without separators.
  return "(" + items.map((item) => {
    if ("groupStart" in item) return `(NIL NIL ${nstring(item.groupStart)} NIL)`;
    if ("groupEnd" in item) return "(NIL NIL NIL NIL)";
    // A NIL host marks a group (RFC 3501 7.4.2): an address missing its parts gets
    // placeholders instead (Dovecot's spelling, which clients already know).
    const mailbox = nstring(item.mailbox ?? MISSING_MAILBOX);
    return `(${nstring(item.name)} NIL ${mailbox} ${nstring(item.host ?? MISSING_DOMAIN)})`;
  }).join("") + ")";
}

type Token = { kind: "word" | "quoted" | "special"; text: string };

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const char = text[i] as string;
    if (/\s/.test(char)) i++;
    else if (char === "(") {
      let depth = 0;
      for (; i < text.length; i++) {
        if (text[i] === "\\") i++;
        else if (text[i] === "(") depth++;
        else if (text[i] === ")" && --depth === 0) break;
      }
      i++;
    } else if (char === '"') {
      let value = "";
      i++;
      while (i < text.length && text[i] !== '"') {
        if (text[i] === "\\") i++;
        value += text[i] ?? "";
        i++;
      }
      i++;
      tokens.push({ kind: "quoted", text: value });
    } else if ("<>@,;:".includes(char)) {
      tokens.push({ kind: "special", text: char });
      i++;
    } else if (char === ")") {
      // A ")" without its "(" ends no comment and starts no word: skipped, as a word stops
      // at it and an empty word here never moved on (the loop filled the heap and the
      // process died).
      i++;
    } else {
      const start = i;
      while (i < text.length && !/[\s()<>@,;:"]/.test(text[i] as string)) i++;
      tokens.push({ kind: "word", text: text.slice(start, i) });
    }
  }
  return tokens;
}

/** Parses an address list header value. */
export function parseAddressList(text: string): AddressItem[] {
  const tokens = tokenize(text);
  const items: AddressItem[] = [];
  let phrase: string[] = [];
  let i = 0;
  let isInGroup = false;
  const take = (): Token | undefined => tokens[i++];
  while (i < tokens.length) {
    const token = take() as Token;
    if (token.kind === "special" && token.text === ":" && !isInGroup) {
      items.push({ groupStart: phrase.join(" ") });
      phrase = [];
      isInGroup = true;
    } else if (token.kind === "special" && token.text === "<") {
      const spec: string[] = [];
      while (i < tokens.length && tokens[i]?.text !== ">") spec.push((take() as Token).text);
      take();
      items.push(splitSpec(spec.join("").replace(/^@[^:]*:/, ""), phrase));
      phrase = [];
    } else if (token.kind === "special" && (token.text === "," || token.text === ";")) {
      if (phrase.length > 0) items.push(splitSpec(phrase.join(""), []));
      phrase = [];
      if (token.text === ";" && isInGroup) {
        items.push({ groupEnd: true });
        isInGroup = false;
      }
    } else if (token.kind === "special" && token.text === "@") {
      phrase.push("@");
    } else {
      phrase.push(token.text);
    }
  }
  if (phrase.length > 0) items.push(splitSpec(phrase.join(""), []));
  if (isInGroup) items.push({ groupEnd: true });
  return items;
}

function splitSpec(spec: string, phrase: string[]): EnvelopeAddress {
  const at = spec.lastIndexOf("@");
  const name = phrase.length > 0 ? phrase.join(" ") : null;
  if (at < 0) return { name, mailbox: spec === "" ? null : spec, host: null };
  return { name, mailbox: spec.slice(0, at), host: spec.slice(at + 1) };
}
