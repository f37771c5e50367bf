/**
 * Reading SMTP replies (RFC 5321 4.2): "250-first" ... "250 last". Pure:
 * lines in, a typed result out. A reply that does not follow the grammar is
 * "malformed", never an exception: the client turns it into a transient
 * outcome and hangs up.
 */

/** A server's reply, as the client sees it. */
export interface ServerReply {
  code: number;
  /** RFC 3463 enhanced status code from the first line, if the server sent one. */
  enhanced?: string;
  /** Text of every line, without the code and separator. */
  lines: string[];
  /**
   * Each line's code, only where they differ (read with `isMixedCodeAllowed`);
   * `code` is then the last line's.
   */
  lineCodes?: number[];
}

/** Whether a reply's lines carry codes of different classes (2xx and 5xx, ...): it says two things. */
export function isContradictory(reply: ServerReply): boolean {
  const classes = new Set((reply.lineCodes ?? []).map((code) => Math.floor(code / 100)));
  return classes.size > 1;
}

/** One reply line, split. */
export type ReplyLine =
  | { kind: "line"; code: number; isLast: boolean; text: string }
  | { kind: "malformed"; text: string };

/**
 * A code, then "-" for a line that is not the last, then the text. The space
 * after a last line's code is part of the text (RFC 5321 4.2), and any text
 * must be acceptable: "250ok" is a 250 with the text "ok". Read as malformed,
 * such a 250 to the final dot had a taken message sent again at every retry.
 */
const LINE = /^([2-5][0-9][0-9])(?![0-9])(-?)(.*)$/s;
const ENHANCED = /^([245]\.[0-9]{1,3}\.[0-9]{1,3})(?: |$)/;

/** Splits one line. "250" alone is a last line with empty text (RFC 5321 4.2 allows it). */
export function parseReplyLine(text: string): ReplyLine {
  const match = LINE.exec(text);
  if (!match) return { kind: "malformed", text };
  const isLast = match[2] !== "-";
  const rest = match[3] ?? "";
  return {
    kind: "line",
    code: Number(match[1]),
    isLast,
    text: isLast && rest.startsWith(" ") ? rest.slice(1) : rest,
  };
}

/**
 * Collects parsed lines into replies. Feed lines with `push`; it returns a
 * reply when the last line arrives, null while more lines are needed, or a
 * malformed marker (bad line, code changing mid-reply, too many lines).
 * With `isMixedCodeAllowed`, a code changing mid-reply is read instead: the
 * reply has the last line's code and `lineCodes` (see `isContradictory`).
 */
export class ReplyAssembler {
  readonly #maxLines: number;
  readonly #isMixedCodeAllowed: boolean;
  #codes: number[] = [];
  #lines: string[] = [];

  constructor(options: { maxLines?: number; isMixedCodeAllowed?: boolean } = {}) {
    this.#maxLines = options.maxLines ?? 100;
    this.#isMixedCodeAllowed = options.isMixedCodeAllowed ?? false;
  }

  /** Adds one raw line. */
  push(raw: string): ServerReply | { malformed: string } | null {
    const line = parseReplyLine(raw);
    if (line.kind === "malformed") return { malformed: `Malformed reply line "${clip(raw)}"` };
    const code = this.#codes[0];
    if (code !== undefined && line.code !== code && !this.#isMixedCodeAllowed) {
      return { malformed: `Reply code changed from ${code} to ${line.code} mid-reply` };
    }
    this.#codes.push(line.code);
    this.#lines.push(line.text);
    if (this.#lines.length > this.#maxLines) return { malformed: "Reply has too many lines" };
    if (!line.isLast) return null;
    const lines = this.#lines;
    const codes = this.#codes;
    this.#lines = [];
    this.#codes = [];
    if (codes.every((each) => each === line.code)) return withEnhanced(line.code, lines);
    const reply = { code: line.code, lines, lineCodes: codes };
    // An enhanced code is pulled off only where every line is of one class.
    return isContradictory(reply) ? reply : { ...withEnhanced(line.code, lines), lineCodes: codes };
  }
}

/** Pulls a leading enhanced code off the first line when its class matches the reply's. */
function withEnhanced(code: number, lines: string[]): ServerReply {
  const first = lines[0] ?? "";
  const match = ENHANCED.exec(first);
  if (!match || match[1]![0] !== String(code)[0]) return { code, lines };
  const enhanced = match[1]!;
  const strip = (line: string) =>
    line.startsWith(enhanced) ? line.slice(enhanced.length).trimStart() : line;
  return { code, enhanced, lines: lines.map(strip) };
}

/** A reply as one readable line for logs and DSNs: "550 5.1.1 No such user". */
export function describeReply(reply: ServerReply): string {
  if (reply.lineCodes && isContradictory(reply)) {
    // Every line with its own code: "250-2.0.0 queued / 451 4.3.0 try later".
    const lineCodes = reply.lineCodes;
    const last = reply.lines.length - 1;
    const each = reply.lines.map((line, i) => `${lineCodes[i]}${i < last ? "-" : " "}${line}`);
    return clip(each.join(" / ").replace(/[\x00-\x1f\x7f]/g, " ").trim(), 300);
  }
  const text = reply.lines.join(" ").replace(/[\x00-\x1f\x7f]/g, " ").trim();
  return [String(reply.code), reply.enhanced, clip(text, 300)].filter(Boolean).join(" ");
}

function clip(text: string, max = 80): string {
  const clean = text.replace(/[\x00-\x1f\x7f]/g, "?");
  return clean.length > max ? clean.slice(0, max) + "..." : clean;
}
