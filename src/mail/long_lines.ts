/**
 * Lines longer than SMTP may carry, broken so a local program's message can
 * still be queued and sent. RFC 5321 4.5.3.1.6 limits a line to 998 octets
 * before CRLF; a cron job's JSON log line or progress output easily passes
 * it, and refusing such a message loses the mail (cron only logs sendmail's
 * status). A header field is folded at its white space; any other long line
 * is cut as Postfix cuts it before sending, each following piece led by a
 * space (in a MIME part's header a continuation of the same field, in text
 * one line become several).
 */

/** The longest line, in octets without its CRLF (RFC 5321 4.5.3.1.6). */
export const MAX_LINE_OCTETS = 998;

/**
 * `text` (one char per octet, CRLF line ends) with every line over
 * {@link MAX_LINE_OCTETS} cut into pieces of at most that length. In the
 * header a field is folded before its last white space that fits (RFC 5322
 * 2.2.3: nothing added, so `To: a@x, b@y, ...` still reads as the same
 * addresses); a header line without such a space breaks after its last comma
 * that fits (a list joined by "," alone), else it is cut where it fits, as a
 * body line is, and each further piece is led by a space. A cut never falls
 * inside a UTF-8 sequence.
 */
export function breakLongLines(text: string): string {
  const lines = text.split("\r\n");
  if (!lines.some((line) => line.length > MAX_LINE_OCTETS)) return text;
  const headerEnd = lines.indexOf("");
  return lines.map((line, i) => breakLine(line, headerEnd < 0 || i < headerEnd)).join("\r\n");
}

function breakLine(line: string, isHeader: boolean): string {
  if (line.length <= MAX_LINE_OCTETS) return line;
  let out = "";
  let rest = line;
  let room = MAX_LINE_OCTETS;
  while (rest.length > room) {
    // Fold before white space (not the piece's own leading one) where the header has it.
    const space = isHeader
      ? Math.max(rest.lastIndexOf(" ", room), rest.lastIndexOf("\t", room))
      : -1;
    if (space > 0) {
      out += rest.slice(0, space) + "\r\n";
      rest = rest.slice(space);
      room = MAX_LINE_OCTETS;
      continue;
    }
    // No white space: after a comma, where a list written without spaces (`",".join(...)`)
    // may take CFWS (RFC 5322 3.4): a cut inside an address made -t refuse the message.
    const comma = isHeader ? rest.lastIndexOf(",", room - 1) : -1;
    let cut = comma > 0 ? comma + 1 : room;
    // Step back over UTF-8 continuation octets (10xxxxxx) so a character stays whole.
    for (let back = 0; back < 3 && isContinuation(rest.charCodeAt(cut)); back++) cut--;
    if (isContinuation(rest.charCodeAt(cut))) cut = room; // not UTF-8: cut where it fits
    out += rest.slice(0, cut) + "\r\n ";
    rest = rest.slice(cut);
    room = MAX_LINE_OCTETS - 1; // the leading space takes one octet
  }
  return out + rest;
}

function isContinuation(code: number): boolean {
  return code >= 0x80 && code <= 0xbf;
}
