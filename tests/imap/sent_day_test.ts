import assert from "node:assert/strict";
import { sentDay, sentTimeMs, withoutComments } from "../../src/imap/sent_day.ts";

const day = (year: number, month: number, date: number) =>
  Math.floor(new Date(0).setUTCFullYear(year, month, date) / 86_400_000);

Deno.test("withoutComments() removes nested comments and quoted parentheses", () => {
  assert.equal(withoutComments("a (b (c) \\) d) e").replace(/ +/g, " "), "a e");
});

const FORMS: [string, string, number | null][] = [
  ["the RFC 5322 form", "Mon, 01 Jan 2024 23:30:00 -0500", day(2024, 0, 1)],
  ["no day name and a named zone", "1 Jan 2024 23:30 PDT", day(2024, 0, 1)],
  ["a three-digit year", "1 Jan 124 10:00 +0000", day(2024, 0, 1)],
  ["a year 50-99", "1 Jan 99 10:00 +0000", day(1999, 0, 1)],
  ["the year 50, the first of 19xx", "1 Jan 50 10:00 +0000", day(1950, 0, 1)],
  ["the year 49, the last of 20xx", "1 Jan 49 10:00 +0000", day(2049, 0, 1)],
  ["an ISO date with digits too many", "2024-01-0123", null],
  ["asctime without a zone", "Mon Jan  1 00:30:00 2024", day(2024, 0, 1)],
  ["ISO 8601 without a zone", "2024-01-01T00:30:00", day(2024, 0, 1)],
  ["garbage", "garbage", null],
  ["a day that does not exist", "30 Feb 2024 10:00 +0000", null],
];
for (const [name, value, expected] of FORMS) {
  Deno.test(`sentDay() reads ${name}`, () => assert.equal(sentDay(value), expected));
}

Deno.test("sentDay() gives the written day whatever the server's time zone", async () => {
  const url = new URL("../../src/imap/sent_day.ts", import.meta.url).href;
  const script = `import { sentDay } from "${url}";\n` +
    `console.log(JSON.stringify(${JSON.stringify(FORMS.map((form) => form[1]))}.map(sentDay)));`;
  for (const zone of ["Pacific/Chatham", "Asia/Kolkata", "America/St_Johns"]) {
    assert.deepEqual(await printedUnderZone(script, zone), FORMS.map((form) => form[2]), zone);
  }
});

// SORT DATE's moment of an ISO 8601 Date field was JavaScript's parser's: a time without an
// offset was the server's local time, and one whose offset moved it to another UTC day was
// taken back to midnight of the written day (23:30-02:00 sorted 25 hours too early).
const MOMENTS: [string, string, number][] = [
  [
    "an offset that moves the moment to the day before",
    "2001-01-01T01:00:00+02:00",
    Date.UTC(2000, 11, 31, 23),
  ],
  [
    "an offset that moves it to the day after",
    "2001-01-01T23:30:00-02:00",
    Date.UTC(2001, 0, 2, 1, 30),
  ],
  ["no offset: UTC, as in the RFC 5322 forms", "2001-01-01T10:00:00", Date.UTC(2001, 0, 1, 10)],
  [
    "an offset without its colon, after a fraction",
    "2001-01-01T10:00:00.25+0530",
    Date.UTC(2001, 0, 1, 4, 30),
  ],
  ["Z", "2001-01-01T10:00Z", Date.UTC(2001, 0, 1, 10)],
];
for (const [name, value, expected] of MOMENTS) {
  Deno.test(`sentTimeMs() reads ISO 8601 with ${name}`, () => {
    assert.equal(sentTimeMs(value), expected);
  });
}

Deno.test("sentTimeMs() gives the same ISO 8601 moments whatever the server's time zone", async () => {
  const url = new URL("../../src/imap/sent_day.ts", import.meta.url).href;
  const script = `import { sentTimeMs } from "${url}";\n` +
    `console.log(JSON.stringify(${
      JSON.stringify(MOMENTS.map((form) => form[1]))
    }.map(sentTimeMs)));`;
  for (const zone of ["Asia/Kolkata", "America/St_Johns"]) {
    assert.deepEqual(await printedUnderZone(script, zone), MOMENTS.map((form) => form[2]), zone);
  }
});

// RFC 5322 4.3's zone names (any case: ABNF strings are), and numeric zones with minutes.
const ZONED: [string, number][] = [
  ["UT", 12],
  ["GMT", 12],
  ["EST", 17],
  ["est", 17],
  ["EDT", 16],
  ["CST", 18],
  ["CDT", 17],
  ["MST", 19],
  ["MDT", 18],
  ["PST", 20],
  ["PDT", 19],
  ["+0530", 6.5],
  ["-0930", 21.5],
];
Deno.test("sentTimeMs() moves a named or numeric zone to UTC", () => {
  for (const [zone, utcHours] of ZONED) {
    assert.equal(
      sentTimeMs(`1 Jan 2001 12:00:00 ${zone}`),
      Date.UTC(2001, 0, 1) + utcHours * 3_600_000,
      zone,
    );
  }
});

// The blanks were added after asking the string grown so far how it ended, which copied it
// whole each time: 100 KB took 5 s, 400 KB two minutes (a Date field anyone can send).
Deno.test("sentDay() reads a Date field of a million parentheses", () => {
  assert.equal(sentDay(")".repeat(1_000_000)), null);
  assert.equal(sentDay("1 Jan 2024 " + "(a)".repeat(300_000)), 19723);
  assert.equal(withoutComments("a)b(c)d)").replace(/ +/g, " "), "a) b d) ");
});

/** What `script` prints as JSON when run by `deno eval` in the time zone `zone`. */
async function printedUnderZone(script: string, zone: string): Promise<unknown> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["eval", "--no-config", script],
    env: { TZ: zone },
    stdout: "piped",
    stderr: "inherit",
  }).output();
  assert.equal(output.code, 0, zone);
  return JSON.parse(new TextDecoder().decode(output.stdout));
}
