/** The header fields whose values are lists of addresses (RFC 5322 3.6.2, 3.6.3, 3.6.6), lowercase. */
export const ADDRESS_FIELDS: ReadonlySet<string> = new Set([
  "from",
  "sender",
  "reply-to",
  "to",
  "cc",
  "bcc",
  "resent-from",
  "resent-sender",
  "resent-to",
  "resent-cc",
  "resent-bcc",
]);
