/** Quoted-printable encoding (RFC 2045 6.7) of text whose line breaks are CRLF. */

const HEX = "0123456789ABCDEF";
const MAX_LINE = 76;

/** Encodes a latin1 (one char per byte) string; CRLF stays a hard line break. */
export function encodeQuotedPrintable(text: string): string {
  return text.split("\r\n").map(encodeLine).join("\r\n");
}

function encodeLine(line: string): string {
  let out = "";
  let current = "";
  for (let i = 0; i < line.length; i++) {
    const code = line.charCodeAt(i);
    const isLast = i === line.length - 1;
    const isLiteral = (code >= 33 && code <= 126 && code !== 61) ||
      ((code === 32 || code === 9) && !isLast);
    // A dot opening a line is encoded so no encoded line reads as an SMTP terminator.
    const isLeadingDot = code === 46 && current === "";
    const token = isLiteral && !isLeadingDot ? line[i]! : "=" + HEX[code >> 4] + HEX[code & 15];
    // Keep room for the soft break "=" (RFC 2045 rule 5).
    if (current.length + token.length > MAX_LINE - 1) {
      out += current + "=\r\n";
      current = "";
    }
    current += token;
  }
  return out + current;
}
