/**
 * A strict checker of IMAP server responses: the formal syntax of RFC 3501
 * section 9 for greeting, continuation requests, untagged and tagged
 * responses, plus the extensions Pillarbox advertises (UIDPLUS codes, ID,
 * ENABLE, NAMESPACE, LIST-EXTENDED with CHILDREN and CHILDINFO, SORT, THREAD, ESEARCH). Real clients are lenient; this is not:
 * every response must parse whole, or `GrammarError` says where it did not.
 */
import { decodeModifiedUtf7 } from "./mutf7_check.ts";
import { type FetchAtt, flag, flagList, msgAtt } from "./fetch_data.ts";
import { Scanner } from "./scanner.ts";
import { threadData, type ThreadTree } from "./thread_data.ts";

export { GrammarError } from "./scanner.ts";
export type { FetchAtt } from "./fetch_data.ts";
export type { ThreadTree } from "./thread_data.ts";
export type { Address, Body, Envelope, MultiPart, SinglePart } from "./body.ts";

/** A resp-text-code, its arguments parsed where the RFCs give them a syntax. */
export type ResponseCode =
  | { name: "UIDNEXT" | "UIDVALIDITY" | "UNSEEN"; value: number }
  | { name: "PERMANENTFLAGS"; flags: string[] }
  | { name: "CAPABILITY"; capabilities: string[] }
  | { name: "APPENDUID"; uidValidity: number; uids: number[] }
  | { name: "COPYUID"; uidValidity: number; source: number[]; target: number[] }
  | { name: string; text?: string };

/** One whole response. */
export type Response =
  | { kind: "continue"; text: string }
  | { kind: "tagged"; tag: string; status: string; code: ResponseCode | null; text: string }
  | { kind: "condition"; status: string; code: ResponseCode | null; text: string }
  | { kind: "capability" | "enabled"; capabilities: string[] }
  | { kind: "flags"; flags: string[] }
  | {
    kind: "list" | "lsub";
    attributes: string[];
    delimiter: string | null;
    /** The name as sent, and decoded from modified UTF-7. */
    mailbox: string;
    decoded: string;
    extended: string | null;
  }
  | { kind: "search" | "sort"; numbers: number[] }
  | { kind: "thread"; threads: ThreadTree[] }
  | { kind: "esearch"; tag: string | null; isUid: boolean; data: [string, string][] }
  | { kind: "status"; mailbox: string; items: Record<string, number> }
  | { kind: "exists" | "recent" | "expunge"; number: number }
  | { kind: "fetch"; seq: number; atts: FetchAtt[] }
  | { kind: "namespace" | "id"; text: string };

/** Parses the server greeting: "*" SP (resp-cond-auth / resp-cond-bye) CRLF. */
export function parseGreeting(wire: string): Response {
  const s: Scanner = new Scanner(wire);
  s.expect("* ", '"* " of greeting');
  const status = ["OK", "PREAUTH", "BYE"].find((word) => s.accept(word + " "));
  if (status === undefined) s.fail("resp-cond-auth / resp-cond-bye");
  const response = { kind: "condition" as const, status, ...respText(s) };
  s.crlf();
  if (!s.atEnd()) s.fail("end of greeting");
  return response;
}

/** Parses one continue-req, response-data or response-tagged, CRLF included. */
export function parseResponse(wire: string): Response {
  const s: Scanner = new Scanner(wire);
  let response: Response;
  if (s.acceptExact("+")) {
    // continue-req = "+" SP (resp-text / base64) CRLF; base64 may be empty.
    s.sp();
    const text = s.peek() === "\r" ? "" : s.textExcept("", "resp-text / base64");
    response = { kind: "continue", text };
  } else if (s.acceptExact("* ")) {
    response = untagged(s);
  } else {
    const start = s.pos;
    while (!s.atEnd() && s.peek() !== " ") s.pos++;
    const tag = wire.slice(start, s.pos);
    if (!/^[^+(){ \x00-\x1f\x7f-\xff%*"\\]+$/.test(tag)) {
      s.pos = start;
      s.fail("tag");
    }
    s.sp();
    const status = ["OK", "NO", "BAD"].find((word) => s.accept(word + " "));
    if (status === undefined) s.fail("resp-cond-state");
    response = { kind: "tagged", tag, status, ...respText(s) };
  }
  s.crlf();
  if (!s.atEnd()) s.fail("end of response");
  return response;
}

function untagged(s: Scanner): Response {
  for (const status of ["OK", "NO", "BAD", "BYE"]) {
    if (s.accept(status + " ")) return { kind: "condition", status, ...respText(s) };
  }
  if (s.accept("CAPABILITY")) return { kind: "capability", capabilities: capabilityData(s) };
  if (s.accept("ENABLED")) {
    const capabilities: string[] = [];
    while (s.acceptExact(" ")) capabilities.push(s.atom("capability"));
    return { kind: "enabled", capabilities };
  }
  if (s.accept("FLAGS ")) return { kind: "flags", flags: flagList(s) };
  if (s.accept("LIST ")) return mailboxList(s, "list");
  if (s.accept("LSUB ")) return mailboxList(s, "lsub");
  if (s.accept("SEARCH")) {
    const numbers: number[] = [];
    while (s.acceptExact(" ")) numbers.push(s.nzNumber());
    return { kind: "search", numbers };
  }
  if (s.accept("ESEARCH")) return esearchData(s);
  // RFC 5256 4: sort-data = "SORT" *(SP nz-number).
  if (s.accept("SORT")) {
    const numbers: number[] = [];
    while (s.acceptExact(" ")) numbers.push(s.nzNumber());
    return { kind: "sort", numbers };
  }
  if (s.accept("THREAD")) return { kind: "thread", threads: threadData(s) };
  if (s.accept("STATUS ")) return statusData(s);
  if (s.accept("NAMESPACE ")) return { kind: "namespace", text: namespaceData(s) };
  if (s.accept("ID ")) return { kind: "id", text: idData(s) };
  const start = s.pos;
  const number = s.number();
  s.sp();
  if (s.accept("EXISTS")) return { kind: "exists", number };
  if (s.accept("RECENT")) return { kind: "recent", number };
  if (number === 0) {
    s.pos = start;
    s.fail("nz-number of EXPUNGE/FETCH");
  }
  if (s.accept("EXPUNGE")) return { kind: "expunge", number };
  s.expect("FETCH ", '"FETCH" SP');
  return { kind: "fetch", seq: number, atts: msgAtt(s) };
}

/**
 * RFC 4731 3: esearch-response = "ESEARCH" [search-correlator] [SP "UID"]
 * *(SP search-return-data); search-correlator = SP "(" "TAG" SP tag-string ")";
 * MIN and MAX take an nz-number, COUNT a number, ALL a sequence-set (no "*").
 */
function esearchData(s: Scanner): Response {
  let tag: string | null = null;
  if (s.acceptExact(" (")) {
    s.expect("TAG ", '"TAG" SP of search-correlator');
    tag = s.string("tag-string");
    s.expect(")", '")" of search-correlator');
  }
  const isUid = s.accept(" UID");
  const data: [string, string][] = [];
  while (s.acceptExact(" ")) {
    const name = ["MIN", "MAX", "COUNT", "ALL"].find((word) => s.accept(word + " "));
    if (name === undefined) s.fail("search-return-data");
    if (name === "ALL") {
      const start = s.pos;
      do {
        s.nzNumber("seq-number");
        if (s.acceptExact(":")) s.nzNumber("seq-number");
      } while (s.acceptExact(","));
      data.push([name, s.input.slice(start, s.pos)]);
    } else {
      data.push([name, String(name === "COUNT" ? s.number() : s.nzNumber())]);
    }
  }
  return { kind: "esearch", tag, isUid, data };
}

/** resp-text = ["[" resp-text-code "]" SP] text. */
function respText(s: Scanner): { code: ResponseCode | null; text: string } {
  let code: ResponseCode | null = null;
  if (s.acceptExact("[")) {
    code = respTextCode(s);
    s.expect("]", '"]" of resp-text-code');
    s.sp();
  }
  return { code, text: s.text() };
}

function respTextCode(s: Scanner): ResponseCode {
  const name = s.atom("resp-text-code").toUpperCase();
  switch (name) {
    case "UIDNEXT":
    case "UIDVALIDITY":
    case "UNSEEN":
      s.sp();
      return { name, value: s.nzNumber(name) };
    case "PERMANENTFLAGS":
      s.sp();
      return { name, flags: flagList(s, { mayBeWildcard: true }) };
    case "CAPABILITY":
      return { name, capabilities: capabilityData(s) };
    case "APPENDUID": {
      s.sp();
      const uidValidity = s.nzNumber("APPENDUID uidvalidity");
      s.sp();
      return { name, uidValidity, uids: uidSet(s) };
    }
    case "COPYUID": {
      s.sp();
      const uidValidity = s.nzNumber("COPYUID uidvalidity");
      s.sp();
      const source = uidSet(s);
      s.sp();
      const target = uidSet(s);
      if (source.length !== target.length) s.fail("COPYUID sets of different sizes");
      return { name, uidValidity, source, target };
    }
    case "ALERT":
    case "PARSE":
    case "READ-ONLY":
    case "READ-WRITE":
    case "TRYCREATE":
    case "UIDNOTSTICKY":
    case "CLOSED":
      return { name };
    case "BADCHARSET":
      if (s.acceptExact(" ")) {
        s.list(() => s.astring("charset"), { mayBeEmpty: false, rule: "BADCHARSET list" });
      }
      return { name };
  }
  // atom [SP 1*<any TEXT-CHAR except "]">]
  const text = s.acceptExact(" ") ? s.textExcept("]", "resp-text-code text") : undefined;
  return { name, text };
}

/** capability-data = "CAPABILITY" *(SP capability) SP "IMAP4rev1" *(SP capability). */
function capabilityData(s: Scanner): string[] {
  const capabilities: string[] = [];
  while (s.acceptExact(" ")) capabilities.push(s.atom("capability"));
  if (!capabilities.some((name) => name.toUpperCase() === "IMAP4REV1")) {
    s.fail("capability-data without IMAP4rev1");
  }
  return capabilities;
}

/** uid-set = (uniqueid / uid-range) *("," uid-set), expanded in order (RFC 4315). */
function uidSet(s: Scanner): number[] {
  const uids: number[] = [];
  do {
    const first = s.nzNumber("uniqueid");
    const last = s.acceptExact(":") ? s.nzNumber("uniqueid") : first;
    const step = last >= first ? 1 : -1;
    if (Math.abs(last - first) > 100_000) s.fail("uid-range too large to check");
    for (let uid = first; uid !== last + step; uid += step) uids.push(uid);
  } while (s.acceptExact(","));
  return uids;
}

/** mailbox = "INBOX" / astring, in modified UTF-7. */
function mailbox(s: Scanner): { mailbox: string; decoded: string } {
  const start = s.pos;
  const name = s.astring("mailbox");
  const decoded = decodeModifiedUtf7(name);
  if (typeof decoded !== "string") {
    s.pos = start;
    s.fail(`mailbox name not modified UTF-7: ${decoded.problem}`);
  }
  return { mailbox: name, decoded };
}

/** mailbox-list = "(" [mbx-list-flags] ")" SP (DQUOTE QUOTED-CHAR DQUOTE / nil) SP mailbox. */
function mailboxList(s: Scanner, kind: "list" | "lsub"): Response {
  const attributes = s.list(() => "\\" + (s.acceptExact("\\") ? s.atom() : s.fail("\\ of flag")), {
    mayBeEmpty: true,
    rule: "mbx-list-flags",
  });
  const upper = attributes.map((name) => name.toUpperCase());
  // RFC 5258 6: mbx-list-sflag =/ "\NonExistent"; at most one sflag (RFC 3501 9).
  const selectFlags = upper.filter((name) =>
    ["\\NOSELECT", "\\MARKED", "\\UNMARKED", "\\NONEXISTENT"].includes(name)
  );
  if (selectFlags.length > 1) s.fail("mbx-list-flags with more than one mbx-list-sflag");
  // RFC 5258 4: both child flags is an error; \NoInferiors implies \HasNoChildren.
  if (upper.includes("\\HASCHILDREN")) {
    if (upper.includes("\\HASNOCHILDREN")) s.fail("both \\HasChildren and \\HasNoChildren");
    if (upper.includes("\\NOINFERIORS")) s.fail("\\HasChildren with \\NoInferiors");
  }
  s.sp();
  let delimiter: string | null = null;
  if (!s.isNil()) {
    delimiter = s.quoted();
    if (delimiter.length !== 1) s.fail("delimiter of one QUOTED-CHAR");
  }
  s.sp();
  const name = mailbox(s);
  let extended: string | null = null;
  if (s.acceptExact(" ")) {
    // mbox-list-extended (RFC 5258): "(" [item *(SP item)] ")", item = tag SP tagged-ext-val.
    const start = s.pos;
    s.list(() => {
      const tag = s.astring("mbox-list-extended-item-tag");
      s.sp();
      if (tag.toUpperCase() === "CHILDINFO") childInfo(s);
      else taggedExtVal(s);
    }, { mayBeEmpty: true, rule: "mbox-list-extended" });
    extended = s.input.slice(start, s.pos);
  }
  return { kind, attributes, delimiter, ...name, extended };
}

/**
 * childinfo-extended-item's value (RFC 5258 6): "(" list-select-base-opt-quoted
 * *(SP list-select-base-opt-quoted) ")", each a quoted "SUBSCRIBED" or other option name.
 */
function childInfo(s: Scanner): void {
  s.list(() => {
    if (s.peek() !== '"') s.fail("list-select-base-opt-quoted");
    const option = s.quoted();
    if (!/^[A-Za-z0-9.-]+$/.test(option)) s.fail("CHILDINFO selection option");
  }, { mayBeEmpty: false, rule: "CHILDINFO" });
}

/** tagged-ext-val = tagged-ext-simple / "(" [tagged-ext-comp] ")" (RFC 4466). */
function taggedExtVal(s: Scanner): void {
  const comp = (): void => {
    if (s.peek() === "(") {
      s.list(comp, { mayBeEmpty: false, rule: "tagged-ext-comp" });
    } else s.astring("tagged-ext-comp");
  };
  if (s.peek() === "(") s.list(comp, { mayBeEmpty: true, rule: "tagged-ext-val" });
  else s.atom("tagged-ext-simple");
}

/** "STATUS" SP mailbox SP "(" [status-att-list] ")" (RFC 3501 9 with RFC 4466's values). */
function statusData(s: Scanner): Response {
  const { mailbox: name } = mailbox(s);
  s.sp();
  const items: Record<string, number> = {};
  s.list(() => {
    const item = s.atom("status-att").toUpperCase();
    s.sp();
    if (item in items) s.fail(`status-att ${item} twice`);
    items[item] = item === "UIDNEXT" || item === "UIDVALIDITY" ? s.nzNumber(item) : s.number(item);
  }, { mayBeEmpty: true, rule: "status-att-list" });
  return { kind: "status", mailbox: name, items };
}

/** Namespace = nil / "(" 1*( "(" string SP (DQUOTE QUOTED-CHAR DQUOTE / nil) ")" ) ")" (RFC 2342). */
function namespaceData(s: Scanner): string {
  const start = s.pos;
  for (let i = 0; i < 3; i++) {
    if (i > 0) s.sp();
    if (s.isNil()) continue;
    s.expect("(");
    do {
      s.expect("(");
      s.string("namespace prefix");
      s.sp();
      if (!s.isNil() && s.quoted().length !== 1) s.fail("namespace delimiter");
      s.expect(")");
    } while (s.peek() === "(");
    s.expect(")");
  }
  return s.input.slice(start, s.pos);
}

/** id-params-list = "(" [string SP nstring *(SP string SP nstring)] ")" / nil (RFC 2971). */
function idData(s: Scanner): string {
  const start = s.pos;
  if (!s.isNil()) {
    // A field is a string, its value an nstring.
    let count = 0;
    s.list(() => count++ % 2 === 0 ? s.string("id field") : s.nstring("id value"), {
      mayBeEmpty: true,
      rule: "id params",
    });
    if (count % 2 !== 0) s.fail("id-params-list pairs");
  }
  return s.input.slice(start, s.pos);
}

/** A flag alone, for tests that check what STORE may take. */
export function parseFlag(text: string): string {
  const s = new Scanner(text);
  const result = flag(s, { mayBeWildcard: false });
  if (!s.atEnd()) s.fail("end of flag");
  return result;
}
