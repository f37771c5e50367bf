/**
 * A person's name written as the display name of a mailbox (RFC 5322 3.4):
 * as it is when it is a run of atoms, a quoted-string when it holds
 * specials, encoded words (RFC 2047 5(3)) when it holds non-ASCII text.
 * Used for `sendmail -F "Name"`, which names the sender in the From header
 * the command adds.
 */
import { encodeWords } from "./encoded_word_writer.ts";

/** RFC 5322 3.2.3 atext, and the spaces between words. */
const ATOM_PHRASE = /^[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~]+( [A-Za-z0-9!#$%&'*+\-/=?^_`{|}~]+)*$/;

/** `name` (Unicode text) as a phrase; "" when nothing printable is left. */
export function formatDisplayName(name: string): string {
  // Control characters (a CR or LF could end the field early) become spaces.
  const text = name.replace(/[\x00-\x1f\x7f]+/g, " ").replace(/ +/g, " ").trim();
  if (text === "" || ATOM_PHRASE.test(text)) return text;
  if (/^[\x20-\x7e]*$/.test(text)) return `"${text.replace(/["\\]/g, "\\$&")}"`;
  const binary = String.fromCharCode(...new TextEncoder().encode(text));
  return encodeWords(binary).join(" ");
}
