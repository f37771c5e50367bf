/** Small, pure views of a message's header section. */

const decoder = new TextDecoder("latin1");

/** The header section of `message` (up to the blank line) as latin1 text, unfolded lines kept. */
export function headerSection(message: Uint8Array): string {
  const text = decoder.decode(message);
  // A message may start with the blank line: then every line after it is body.
  if (/^\r?\n/.test(text)) return "";
  const end = text.search(/\r?\n\r?\n/);
  return end < 0 ? text : text.slice(0, end + 2);
}

/** How many Received headers the header section holds (loop detection, RFC 5321 6.3). */
export function countReceived(headers: string): number {
  let count = 0;
  for (const line of headers.split(/\r?\n/)) if (/^received[ \t]*:/i.test(line)) count++;
  return count;
}
