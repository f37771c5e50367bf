import assert from "node:assert/strict";
import {
  formatDurationMs,
  formatSizeBytes,
  parseDurationMs,
  parseSizeBytes,
} from "../../src/config/mod.ts";

const durations: Array<[string, string, number]> = [
  ["parseDurationMs() reads seconds", "30s", 30_000],
  ["parseDurationMs() reads minutes", "5m", 300_000],
  ["parseDurationMs() reads hours", "2h", 7_200_000],
  ["parseDurationMs() reads days", "5d", 432_000_000],
  ["parseDurationMs() reads a bare 0", "0", 0],
  ["parseDurationMs() reads 0 with a unit", "0s", 0],
];
for (const [name, text, ms] of durations) {
  Deno.test(name, () => assert.equal(parseDurationMs(text), ms));
}

const badDurations: Array<[string, string, RegExp]> = [
  ["parseDurationMs() rejects an empty string", "", /Invalid duration "": expected/],
  ["parseDurationMs() rejects a number without a unit", "5", /unit is missing/],
  ["parseDurationMs() rejects a negative duration", "-1m", /Invalid duration "-1m"/],
  ["parseDurationMs() rejects a fraction", "1.5h", /Invalid duration "1.5h"/],
  ["parseDurationMs() rejects an unknown unit", "1x", /unknown unit "x"/],
  ["parseDurationMs() rejects a unit without a number", "m", /Invalid duration "m"/],
  ["parseDurationMs() rejects uppercase M (minutes or months?)", "5M", /unknown unit "M"/],
  ["parseDurationMs() rejects compound durations", "1h30m", /Invalid duration/],
  ["parseDurationMs() rejects surrounding spaces", " 5m", /Invalid duration/],
  ["parseDurationMs() rejects a value too large to be exact", "9".repeat(20) + "d", /too large/],
];
for (const [name, text, message] of badDurations) {
  Deno.test(name, () => assert.throws(() => parseDurationMs(text), message));
}

Deno.test("formatDurationMs() picks the largest exact unit", () => {
  assert.deepEqual(
    [0, 1000, 90_000, 1_800_000, 14_400_000, 432_000_000].map(formatDurationMs),
    ["0", "1s", "90s", "30m", "4h", "5d"],
  );
});

const sizes: Array<[string, string, number]> = [
  ["parseSizeBytes() reads MB as decimal megabytes", "25MB", 25_000_000],
  ["parseSizeBytes() reads lowercase units", "25mb", 25_000_000],
  ["parseSizeBytes() reads KiB as binary kilobytes", "10KiB", 10_240],
  ["parseSizeBytes() reads MiB as binary megabytes", "25MiB", 26_214_400],
  ["parseSizeBytes() reads bytes", "512B", 512],
  ["parseSizeBytes() reads GB", "1GB", 1_000_000_000],
  ["parseSizeBytes() reads GiB", "1gib", 1_073_741_824],
  ["parseSizeBytes() reads KB", "1KB", 1000],
  ["parseSizeBytes() reads a bare 0", "0", 0],
];
for (const [name, text, bytes] of sizes) {
  Deno.test(name, () => assert.equal(parseSizeBytes(text), bytes));
}

const badSizes: Array<[string, string, RegExp]> = [
  ["parseSizeBytes() rejects an empty string", "", /Invalid size ""/],
  ["parseSizeBytes() rejects a number without a unit", "1000", /unit is missing/],
  ["parseSizeBytes() rejects an unknown unit", "25furlongs", /unknown unit "furlongs"/],
  ["parseSizeBytes() rejects a space before the unit", "25 MB", /Invalid size "25 MB"/],
  ["parseSizeBytes() rejects a negative size", "-1MB", /Invalid size/],
  ["parseSizeBytes() rejects a fraction", "1.5MB", /Invalid size/],
  ["parseSizeBytes() rejects a unit without a number", "MB", /Invalid size/],
  ["parseSizeBytes() rejects a size too large to be exact", "99999999999GB", /too large/],
];
for (const [name, text, message] of badSizes) {
  Deno.test(name, () => assert.throws(() => parseSizeBytes(text), message));
}

Deno.test("formatSizeBytes() output parses back to the same number of bytes", () => {
  for (const bytes of [1, 512, 1000, 1024, 25_000_000, 26_214_400, 1_024_000, 123_457]) {
    assert.equal(parseSizeBytes(formatSizeBytes(bytes)), bytes);
  }
  assert.equal(formatSizeBytes(25_000_000), "25MB");
  assert.equal(formatSizeBytes(26_214_400), "25MiB");
  assert.equal(formatSizeBytes(2_000_000_000), "2GB");
  assert.equal(formatSizeBytes(2 * 1024 ** 3), "2GiB");
  assert.equal(formatSizeBytes(3_000), "3KB");
  assert.equal(formatSizeBytes(3 * 1024), "3KiB");
});
