/**
 * One line per event, logfmt or JSON, written to stderr.
 *
 * Fields are plain values; a field whose name suggests a secret is redacted
 * here, in one place, so no caller can leak a password by accident.
 */

import { writeStderrLine } from "./stderr_sink.ts";

export type LogLevel = "error" | "warn" | "info" | "debug" | "trace";
export type LogFormat = "text" | "json";
export type LogFields = Record<string, string | number | boolean | null | undefined>;

const LEVEL_RANK: Record<LogLevel, number> = { error: 0, warn: 1, info: 2, debug: 3, trace: 4 };
const SECRET_FIELD = /pass|secret|token|credential/i;
/** Field names seen so far and whether each is redacted: the same few names come by all day. */
const secretByName = new Map<string, boolean>();

function isSecretField(name: string): boolean {
  let isSecret = secretByName.get(name);
  if (isSecret === undefined) {
    isSecret = SECRET_FIELD.test(name);
    if (secretByName.size < 1024) secretByName.set(name, isSecret);
  }
  return isSecret;
}

/** The ISO time of the current millisecond, made once for all lines in it. */
let stampMs = -1;
let stamp = "";
function timestamp(): string {
  const now = Date.now();
  if (now !== stampMs) {
    stampMs = now;
    stamp = new Date(now).toISOString();
  }
  return stamp;
}

/** Returns true when `value` names a log level. */
export function isLogLevel(value: string): value is LogLevel {
  return value in LEVEL_RANK;
}

/** A sink for finished log lines; stderr unless a test supplies its own. */
export type LogSink = (line: string, level: LogLevel) => void;

/** Sees every event whatever the level (metrics count events this way). */
export type LogTap = (event: string, fields: LogFields) => void;

/** The stderr sink for `format`: errors are urgent, and a gap the reader caused is told in `format`. */
function stderrSink(format: LogFormat): LogSink {
  const droppedNote = (count: number) =>
    formatLine(format, { ts: timestamp(), level: "warn", event: "log.dropped", lines: count });
  return (line, level) => writeStderrLine(line, { isUrgent: level === "error", droppedNote });
}

/** A logger carrying fixed fields (such as `cid`) into every line it writes. */
export class Logger {
  readonly #rank: number;
  readonly #format: LogFormat;
  readonly #sink: LogSink;
  readonly #fixed: LogFields;
  readonly #tap: LogTap | undefined;

  constructor(
    options: {
      level?: LogLevel;
      format?: LogFormat;
      sink?: LogSink;
      fields?: LogFields;
      tap?: LogTap;
    } = {},
  ) {
    this.#rank = LEVEL_RANK[options.level ?? "info"];
    this.#format = options.format ?? "text";
    this.#sink = options.sink ?? stderrSink(this.#format);
    this.#fixed = options.fields ?? {};
    this.#tap = options.tap;
  }

  /** A logger that adds `fields` to every line. */
  with(fields: LogFields): Logger {
    const level = (Object.keys(LEVEL_RANK) as LogLevel[])[this.#rank] ?? "info";
    return new Logger({
      level,
      format: this.#format,
      sink: this.#sink,
      fields: { ...this.#fixed, ...fields },
      tap: this.#tap,
    });
  }

  /** Whether a line at `level` would be written (skip building costly fields). */
  enabled(level: LogLevel): boolean {
    return LEVEL_RANK[level] <= this.#rank;
  }

  error(event: string, fields: LogFields = {}): void {
    this.log("error", event, fields);
  }
  warn(event: string, fields: LogFields = {}): void {
    this.log("warn", event, fields);
  }
  info(event: string, fields: LogFields = {}): void {
    this.log("info", event, fields);
  }
  debug(event: string, fields: LogFields = {}): void {
    this.log("debug", event, fields);
  }
  trace(event: string, fields: LogFields = {}): void {
    this.log("trace", event, fields);
  }

  log(level: LogLevel, event: string, fields: LogFields): void {
    this.#tap?.(event, fields);
    if (LEVEL_RANK[level] > this.#rank) return;
    const all: LogFields = {
      ts: timestamp(),
      level,
      event,
      ...this.#fixed,
      ...fields,
    };
    // Undefined fields are left in: both formats skip them.
    for (const key in all) {
      if (isSecretField(key)) all[key] = "[redacted]";
    }
    this.#sink(formatLine(this.#format, all), level);
  }
}

function formatLine(format: LogFormat, fields: LogFields): string {
  return format === "json" ? escapeUnicodeBreaks(JSON.stringify(fields)) : formatLogfmt(fields);
}

/**
 * Values that need no quotes: no space, quote, equals sign, backslash or
 * control character (C0, DEL, C1, and the Unicode line and paragraph separators).
 */
const BARE_VALUE = /^[^\s"=\\\x00-\x1f\x7f-\x9f\u2028\u2029]+$/;
/** What JSON.stringify leaves raw but a reader may split a line on or a terminal obey. */
const UNESCAPED_BREAK = /[\x7f-\x9f\u2028\u2029]/g;
const HAS_UNESCAPED_BREAK = /[\x7f-\x9f\u2028\u2029]/;

/**
 * Escapes DEL, the C1 controls (NEL among them) and U+2028/U+2029 in JSON
 * text as `\uXXXX`: still the same JSON value, and one line for every reader.
 * (In JSON output these characters can only stand inside strings.)
 */
function escapeUnicodeBreaks(json: string): string {
  if (!HAS_UNESCAPED_BREAK.test(json)) return json;
  return json.replace(
    UNESCAPED_BREAK,
    (char) => "\\u" + char.charCodeAt(0).toString(16).padStart(4, "0"),
  );
}

/** What a quoted logfmt value shows as `\uXXXX`: the breaks above, and `=`. */
const QUOTED_ESCAPE = /[=\x7f-\x9f\u2028\u2029]/g;

/**
 * A quoted logfmt value: JSON string syntax, with the line breaks JSON leaves
 * raw escaped, and `=` shown as `\u003d` (the same value to a JSON-unquoting
 * reader). A client's text (a quoted local part `"x event=auth.failed
 * ip=192.0.2.1"@a.test` in `rcpt=`) thus never holds a `key=value` that a
 * grep or fail2ban's failregex, which looks anywhere in the line, could take
 * for a field: the README's `event=auth\.failed ip=<HOST>` banned any address
 * a client named.
 */
function quoteValue(value: string): string {
  return JSON.stringify(value).replace(
    QUOTED_ESCAPE,
    (char) => "\\u" + char.charCodeAt(0).toString(16).padStart(4, "0"),
  );
}

/** Renders fields as logfmt: bare values where safe, quoted and escaped otherwise. */
export function formatLogfmt(fields: LogFields): string {
  let line = "";
  for (const key in fields) {
    const raw = fields[key];
    if (raw === undefined) continue;
    const value = raw === null ? "" : typeof raw === "string" ? raw : String(raw);
    const text = BARE_VALUE.test(value) ? value : quoteValue(value);
    line += line === "" ? `${key}=${text}` : ` ${key}=${text}`;
  }
  return line;
}
