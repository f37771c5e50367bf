/** SEARCH TEXT over a multipart message: the MIME headers of its parts are header text too. */
import { assertSearches, mailboxWith } from "./imap_helpers.ts";

const WITH_ATTACHMENT = [
  "From: alice@remote.test",
  "Subject: the figures",
  "MIME-Version: 1.0",
  'Content-Type: multipart/mixed; boundary="XX"',
  "",
  "--XX",
  "Content-Type: text/plain; charset=us-ascii",
  "",
  "See the attached file.",
  "--XX",
  'Content-Type: application/pdf; name="q3-report.pdf"',
  "Content-Disposition: attachment;",
  ' filename="=?UTF-8?Q?Bericht_f=C3=BCr_Q3.pdf?="',
  "Content-Transfer-Encoding: base64",
  "",
  "JVBERi0xLjQK",
  "--XX--",
  "",
].join("\r\n");
const PLAIN = "From: bob@remote.test\r\nSubject: lunch\r\n\r\nNo attachment here.\r\n";
// A forwarded message pasted in as text: its "Subject:" line is body, not a header field.
const FORWARDED = "From: carl@remote.test\r\nSubject: notes\r\n\r\n" +
  "Forwarded text:\r\nSubject: secret plans\r\n\r\nsee above\r\n";

const CASES: [string, string, string][] = [
  ["TEXT finds an attachment's name in its part's Content-Type", "TEXT q3-report.pdf", "1"],
  ["TEXT finds a part's media type", "TEXT application/pdf", "1"],
  ["TEXT finds an encoded filename decoded and across the fold", 'TEXT "filename=\\"Bericht"', "1"],
  ["TEXT still finds the text part's words", 'TEXT "attached file"', "1"],
  ["BODY keeps to the text the parts hold", "BODY q3-report.pdf", ""],
  ["SUBJECT beside BODY reads the header field", "BODY forwarded SUBJECT notes", "3"],
  ["SUBJECT beside BODY ignores a Subject: line in the body", "BODY forwarded SUBJECT secret", ""],
  ["TEXT finds the body's Subject: line as text", 'TEXT "secret plans"', "3"],
];

Deno.test("SEARCH TEXT reads the MIME headers of a message's parts (RFC 3501 6.4.4), header keys the header alone", async () => {
  const { server, client } = await mailboxWith([WITH_ATTACHMENT, PLAIN, FORWARDED]);
  try {
    await assertSearches(client, CASES);
  } finally {
    client.close();
    await server.stop();
  }
});
