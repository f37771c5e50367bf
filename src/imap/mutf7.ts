/**
 * Modified UTF-7 for mailbox names (RFC 3501 5.1.3): printable ASCII stands
 * for itself except "&", which is "&-"; everything else is UTF-16 in
 * base64 with "," for "/", between "&" and "-".
 */

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,";

/** Encodes a Unicode mailbox name for the wire. */
export function encodeMailboxName(name: string): string {
  let out = "";
  let pending: number[] = [];
  const flush = () => {
    if (pending.length === 0) return;
    out += "&" + encodeUnits(pending) + "-";
    pending = [];
  };
  for (let i = 0; i < name.length; i++) {
    const unit = name.charCodeAt(i);
    if (unit >= 0x20 && unit <= 0x7e) {
      flush();
      out += unit === 0x26 ? "&-" : name[i];
    } else {
      pending.push(unit);
    }
  }
  flush();
  return out;
}

function encodeUnits(units: number[]): string {
  const bytes: number[] = [];
  for (const unit of units) bytes.push(unit >> 8, unit & 0xff);
  let out = "";
  for (let i = 0; i < bytes.length; i += 3) {
    const b0 = bytes[i] as number;
    const b1 = bytes[i + 1];
    const b2 = bytes[i + 2];
    out += ALPHABET[b0 >> 2];
    out += ALPHABET[((b0 & 3) << 4) | ((b1 ?? 0) >> 4)];
    if (b1 !== undefined) out += ALPHABET[((b1 & 15) << 2) | ((b2 ?? 0) >> 6)];
    if (b2 !== undefined) out += ALPHABET[b2 & 63];
  }
  return out;
}

/**
 * Decodes a wire mailbox name; null when it is not valid modified UTF-7
 * (bad base64, an unterminated shift, non-zero padding bits, a shifted
 * printable ASCII character, 8-bit bytes, a run split in two).
 */
export function decodeMailboxName(wire: string): string | null {
  const out = decodeRuns(wire);
  // One spelling per name: "-&" inside base64 (a null shift) is not permitted, so
  // "&APw-&APw-" is refused rather than become a second folder that reads "üü".
  return out !== null && encodeMailboxName(out) === wire ? out : null;
}

/**
 * The one spelling of a name that is modified UTF-7 but for a run split in
 * two (`Gr&APw-&APw-e` -> `Gr&APwA,A-e`), which versions before the check in
 * `decodeMailboxName` took and made folders under; null when it is no
 * modified UTF-7 even so. A valid name is its own spelling.
 */
export function canonicalSpelling(wire: string): string | null {
  const out = decodeRuns(wire);
  return out === null ? null : encodeMailboxName(out);
}

/** Decodes each run of a wire name, whether or not two runs follow each other. */
function decodeRuns(wire: string): string | null {
  let out = "";
  let i = 0;
  while (i < wire.length) {
    const char = wire[i] as string;
    const code = char.charCodeAt(0);
    if (code < 0x20 || code > 0x7e) return null;
    if (char !== "&") {
      out += char;
      i++;
      continue;
    }
    const end = wire.indexOf("-", i + 1);
    if (end < 0) return null;
    if (end === i + 1) {
      out += "&";
      i = end + 1;
      continue;
    }
    const decoded = decodeUnits(wire.slice(i + 1, end));
    if (decoded === null) return null;
    out += decoded;
    i = end + 1;
  }
  return out;
}

function decodeUnits(base64: string): string | null {
  let bits = 0;
  let bitCount = 0;
  const bytes: number[] = [];
  for (const char of base64) {
    const value = ALPHABET.indexOf(char);
    if (value < 0) return null;
    bits = (bits << 6) | value;
    bitCount += 6;
    if (bitCount >= 8) {
      bitCount -= 8;
      bytes.push((bits >> bitCount) & 0xff);
      bits &= (1 << bitCount) - 1;
    }
  }
  if (bitCount >= 6 || bits !== 0 || bytes.length % 2 !== 0) return null;
  let out = "";
  for (let i = 0; i < bytes.length; i += 2) {
    const unit = ((bytes[i] as number) << 8) | (bytes[i + 1] as number);
    if (unit >= 0x20 && unit <= 0x7e) return null;
    out += String.fromCharCode(unit);
  }
  return out.isWellFormed() ? out : null;
}
