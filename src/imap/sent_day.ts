/**
 * The day a Date field names, "disregarding time and timezone" (RFC 3501
 * 6.4.4, SENTBEFORE/SENTON/SENTSINCE): the day as written, so
 * "Mon, 01 Jan 2024 23:30:00 -0500" is 1 January though it is 2 January in
 * UTC. Pure, and the same whatever the server's time zone.
 */

const MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
const DAY_MS = 86_400_000;

/** `text` with its comments (nested, with quoted-pairs: RFC 5322 3.2.2) turned into blanks. */
export function withoutComments(text: string): string {
  // The last character is remembered, not read back: asking a string grown a character at
  // a time how it ends copies it whole, and a Date field of 100 KB of ")" took 5 s.
  const out: string[] = [];
  let last = "";
  const add = (char: string) => {
    out.push(char);
    last = char;
  };
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const char = text[i] as string;
    if (depth > 0 && char === "\\") i++;
    else if (char === "(") depth++;
    else if (char === ")" && depth > 0) depth--;
    else if (depth === 0) add(char);
    if ((depth > 0 || char === ")") && last !== " ") add(" ");
  }
  return out.join("");
}

/** The UTC day number of year/month/day as written; null when no such date exists. */
function dayNumber(year: number, month: number, day: number): number | null {
  if (month < 0 || day < 1 || day > 31) return null;
  // setUTCFullYear, as Date.UTC would read a year 0-99 ("0024") as 19xx.
  const ms = new Date(0).setUTCFullYear(year, month, day);
  return new Date(ms).getUTCDate() === day ? Math.floor(ms / DAY_MS) : null;
}

/** RFC 5322 4.3: two-digit years 00-49 are 20xx, 50-99 and three-digit ones 19xx. */
function fullYear(digits: string): number {
  const year = Number(digits);
  if (digits.length === 2) return year + (year < 50 ? 2000 : 1900);
  return digits.length === 3 ? year + 1900 : year;
}

/**
 * The day a Date field's value names, or null when it names none. Read as
 * written: the RFC 5322 form (obsolete forms included: comments anywhere,
 * two- and three-digit years, no day name, extra blanks), the month-first
 * form of date(1) and asctime ("Mon Jan  1 23:30:00 EST 2024") that scripts
 * write, and ISO 8601; anything else as JavaScript's parser reads it.
 */
export function sentDay(value: string): number | null {
  const text = withoutComments(value).replace(/\s+/g, " ").trim();
  const rfc = /^(?:[A-Za-z]+ ?, ?)?(\d{1,2}) ([A-Za-z]{3})[A-Za-z]*\.? (\d{2,4})\b/.exec(text);
  if (rfc !== null && MONTHS.includes((rfc[2] as string).toLowerCase())) {
    const month = MONTHS.indexOf((rfc[2] as string).toLowerCase());
    return dayNumber(fullYear(rfc[3] as string), month, Number(rfc[1]));
  }
  const monthFirst =
    /^(?:[A-Za-z]+ ?,? )?([A-Za-z]{3})[A-Za-z]*\.? (\d{1,2}) ?,? (?:\d{1,2}:\d{2}(?::\d{2})? (?:[A-Za-z]{1,5} |[+-]\d{4} )?)?(\d{4})\b/
      .exec(text);
  if (monthFirst !== null && MONTHS.includes((monthFirst[1] as string).toLowerCase())) {
    const month = MONTHS.indexOf((monthFirst[1] as string).toLowerCase());
    return dayNumber(Number(monthFirst[3]), month, Number(monthFirst[2]));
  }
  const iso = /^(\d{4})-(\d{2})-(\d{2})(?![0-9])/.exec(text);
  if (iso !== null) return dayNumber(Number(iso[1]), Number(iso[2]) - 1, Number(iso[3]));
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? null : Math.floor(ms / DAY_MS);
}

/** RFC 5322 4.3: the obsolete zone names and their offsets in minutes (military ones: 0). */
const ZONES: Record<string, number> = {
  UT: 0,
  GMT: 0,
  Z: 0,
  EST: -300,
  EDT: -240,
  CST: -360,
  CDT: -300,
  MST: -420,
  MDT: -360,
  PST: -480,
  PDT: -420,
};

/**
 * ISO 8601 with a time ("2024-01-01T10:00:00+02:00"), which scripts write
 * into Date fields: its clock and offset read here, not by JavaScript's
 * parser, which takes a time without an offset as the server's local time.
 */
const ISO_TIME =
  /^\d{4}-\d{2}-\d{2}[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,]\d+)?)? ?(?:Z|([+-])(\d{2}):?(\d{2}))?(?![0-9])/i;

/**
 * The moment a Date field's value names, in ms since 1970 UTC, or null when
 * it names no day (SORT DATE, RFC 5256 2.2: "adjusted by time zone to
 * normalize to UTC"; a missing or unknown zone is UTC, a missing time
 * 00:00:00). The day is read as `sentDay` reads it.
 */
export function sentTimeMs(value: string): number | null {
  const day = sentDay(value);
  if (day === null) return null;
  const text = withoutComments(value).replace(/\s+/g, " ");
  const iso = ISO_TIME.exec(text.trim());
  if (iso !== null) {
    const [, hours, minutes, seconds, sign, zoneHours, zoneMinutes] = iso;
    const offset = sign === undefined ? 0 : zoneOffset(sign, zoneHours, zoneMinutes);
    return momentMs(day, { hours, minutes, seconds }, offset);
  }
  const time = / (\d{1,2}):(\d{2})(?::(\d{2}))?(?: ?([+-])(\d{2})(\d{2})\b| ([A-Za-z]{1,5})\b)?/
    .exec(text);
  if (time === null) {
    // A form only JavaScript's parser knows: its moment, when on that day.
    const ms = Date.parse(text.trim());
    return Number.isNaN(ms) || Math.floor(ms / DAY_MS) !== day ? day * DAY_MS : ms;
  }
  const [, hours, minutes, seconds, sign, zoneHours, zoneMinutes, zoneName] = time;
  let offset = 0;
  if (sign !== undefined) offset = zoneOffset(sign, zoneHours, zoneMinutes);
  else if (zoneName !== undefined) offset = ZONES[zoneName.toUpperCase()] ?? 0;
  return momentMs(day, { hours, minutes, seconds }, offset);
}

/** A numeric zone's offset in minutes, east of UTC positive. */
function zoneOffset(sign: string, hours = "0", minutes = "0"): number {
  return (Number(hours) * 60 + Number(minutes)) * (sign === "-" ? -1 : 1);
}

/** `day` at the clock time written in a zone `offset` minutes east of UTC, as ms in UTC. */
function momentMs(
  day: number,
  clock: { hours?: string; minutes?: string; seconds?: string },
  offset: number,
): number {
  const minutes = Number(clock.hours ?? 0) * 60 + Number(clock.minutes ?? 0) - offset;
  return day * DAY_MS + (minutes * 60 + Number(clock.seconds ?? 0)) * 1000;
}
