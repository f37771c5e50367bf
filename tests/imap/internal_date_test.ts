import assert from "node:assert/strict";
import { formatInternalDate, parseInternalDate } from "../../src/imap/commands/internal_date.ts";

const CASES: { name: string; text: string; expect: number | null }[] = [
  {
    name: "a date-time with a zone is moved to UTC",
    text: "05-Mar-2024 10:00:00 +0200",
    expect: Date.UTC(2024, 2, 5, 8),
  },
  {
    name: "a space-padded day is read",
    text: " 5-Mar-2024 10:00:00 +0000",
    expect: Date.UTC(2024, 2, 5, 10),
  },
  {
    name: "a year below 100 is that year, not 19xx",
    text: "01-Jan-0099 00:00:00 +0000",
    expect: new Date(0).setUTCFullYear(99, 0, 1),
  },
  {
    name: "a day the month does not have is refused",
    text: "31-Feb-2020 10:00:00 +0000",
    expect: null,
  },
  { name: "an hour past 23 is refused", text: "01-Jan-2020 24:00:00 +0000", expect: null },
  {
    name: "a zone whose minutes pass 59 is refused (hhmm)",
    text: "01-Jan-2020 10:00:00 +0099",
    expect: null,
  },
  {
    name: "the zones at the ends of the world are read",
    text: "01-Jan-2020 10:00:00 +1400",
    expect: Date.UTC(2019, 11, 31, 20),
  },
  {
    name: "a leap second at the end of a day is the next day's first moment, not that day's",
    text: "31-Dec-2016 23:59:60 +0000",
    expect: Date.UTC(2017, 0, 1, 0, 0, 0),
  },
  {
    name: "a leap second within its zone keeps the day",
    text: "01-Jan-2017 00:59:60 +0100",
    expect: Date.UTC(2017, 0, 1, 0, 0, 0),
  },
];

for (const { name, text, expect } of CASES) {
  Deno.test(`parseInternalDate(): ${name}`, () => {
    assert.equal(parseInternalDate(text), expect);
  });
}

const FORMAT_CASES: { name: string; ms: number; expect: string }[] = [
  {
    name: "a time is given in UTC",
    ms: Date.UTC(2024, 2, 5, 8, 1, 2),
    expect: "05-Mar-2024 08:01:02 +0000",
  },
  {
    name: "a time past year 9999 in UTC keeps a four-digit year (RFC 3501 9 date-year)",
    ms: parseInternalDate("31-Dec-9999 23:59:59 -2359")!,
    expect: "31-Dec-9999 23:59:59 +0000",
  },
  {
    name: "a time that is no number is the epoch",
    ms: Number.NaN,
    expect: "01-Jan-1970 00:00:00 +0000",
  },
];

for (const { name, ms, expect } of FORMAT_CASES) {
  Deno.test(`formatInternalDate(): ${name}`, () => {
    assert.equal(formatInternalDate(ms), expect);
  });
}
