/**
 * ENVELOPE and BODY/BODYSTRUCTURE of the strict IMAP response checker
 * (RFC 3501 9), with the rules the ABNF leaves to prose (7.4.2): a group's
 * markers, body-fld-lines exactly for text/* and message/rfc822.
 */
import type { Scanner } from "./scanner.ts";

/** One address of an envelope list (RFC 3501 9 "address"). */
export interface Address {
  name: string | null;
  adl: string | null;
  mailbox: string | null;
  host: string | null;
}

/** A parsed ENVELOPE, fields in RFC order. */
export interface Envelope {
  date: string | null;
  subject: string | null;
  from: Address[] | null;
  sender: Address[] | null;
  replyTo: Address[] | null;
  to: Address[] | null;
  cc: Address[] | null;
  bcc: Address[] | null;
  inReplyTo: string | null;
  messageId: string | null;
}

/** Extension data of a part (BODYSTRUCTURE only). */
export interface BodyExtension {
  md5?: string | null;
  /** [type, params] or null. */
  disposition?: [string, [string, string][] | null] | null;
  language?: string | string[] | null;
  location?: string | null;
  more: unknown[];
}

/** A non-multipart body. */
export interface SinglePart {
  kind: "single";
  type: string;
  subtype: string;
  params: [string, string][] | null;
  id: string | null;
  description: string | null;
  encoding: string;
  octets: number;
  /** Present exactly for text/* and message/rfc822. */
  lines?: number;
  envelope?: Envelope;
  body?: Body;
  extension?: BodyExtension;
}

/** A multipart body. */
export interface MultiPart {
  kind: "multi";
  parts: Body[];
  subtype: string;
  params?: [string, string][] | null;
  extension?: BodyExtension;
}

export type Body = SinglePart | MultiPart;

/** address = "(" addr-name SP addr-adl SP addr-mailbox SP addr-host ")". */
function address(s: Scanner): Address {
  s.expect("(", '"(" of address');
  const name = s.nstring("addr-name");
  s.sp();
  const adl = s.nstring("addr-adl");
  s.sp();
  const mailbox = s.nstring("addr-mailbox");
  s.sp();
  const host = s.nstring("addr-host");
  s.expect(")", '")" of address');
  return { name, adl, mailbox, host };
}

/** "(" 1*address ")" / nil, with group markers balanced (RFC 3501 7.4.2). */
function addressList(s: Scanner, rule: string): Address[] | null {
  if (s.isNil()) return null;
  s.expect("(", `"(" of ${rule}`);
  const start = s.pos;
  const list: Address[] = [];
  while (s.peek() === "(") list.push(address(s));
  if (list.length === 0) s.fail(`${rule}: "(" 1*address ")" (an empty list is NIL)`);
  s.expect(")", `")" of ${rule}`);
  let depth = 0;
  for (const item of list) {
    if (item.host !== null) continue;
    // A NIL host marks a group: its start names it in the mailbox field, its end is all NIL.
    if (item.mailbox !== null) depth++;
    else if (item.name === null && item.adl === null) depth--;
    else s.fail(`${rule}: an address with NIL host is neither group start nor end`);
    if (depth < 0 || depth > 1) {
      s.pos = start;
      s.fail(`${rule}: unbalanced group markers`);
    }
  }
  if (depth !== 0) {
    s.pos = start;
    s.fail(`${rule}: a group is not closed`);
  }
  return list;
}

/** envelope = "(" env-date SP env-subject SP env-from ... SP env-message-id ")". */
export function envelope(s: Scanner): Envelope {
  s.expect("(", '"(" of envelope');
  const date = s.nstring("env-date");
  s.sp();
  const subject = s.nstring("env-subject");
  const lists: (Address[] | null)[] = [];
  for (const rule of ["env-from", "env-sender", "env-reply-to", "env-to", "env-cc", "env-bcc"]) {
    s.sp();
    lists.push(addressList(s, rule));
  }
  s.sp();
  const inReplyTo = s.nstring("env-in-reply-to");
  s.sp();
  const messageId = s.nstring("env-message-id");
  s.expect(")", '")" of envelope');
  const [from, sender, replyTo, to, cc, bcc] = lists as (Address[] | null)[];
  return {
    date,
    subject,
    from: from ?? null,
    sender: sender ?? null,
    replyTo: replyTo ?? null,
    to: to ?? null,
    cc: cc ?? null,
    bcc: bcc ?? null,
    inReplyTo,
    messageId,
  };
}

/** body-fld-param = "(" string SP string *(SP string SP string) ")" / nil. */
function params(s: Scanner): [string, string][] | null {
  if (s.isNil()) return null;
  const strings = s.list(() => s.string("body-fld-param string"), {
    mayBeEmpty: false,
    rule: "body-fld-param",
  });
  if (strings.length % 2 !== 0) s.fail("body-fld-param: attribute without a value");
  const pairs: [string, string][] = [];
  for (let i = 0; i < strings.length; i += 2) {
    pairs.push([strings[i] as string, strings[i + 1] as string]);
  }
  return pairs;
}

/** body-extension = nstring / number / "(" body-extension *(SP body-extension) ")". */
function bodyExtension(s: Scanner): unknown {
  if (s.peek() === "(") {
    return s.list(() => bodyExtension(s), { mayBeEmpty: false, rule: "body-extension" });
  }
  if (/[0-9]/.test(s.peek())) return s.number("body-extension number");
  return s.nstring("body-extension");
}

/** [SP body-fld-dsp [SP body-fld-lang [SP body-fld-loc *(SP body-extension)]]]. */
function extensionTail(s: Scanner, extension: BodyExtension): void {
  if (!s.acceptExact(" ")) return;
  if (s.isNil()) extension.disposition = null;
  else {
    s.expect("(", '"(" of body-fld-dsp');
    const type = s.string("body-fld-dsp type");
    s.sp();
    extension.disposition = [type, params(s)];
    s.expect(")", '")" of body-fld-dsp');
  }
  if (!s.acceptExact(" ")) return;
  extension.language = s.peek() === "("
    ? s.list(() => s.string("body-fld-lang"), { mayBeEmpty: false, rule: "body-fld-lang" })
    : s.nstring("body-fld-lang");
  if (!s.acceptExact(" ")) return;
  extension.location = s.nstring("body-fld-loc");
  while (s.acceptExact(" ")) extension.more.push(bodyExtension(s));
}

/** body = "(" (body-type-1part / body-type-mpart) ")". */
export function body(s: Scanner, options: { isExtensible: boolean }): Body {
  s.expect("(", '"(" of body');
  const result = s.peek() === "(" ? multipart(s, options) : singlePart(s, options);
  s.expect(")", '")" of body');
  return result;
}

function multipart(s: Scanner, options: { isExtensible: boolean }): MultiPart {
  const parts: Body[] = [];
  // body-type-mpart = 1*body SP media-subtype: the parts follow each other without SP.
  while (s.peek() === "(") parts.push(body(s, options));
  s.sp();
  const subtype = s.string("media-subtype");
  const result: MultiPart = { kind: "multi", parts, subtype };
  if (s.acceptExact(" ")) {
    if (!options.isExtensible) s.fail("extension data in BODY (only BODYSTRUCTURE has it)");
    result.params = params(s);
    result.extension = { more: [] };
    extensionTail(s, result.extension);
  }
  return result;
}

function singlePart(s: Scanner, options: { isExtensible: boolean }): SinglePart {
  const type = s.string("media-type");
  s.sp();
  const subtype = s.string("media-subtype");
  s.sp();
  const part: SinglePart = {
    kind: "single",
    type,
    subtype,
    params: params(s),
    id: null,
    description: null,
    encoding: "",
    octets: 0,
  };
  s.sp();
  part.id = s.nstring("body-fld-id");
  s.sp();
  part.description = s.nstring("body-fld-desc");
  s.sp();
  part.encoding = s.string("body-fld-enc");
  s.sp();
  part.octets = s.number("body-fld-octets");
  const upperType = type.toUpperCase();
  const needs = (rule: string) => s.acceptExact(" ") || s.fail(`SP ${rule}`);
  if (upperType === "MESSAGE" && subtype.toUpperCase() === "RFC822") {
    needs("envelope of message/rfc822");
    part.envelope = envelope(s);
    s.sp();
    part.body = body(s, options);
    s.sp();
    part.lines = s.number("body-fld-lines of message/rfc822");
  } else if (upperType === "TEXT") {
    needs("body-fld-lines of text/*");
    part.lines = s.number("body-fld-lines of text/*");
  }
  if (s.acceptExact(" ")) {
    if (!options.isExtensible) s.fail("extension data in BODY (only BODYSTRUCTURE has it)");
    part.extension = { md5: s.nstring("body-fld-md5"), more: [] };
    extensionTail(s, part.extension);
  }
  return part;
}
