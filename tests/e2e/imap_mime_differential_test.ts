/**
 * The server's view of each message's structure (ENVELOPE, BODYSTRUCTURE,
 * BODY, RFC822.SIZE, BODY[n], BODY[n.MIME], BODY[n.HEADER], BODY[n.TEXT],
 * BODY[HEADER], BODY[TEXT], BODY[HEADER.FIELDS]) against an independent
 * parser, Python's email package, reading the same bytes
 * (mime_differential.py). Messages go in with APPEND, byte for byte, and the
 * 7-bit CRLF ones over SMTP as well.
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { makeTestFile } from "../temp_dirs.ts";
import { python, startServer } from "./harness.ts";
import { MIME_CORPUS, SMTP_SAFE } from "./mime_corpus.ts";
import { deliver } from "./imap_helpers.ts";

const CHECKER = fileURLToPath(new URL("./mime_differential.py", import.meta.url));

Deno.test("IMAP's view of message structure agrees with Python's email package", async () => {
  const server = await startServer({
    users: { "bob@example.test": "pw-bob" },
    flags: ["--insecure-auth"],
  });
  const corpusFile = makeTestFile({ prefix: "pillarbox-mime-corpus-" });
  try {
    const smtp = MIME_CORPUS.slice(0, SMTP_SAFE);
    for (const { name, message } of smtp) {
      assert.match(message, /^[\x00-\x7f]*\r\n$/, `${name}: 7-bit and ending in CRLF for SMTP`);
      assert.doesNotMatch(message, /[^\r]\n/, `${name}: CRLF line ends only for SMTP`);
    }
    await deliver(server, smtp.map(({ message }) => message));
    Deno.writeTextFileSync(
      corpusFile,
      JSON.stringify(MIME_CORPUS.map(({ name, message }) => [name, message])),
    );
    const script = `exec(open(${JSON.stringify(CHECKER)}).read())`;
    const output = await python(script, [server.ports.imap!, corpusFile, smtp.length]);
    const problems: { message: string; what: string; imap: string; python: string }[] = JSON
      .parse(output);
    const expected = MIME_CORPUS.flatMap(({ name, differences }, i) =>
      (differences ?? []).flatMap(({ what }) =>
        i < SMTP_SAFE ? [`${name}: ${what}`, `smtp:${name}: ${what}`] : [`${name}: ${what}`]
      )
    );
    const found = problems.map((p) => `${p.message}: ${p.what}`);
    const unexpected = problems.filter((p) => !expected.includes(`${p.message}: ${p.what}`));
    assert.deepEqual(unexpected, [], "differences nobody explained");
    assert.deepEqual(expected.filter((e) => !found.includes(e)), [], "explained but not seen");
  } finally {
    await server.stop();
    await Deno.remove(corpusFile).catch(() => {});
  }
});
