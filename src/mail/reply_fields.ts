/**
 * The In-Reply-To and References fields of a message written in response to
 * another (RFC 5322 3.6.4): In-Reply-To names the parent's Message-ID, and
 * References is the parent's References (or, lacking it, its In-Reply-To
 * when that names one message) followed by the parent's Message-ID. A
 * delivery notice is such a response (RFC 3834 3.1.6: "SHOULD be provided
 * ... if there was a Message-ID field in the subject message"), so mail
 * readers thread it with the message it reports on.
 *
 * Pure: a header section (latin1 text, as `headerSection` gives it) in,
 * ready-to-write field lines out. Only well-formed message identifiers are
 * taken, so nothing the sender wrote can break the notice's header.
 */

/** A msg-id in its plain dot-atom form, or with a domain literal (RFC 5322 3.6.4). */
const MSG_ID =
  /<[A-Za-z0-9!#$%&'*+\/=?^_`{|}~.-]+@(?:[A-Za-z0-9!#$%&'*+\/=?^_`{|}~.-]+|\[[\x21-\x5a\x5e-\x7e]*\])>/g;

/** References kept at most: the first (the thread's root) and the latest ones. */
const MAX_REFERENCES = 20;

/** The unfolded value of the first field named `name` (any case), or null. */
function fieldValue(headers: string, name: string): string | null {
  const unfolded = headers.replace(/\r?\n(?=[ \t])/g, "");
  const wanted = name.toLowerCase();
  for (const line of unfolded.split(/\r?\n/)) {
    const colon = line.indexOf(":");
    if (colon <= 0) continue;
    if (line.slice(0, colon).trim().toLowerCase() === wanted) return line.slice(colon + 1);
  }
  return null;
}

/** The well-formed msg-ids in a field value, in order. */
function msgIds(value: string | null): string[] {
  if (value === null) return [];
  // One that would not fit a header line (998 characters) is no identifier anyone uses.
  return [...value.matchAll(MSG_ID)].map((match) => match[0]).filter((id) => id.length <= 900);
}

/**
 * The reply fields for a response to the message whose header section is
 * `headers`, as lines without their line ends (References folded, each
 * continuation line starting with a space); none when it has no usable
 * Message-ID.
 */
export function replyFields(headers: string): string[] {
  const [messageId] = msgIds(fieldValue(headers, "Message-ID"));
  if (messageId === undefined) return [];
  let parents = msgIds(fieldValue(headers, "References"));
  if (parents.length === 0) {
    const inReplyTo = msgIds(fieldValue(headers, "In-Reply-To"));
    if (inReplyTo.length === 1) parents = inReplyTo;
  }
  let references = [...parents.filter((id) => id !== messageId), messageId];
  if (references.length > MAX_REFERENCES) {
    references = [references[0]!, ...references.slice(-(MAX_REFERENCES - 1))];
  }
  const [first, ...rest] = references;
  return [
    `In-Reply-To: ${messageId}`,
    `References: ${first}`,
    ...rest.map((id) => ` ${id}`),
  ];
}
