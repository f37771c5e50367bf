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
    let token = isLiteral ? line[i]! : escape(code);
    // Keep room for the soft break "=" (RFC 2045 rule 5).
    if (current.length + token.length > MAX_LINE - 1) {
      out += current + "=\r\n";
      current = "";
    }
    // A dot opening a line is encoded so no encoded line reads as an SMTP terminator, and
    // a hyphen so that no line a soft break starts can read as a MIME boundary delimiter
    // ("--boundary" in mid-line is content; alone on a line it ends the part: RFC 2046 5.1.1).
    if (current === "" && (code === 46 || (code === 45 && out !== ""))) token = escape(code);
    current += token;
  }
  return out + current;
}

function escape(code: number): string {
  return "=" + HEX[code >> 4] + HEX[code & 15];
}
