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

/**
 * Renders a reply as wire text: "250-first\r\n250 last\r\n", each line
 * carrying the enhanced code. CR and LF inside a line are replaced so a value
 * quoted from the client can never forge an extra reply line.
 */
export function formatReply(value: Reply): string {
  const prefix = value.enhanced ? ` ${value.enhanced} ` : " ";
  const lines = value.lines.length > 0 ? value.lines : [""];
  let out = "";
  for (let i = 0; i < lines.length; i++) {
    const separator = i === lines.length - 1 ? prefix : prefix.replace(/^ /, "-");
    const text = (lines[i] ?? "").replace(/[\r\n\x00]/g, " ");
    out += `${value.code}${separator}${text}`.trimEnd() + "\r\n";
  }
  return out;
}
