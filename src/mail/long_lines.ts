/**
 * Lines longer than SMTP may carry, broken so a local program's message can
 * still be queued and sent. RFC 5321 4.5.3.1.6 limits a line to 998 octets
 * before CRLF; a cron job's JSON log line or progress output easily passes
 * it, and refusing such a message loses the mail (cron only logs sendmail's
 * status). As Postfix does before it sends, a long line is cut and each
 * following piece starts with a space: in the header that is a folded
 * continuation of the same field (RFC 5322 2.2.3), in a MIME part's header
 * too, and in text the reader sees one line become several.
 */

/** The longest line, in octets without its CRLF (RFC 5321 4.5.3.1.6). */
export const MAX_LINE_OCTETS = 998;

/**
 * `text` (one char per octet, CRLF line ends) with every line over
 * {@link MAX_LINE_OCTETS} cut into pieces of at most that length, each piece
 * after the first led by a space. A cut never falls inside a UTF-8 sequence.
 */
export function breakLongLines(text: string): string {
  if (!text.split("\r\n").some((line) => line.length > MAX_LINE_OCTETS)) return text;
  return text.split("\r\n").map(breakLine).join("\r\n");
}

function breakLine(line: string): string {
  if (line.length <= MAX_LINE_OCTETS) return line;
  const pieces: string[] = [];
  let rest = line;
  let room = MAX_LINE_OCTETS;
  while (rest.length > room) {
    let cut = room;
    // Step back over UTF-8 continuation octets (10xxxxxx) so a character stays whole.
    for (let back = 0; back < 3 && isContinuation(rest.charCodeAt(cut)); back++) cut--;
    if (isContinuation(rest.charCodeAt(cut))) cut = room; // not UTF-8: cut where it fits
    pieces.push(rest.slice(0, cut));
    rest = rest.slice(cut);
    room = MAX_LINE_OCTETS - 1; // the leading space takes one octet
  }
  pieces.push(rest);
  return pieces.join("\r\n ");
}

function isContinuation(code: number): boolean {
  return code >= 0x80 && code <= 0xbf;
}
