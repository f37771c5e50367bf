/** An SMTP reply as a value: code, enhanced status code (RFC 3463) and text lines. */
export interface Reply {
  readonly code: number;
  /** Enhanced status code such as "2.0.0"; omitted only for the greeting and EHLO. */
  readonly enhanced?: string;
  readonly lines: readonly string[];
  /** Close the connection after sending this reply. */
  readonly closeAfter?: boolean;
}

/** Builds a reply; `text` may hold several lines separated by "\n". */
export function reply(
  code: number,
  enhanced: string | undefined,
  text: string,
  options: { closeAfter?: boolean } = {},
): Reply {
  return { code, enhanced, lines: text.split("\n"), closeAfter: options.closeAfter };
}

/** What may not appear inside a reply line (it could end it and forge another). */
const UNSAFE_IN_LINE = /[\r\n\x00]/;
const UNSAFE_IN_LINE_ALL = /[\r\n\x00]/g;
/** RFC 5321 4.2: reply text is HT and printable ASCII; anything else quoted from a client shows as "?". */
const NOT_TEXT = /[^\t\x20-\x7e]/;
const NOT_TEXT_ALL = /[^\t\x20-\x7e]/g;

/**
 * Renders a reply as wire text: "250-first\r\n250 last\r\n", each line
 * carrying the enhanced code. CR and LF inside a line are replaced so a value
 * quoted from the client can never forge an extra reply line, and any other
 * octet outside printable ASCII (control characters, UTF-8) shows as "?".
 */
export function formatReply(value: Reply): string {
  const last = value.enhanced ? `${value.code} ${value.enhanced} ` : `${value.code} `;
  const more = value.enhanced ? `${value.code}-${value.enhanced} ` : `${value.code}-`;
  const lines = value.lines.length > 0 ? value.lines : [""];
  let out = "";
  for (let i = 0; i < lines.length; i++) {
    let text = lines[i] ?? "";
    if (UNSAFE_IN_LINE.test(text)) text = text.replace(UNSAFE_IN_LINE_ALL, " ");
    if (NOT_TEXT.test(text)) text = text.replace(NOT_TEXT_ALL, "?");
    out += ((i === lines.length - 1 ? last : more) + text).trimEnd() + "\r\n";
  }
  return out;
}
