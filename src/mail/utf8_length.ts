/**
 * The length of a string in UTF-8 octets, without encoding it: SMTP's limits
 * (RFC 5321 4.5.3.1) are in octets, and every address of every command is
 * measured, so this runs per RCPT and should not allocate.
 */
export function utf8Length(text: string): number {
  let octets = text.length;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0x80) continue;
    if (unit < 0x800) {
      octets += 1;
    } else if (unit >= 0xd800 && unit <= 0xdbff && isLowSurrogate(text.charCodeAt(i + 1))) {
      // A pair is two code units and four octets.
      octets += 2;
      i++;
    } else {
      // Three octets; a lone surrogate is encoded as U+FFFD, also three.
      octets += 2;
    }
  }
  return octets;
}

function isLowSurrogate(unit: number): boolean {
  return unit >= 0xdc00 && unit <= 0xdfff;
}
