/** IMAP date-time (RFC 3501 9, "date-time"): `"05-Mar-2024 10:00:00 +0000"`. */

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** The last moment a date-time can name: its year is 4DIGIT (RFC 3501 9). */
const LAST_INTERNAL_DATE_MS = Date.UTC(9999, 11, 31, 23, 59, 59);

/**
 * Formats a time in UTC. A time past year 9999 (APPEND's "31-Dec-9999 23:59:59 -2359"
 * is in year 10000 in UTC) is given as the last moment of 9999: a five-digit year is
 * no date-time, and strict parsers (Python's imaplib) fail on it.
 */
export function formatInternalDate(ms: number): string {
  const date = new Date(Number.isFinite(ms) ? Math.min(Math.max(ms, 0), LAST_INTERNAL_DATE_MS) : 0);
  const pad = (value: number) => String(value).padStart(2, "0");
  return `${pad(date.getUTCDate())}-${MONTHS[date.getUTCMonth()]}-${date.getUTCFullYear()} ` +
    `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} +0000`;
}

/** Parses a date-time (day may be space-padded); null when malformed. */
export function parseInternalDate(text: string): number | null {
  const match =
    /^([ 0-9]?[0-9])-([A-Za-z]{3})-([0-9]{4}) ([0-9]{2}):([0-9]{2}):([0-9]{2}) ([+-])([0-9]{2})([0-9]{2})$/
      .exec(text);
  if (match === null) return null;
  const month = MONTHS.findIndex((name) => name.toLowerCase() === match[2]?.toLowerCase());
  if (month < 0) return null;
  const [day, year, hour, minute, second] = [1, 3, 4, 5, 6].map((i) => Number(match[i]?.trim()));
  // Date.UTC reads years 0-99 as 1900-1999; setUTCFullYear takes the year as written.
  const midnight = new Date(0).setUTCFullYear(year!, month, day!);
  if (new Date(midnight).getUTCDate() !== day || hour! > 23 || minute! > 59 || second! > 60) {
    return null;
  }
  // Added to the day's midnight, so a leap second (23:59:60) is the next day's first
  // moment, not a carry lost when the date was set after the time.
  const utc = midnight + ((hour! * 60 + minute!) * 60 + second!) * 1000;
  // The zone is hhmm (RFC 3501 9 zone; RFC 5322 3.3: its minutes are 00-59).
  if (Number(match[9]) > 59) return null;
  const offsetMinutes = (Number(match[8]) * 60 + Number(match[9])) * (match[7] === "-" ? -1 : 1);
  return utc - offsetMinutes * 60_000;
}
