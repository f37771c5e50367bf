/**
 * The Message IDs THREAD REFERENCES links messages by (RFC 5256 3): the
 * msg-ids of a Message-ID, References or In-Reply-To field (RFC 5322
 * 3.6.4), each normalized so that two ways of writing one ID compare equal
 * (`<"a b"@x>` and `<a b@x>`, comments and folds inside the brackets
 * gone). Pure. Each ID is a string of its own, never a slice of the header
 * it came from, so keeping IDs keeps no header alive.
 */

/**
 * The longest ID kept: a msg-id has no place to fold (RFC 5322 3.6.4), so
 * one longer than a line (998 characters, RFC 5322 2.1.1) was never
 * written by a mail program; it is no valid Message ID here.
 */
export const MAX_MESSAGE_ID_CHARS = 998;

/**
 * The most references taken from one message, its last ones: a thread of
 * present messages comes out the same (each message's parent is its own
 * last reference), and a References field of a million IDs costs no more
 * than one of a hundred. RFC 5256 3 expects References to be cut short by
 * mail programs ("may have been truncated").
 */
export const MAX_REFERENCES = 100;

/** The first valid Message ID in a field's value, or null (RFC 5256 3, step 1.A). */
export function firstMessageId(value: string): string | null {
  let found: string | null = null;
  scanMessageIds(value, (id) => {
    found = id;
    return false;
  });
  return found;
}

/**
 * The message's references (RFC 5256 3): the valid Message IDs of its
 * References field, or when that has none, the first valid one of its
 * In-Reply-To field; at most the last `MAX_REFERENCES` of them.
 */
export function messageReferences(references: string | null, inReplyTo: string | null): string[] {
  const ids: string[] = [];
  if (references !== null) {
    scanMessageIds(references, (id) => {
      ids.push(id);
      // Keep the last ones without holding every ID of a huge field at once.
      if (ids.length >= 2 * MAX_REFERENCES) ids.splice(0, ids.length - MAX_REFERENCES);
      return true;
    });
  }
  if (ids.length > 0) return ids.slice(-MAX_REFERENCES);
  const parent = inReplyTo === null ? null : firstMessageId(inReplyTo);
  return parent === null ? [] : [parent];
}

/**
 * Calls `take` with each valid msg-id of `value` in order, until it says
 * false. Text outside angle brackets (In-Reply-To's obsolete phrases such as
 * `Your message of "Mon, 1 Jan"`, comments) is passed over; quoted strings
 * and comments there are skipped whole, so a "<" inside them starts no ID.
 */
function scanMessageIds(value: string, take: (id: string) => boolean): void {
  let i = 0;
  while (i < value.length) {
    const char = value[i];
    if (char === "(") i = afterComment(value, i);
    else if (char === '"') i = afterQuoted(value, i, null);
    else if (char === "<") {
      const { id, end } = readId(value, i + 1);
      if (id !== null && !take(id)) return;
      i = end;
    } else i++;
  }
}

/**
 * Reads one msg-id's inside from `start` (just after "<") and returns it
 * normalized, or null when it is no valid ID, with where scanning goes on.
 * RFC 5322 3.6.4: id-left "@" id-right. Quoted strings are unquoted,
 * comments and blanks (the obsolete forms' CFWS) dropped; one "@" outside
 * quotes with text on both sides makes it valid.
 */
function readId(value: string, start: number): { id: string | null; end: number } {
  const chars: string[] = [];
  let atIndex = -1;
  let i = start;
  while (i < value.length) {
    const char = value[i] as string;
    if (char === ">") {
      const isValid = atIndex > 0 && atIndex < chars.length - 1 &&
        chars.length <= MAX_MESSAGE_ID_CHARS;
      return { id: isValid ? chars.join("") : null, end: i + 1 };
    }
    // A second "<" before any ">": this one was no ID; scanning resumes at the new one.
    if (char === "<") return { id: null, end: i };
    if (char === '"') i = afterQuoted(value, i, chars);
    else if (char === "(") i = afterComment(value, i);
    else {
      if (char === "@" && atIndex < 0) atIndex = chars.length;
      if (char !== " " && char !== "\t" && char !== "\r" && char !== "\n") chars.push(char);
      i++;
    }
    // Past the longest ID: the rest up to ">" is no ID either; stop collecting it.
    if (chars.length > MAX_MESSAGE_ID_CHARS + 1) chars.length = MAX_MESSAGE_ID_CHARS + 1;
  }
  return { id: null, end: value.length };
}

/** The index after a quoted string starting at `start`; its text (quoted-pairs undone) to `into`. */
function afterQuoted(value: string, start: number, into: string[] | null): number {
  let i = start + 1;
  while (i < value.length) {
    const char = value[i] as string;
    if (char === '"') return i + 1;
    if (char === "\\" && i + 1 < value.length) i++;
    if (into !== null && into.length <= MAX_MESSAGE_ID_CHARS) into.push(value[i] as string);
    i++;
  }
  return value.length;
}

/** The index after a comment starting at `start` (nested, with quoted-pairs: RFC 5322 3.2.2). */
function afterComment(value: string, start: number): number {
  let depth = 0;
  for (let i = start; i < value.length; i++) {
    const char = value[i];
    if (char === "\\") i++;
    else if (char === "(") depth++;
    else if (char === ")" && --depth === 0) return i + 1;
  }
  return value.length;
}
