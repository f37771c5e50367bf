/** The nasty messages of fidelity_test.ts, as binary strings (one char per byte). */

export const HEAD = "From: a@example.test\r\nTo: bob@example.test\r\nSubject: t\r\n";

/** Messages as binary strings (one char per byte). */
export const CORPUS: { name: string; message: string }[] = [
  { name: "a plain message", message: HEAD + "\r\nhello\r\n" },
  { name: "an empty body", message: HEAD + "\r\n" },
  { name: "a header without the blank line", message: HEAD },
  { name: "no header section at all", message: "just body\r\nmore\r\n" },
  { name: "lines that are dots", message: HEAD + "\r\n.\r\n..\r\n. \r\n...\r\n.x\r\n" },
  {
    name: "a 998-octet line opening with a dot",
    message: HEAD + "\r\n." + "b".repeat(997) + "\r\n",
  },
  { name: "a last line without CRLF", message: HEAD + "\r\nno final newline" },
  { name: "a last line that is a dot without CRLF", message: HEAD + "\r\nx\r\n." },
  {
    name: "obs-fold and trailing white space",
    message: "From: a@example.test \r\nSubject: folded\r\n \r\n\tmore   \r\nX-E:\r\n\r\nbody  \r\n",
  },
  {
    name: "8-bit body and a UTF-8 header",
    message: HEAD.replace("t\r\n", "h\xc3\xa9llo \xe2\x9c\x93\r\n") + "\r\ncaf\xe9 \xff\r\n",
  },
  {
    name: "an attached message with 8-bit text and a dot line",
    message: HEAD + 'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="b"\r\n\r\n' +
      "--b\r\nContent-Type: message/rfc822\r\n\r\nSubject: in\r\n\r\ninner \xe9\r\n.\r\n--b--\r\n",
  },
  {
    name: "base64 with odd line lengths",
    message: HEAD +
      "Content-Transfer-Encoding: base64\r\n\r\nAAEC\r\nAwQFBgcICQ\r\noL\r\nDA0ODw==\r\n",
  },
];

/**
 * Line ends SMTP refuses but IMAP APPEND takes: a bare LF stored as CRLF, a lone CR as sent
 * (README, Mailboxes).
 */
export const APPEND_ONLY: { name: string; message: string }[] = [
  { name: "bare LF line ends and a dot line", message: "Subject: x\n\nbody\n.\nmore\n" },
  { name: "a bare CR inside a line", message: "Subject: x\r\n\r\na\rb\r\n.\r\n" },
  { name: "bare LFs and a last dot line without one", message: "Subject: x\n\nend\n." },
];
