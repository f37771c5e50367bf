/**
 * The SMTP command-line parser (RFC 5321 4.1.1): pure functions over one
 * line of text (the line reader already removed CRLF and enforced limits).
 */

/** A command line split into its verb and the rest. */
export interface Command {
  /** Upper-cased verb, e.g. "MAIL". */
  readonly verb: string;
  /** Everything after the verb and its separating space, untrimmed at the end removed. */
  readonly arg: string;
}

/** ESMTP parameters by upper-cased keyword; a keyword without "=value" maps to null. */
export type EsmtpParameters = ReadonlyMap<string, string | null>;

/** Splits "mail FROM:<a@b> SIZE=10" into { verb: "MAIL", arg: "FROM:<a@b> SIZE=10" }. */
export function parseCommand(line: string): Command {
  const trimmed = line.replace(/[ \t]+$/, "");
  const space = trimmed.indexOf(" ");
  if (space < 0) return { verb: trimmed.toUpperCase(), arg: "" };
  return { verb: trimmed.slice(0, space).toUpperCase(), arg: trimmed.slice(space + 1).trimStart() };
}

const KEYWORD = /^[A-Za-z0-9][A-Za-z0-9-]*$/;
const VALUE = /^[\x21-\x3c\x3e-\x7e]+$/;
/** RFC 6531 3.3: esmtp-value =/ UTF8-non-ascii, where the caller allows it. */
const UTF8_VALUE = /^[\x21-\x3c\x3e-\x7e\u{80}-\u{10FFFF}]+$/u;

/**
 * Parses "SIZE=100 BODY=8BITMIME SMTPUTF8" (RFC 5321 4.1.2 Mail-parameters).
 * Returns an error string for malformed or repeated parameters. Values are
 * ASCII unless `isUtf8Allowed` (RCPT, whose ORCPT may carry UTF-8 in an
 * SMTPUTF8 transaction: the ORCPT check decides).
 */
export function parseParameters(
  text: string,
  options: { isUtf8Allowed?: boolean } = {},
): EsmtpParameters | { error: string } {
  const valuePattern = options.isUtf8Allowed ? UTF8_VALUE : VALUE;
  const params = new Map<string, string | null>();
  const trimmed = text.trim();
  if (trimmed === "") return params;
  for (const item of trimmed.split(/ +/)) {
    const eq = item.indexOf("=");
    const keyword = eq < 0 ? item : item.slice(0, eq);
    const value = eq < 0 ? null : item.slice(eq + 1);
    if (!KEYWORD.test(keyword)) return { error: `bad parameter "${keyword.slice(0, 30)}"` };
    if (value !== null && !valuePattern.test(value)) {
      return { error: `bad value for parameter ${keyword.toUpperCase()}` };
    }
    const name = keyword.toUpperCase();
    if (params.has(name)) return { error: `repeated parameter ${name}` };
    params.set(name, value);
  }
  return params;
}

/**
 * Splits the argument of MAIL or RCPT ("FROM:<path> params") into the path
 * text (with brackets) and the parameter text. `keyword` is "FROM" or "TO".
 * A space after the colon is tolerated (common client bug, RFC 5321 4.1.2
 * does not allow it but refusing it helps nobody).
 */
export function splitPathArgument(
  arg: string,
  keyword: "FROM" | "TO",
): { path: string; params: string } | { error: string } {
  const prefix = keyword + ":";
  if (arg.slice(0, prefix.length).toUpperCase() !== prefix) {
    return { error: `expected "${prefix}<address>"` };
  }
  const rest = arg.slice(prefix.length).replace(/^ +/, "");
  if (!rest.startsWith("<")) return { error: "address must be enclosed in <>" };
  let inQuotes = false;
  for (let i = 1; i < rest.length; i++) {
    const ch = rest[i];
    if (inQuotes && ch === "\\") {
      i++;
      continue;
    }
    if (ch === '"') inQuotes = !inQuotes;
    else if (ch === ">" && !inQuotes) {
      const after = rest.slice(i + 1);
      if (after !== "" && !after.startsWith(" ")) return { error: "missing space after address" };
      return { path: rest.slice(0, i + 1), params: after };
    }
  }
  return { error: "unterminated address" };
}
