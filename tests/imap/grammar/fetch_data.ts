/**
 * msg-att of the strict IMAP response checker (RFC 3501 9): every FETCH
 * data item, INTERNALDATE's exact date-time, BODY[section]<origin> with its
 * literal, flags.
 */
import { type Body, body, type Envelope, envelope } from "./body.ts";
import type { Scanner } from "./scanner.ts";

/** One FETCH data item: its name as sent (uppercased) and its value. */
export type FetchAtt =
  | { name: "FLAGS"; value: string[] }
  | { name: "UID" | "RFC822.SIZE"; value: number }
  | { name: "INTERNALDATE"; value: string }
  | { name: "ENVELOPE"; value: Envelope }
  | { name: "BODY" | "BODYSTRUCTURE"; value: Body }
  | { name: "RFC822" | "RFC822.HEADER" | "RFC822.TEXT"; value: string | null }
  /** BODY[section]<origin>: `name` is e.g. "BODY[1.MIME]<0>" as sent, uppercased. */
  | { name: string; section: string; origin: number | null; value: string | null };

/** flag = "\" atom / atom (flag-keyword, flag-extension and the system flags alike). */
export function flag(s: Scanner, options: { mayBeWildcard: boolean }): string {
  if (s.acceptExact("\\")) {
    if (options.mayBeWildcard && s.acceptExact("*")) return "\\*";
    return "\\" + s.atom("flag after \\");
  }
  return s.atom("flag-keyword");
}

/** "(" [flag *(SP flag)] ")". */
export function flagList(s: Scanner, options = { mayBeWildcard: false }): string[] {
  return s.list(() => flag(s, options), { mayBeEmpty: true, rule: "flag-list" });
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/**
 * date-time = DQUOTE date-day-fixed "-" date-month "-" date-year SP time SP zone DQUOTE,
 * checked as a real date too.
 */
function dateTime(s: Scanner): string {
  const text = s.peek(28);
  const match =
    /^"([ 0-9][0-9])-([A-Za-z]{3})-([0-9]{4}) ([0-9]{2}):([0-9]{2}):([0-9]{2}) [+-][0-9]{4}"$/
      .exec(text);
  if (match === null) s.fail("date-time");
  const [day, month, year, hour, minute, second] = match.slice(1) as string[];
  const monthIndex = MONTHS.findIndex((name) => name.toUpperCase() === month!.toUpperCase());
  const dayNumber = Number(day!.trim());
  const daysInMonth = new Date(Date.UTC(Number(year), monthIndex + 1, 0)).getUTCDate();
  if (monthIndex < 0) s.fail("date-month");
  if (dayNumber < 1 || dayNumber > daysInMonth) s.fail("date-day-fixed out of its month");
  if (Number(hour) > 23 || Number(minute) > 59 || Number(second) > 60) s.fail("time");
  s.pos += 28;
  return text.slice(1, -1);
}

/** section-spec between the brackets, as text (header-list names checked as astrings). */
function section(s: Scanner): string {
  const start = s.pos;
  s.expect("[", '"[" of section');
  if (s.acceptExact("]")) return "";
  const msgtext = () => {
    if (s.accept("HEADER.FIELDS")) {
      s.accept(".NOT");
      s.sp();
      s.list(() => s.astring("header-fld-name"), { mayBeEmpty: false, rule: "header-list" });
    } else if (!s.accept("HEADER") && !s.accept("TEXT")) s.fail("section-msgtext");
  };
  if (/[1-9]/.test(s.peek())) {
    s.nzNumber("section-part");
    while (s.peek() === "." && /[1-9]/.test(s.peek(2).slice(1))) {
      s.pos++;
      s.nzNumber("section-part");
    }
    if (s.acceptExact(".")) {
      if (!s.accept("MIME")) msgtext();
    }
  } else msgtext();
  s.expect("]", '"]" of section');
  return s.input.slice(start + 1, s.pos - 1);
}

/** One msg-att-dynamic or msg-att-static. */
function fetchAtt(s: Scanner): FetchAtt {
  const simple = (name: string) => s.accept(name) && (s.peek() === " " || s.fail(name));
  if (s.accept("FLAGS ")) return { name: "FLAGS", value: flagList(s) };
  if (s.accept("UID ")) return { name: "UID", value: s.nzNumber("uniqueid") };
  if (s.accept("RFC822.SIZE ")) return { name: "RFC822.SIZE", value: s.number() };
  if (s.accept("INTERNALDATE ")) return { name: "INTERNALDATE", value: dateTime(s) };
  if (s.accept("ENVELOPE ")) return { name: "ENVELOPE", value: envelope(s) };
  if (s.accept("BODYSTRUCTURE ")) {
    return { name: "BODYSTRUCTURE", value: body(s, { isExtensible: true }) };
  }
  if (s.accept("BODY ")) return { name: "BODY", value: body(s, { isExtensible: false }) };
  if (s.peek(5).toUpperCase() === "BODY[") {
    const start = s.pos;
    s.pos += 4;
    const spec = section(s);
    let origin: number | null = null;
    if (s.acceptExact("<")) {
      origin = s.number("origin octet");
      s.expect(">");
    }
    const name = s.input.slice(start, s.pos).toUpperCase();
    s.sp();
    return { name, section: spec, origin, value: s.nstring("BODY[section] data") };
  }
  for (const name of ["RFC822.HEADER", "RFC822.TEXT", "RFC822"] as const) {
    if (simple(name)) {
      s.sp();
      return { name, value: s.nstring(name) };
    }
  }
  s.fail("msg-att");
}

/** msg-att = "(" (msg-att-dynamic / msg-att-static) *(SP ...) ")". */
export function msgAtt(s: Scanner): FetchAtt[] {
  return s.list(() => fetchAtt(s), { mayBeEmpty: false, rule: "msg-att" });
}
