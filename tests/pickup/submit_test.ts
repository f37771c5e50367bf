import { makeTestDir } from "../temp_dirs.ts";
import assert from "node:assert/strict";
import { join } from "node:path";
import { Directory, hashPassword, writeUsersFile } from "../../src/auth/mod.ts";
import { Logger } from "../../src/log/mod.ts";
import { resolveLocalRecipients, submitLocal } from "../../src/pickup/mod.ts";
import { Spool } from "../../src/spool/mod.ts";

async function directoryWith(aliases: string): Promise<Directory> {
  const dir = makeTestDir({ prefix: "pillarbox-submit-" });
  await writeUsersFile(
    join(dir, "users"),
    new Map([["bob@example.test", await hashPassword("x")]]),
  );
  Deno.writeTextFileSync(join(dir, "aliases"), aliases);
  return new Directory({
    usersFile: join(dir, "users"),
    aliasesFile: join(dir, "aliases"),
    domains: ["example.test"],
  });
}

const CASES: [string, string[], string[]][] = [
  [
    "an alias's remote target named again in another case",
    ["team@example.test", "Friend@elsewhere.test"],
    ["bob@example.test", "friend@elsewhere.test"],
  ],
  [
    "an unknown local address written twice in two cases",
    ["Ghost@example.test", "ghost@example.test"],
    ["Ghost@example.test"],
  ],
  [
    "a remote address written twice in two cases",
    ["Joe@remote.test", "joe@remote.test"],
    ["Joe@remote.test"],
  ],
  [
    "a remote address written with its domain in U-labels and in A-labels (RFC 5890: one domain)",
    ["joe@bücher.example", "joe@xn--bcher-kva.example"],
    ["joe@bücher.example"],
  ],
];
for (const [what, rcpts, expected] of CASES) {
  Deno.test(`resolveLocalRecipients() lists a recipient once, as SMTP RCPT does: ${what}`, async () => {
    const directory = await directoryWith(
      "team@example.test: bob@example.test, friend@elsewhere.test\n",
    );
    assert.deepEqual(await resolveLocalRecipients(directory, rcpts), expected);
  });
}

Deno.test("resolveLocalRecipients() keeps an alias's target that is no account, so its sender gets a bounce for it", async () => {
  // As at SMTP RCPT: the copy for a target that went away is failed 5.1.1 at delivery and the
  // sender hears of it, rather than vanishing without a word.
  const directory = await directoryWith("team@example.test: bob@example.test, gone@example.test\n");
  assert.deepEqual(
    (await resolveLocalRecipients(directory, ["team@example.test"])).sort(),
    ["bob@example.test", "gone@example.test"],
  );
});

/** Submits one message for `rcpts` as sendmail would; returns its envelope and its text as queued. */
async function submitted(rcpts: string[], flags: { is8bit: boolean; isSmtputf8: boolean }) {
  const spool = await Spool.open({
    spoolDir: makeTestDir({ prefix: "pillarbox-submit-" }),
    log: new Logger({ sink: () => {} }),
  });
  const qid = await submitLocal(
    {
      from: "alice@example.test",
      rcpts,
      message: new TextEncoder().encode("Subject: hi\r\n\r\nbody\r\n"),
      ...flags,
    },
    {
      spool,
      directory: await directoryWith(""),
      hostname: "mx.test",
      source: "sendmail",
    },
  );
  const { envelope, bytes, messageOffset } = await spool.read(qid);
  return { envelope, text: new TextDecoder().decode(bytes.subarray(messageOffset)) };
}

Deno.test("submitLocal() records 8-bit and SMTPUTF8 content in the envelope, for the relay to honour", async () => {
  // Without them delivery would send 8-bit octets to a peer that never offered
  // 8BITMIME (RFC 6152 3) or SMTPUTF8 (RFC 6531 3.4) instead of converting or bouncing.
  const eightBit = await submitted(["joe@remote.test"], { is8bit: true, isSmtputf8: true });
  assert.equal(eightBit.envelope.is8bit, true);
  assert.equal(eightBit.envelope.isSmtputf8, true);
  const plain = await submitted(["joe@remote.test"], { is8bit: false, isSmtputf8: false });
  assert.ok(!plain.envelope.is8bit && !plain.envelope.isSmtputf8);
});

Deno.test("submitLocal() names the recipient in Received only when there is one", async () => {
  const one = await submitted(["joe@remote.test"], { is8bit: false, isSmtputf8: false });
  assert.match(one.text, /^Received: [^]*?\r\n\tfor <joe@remote\.test>;/);
  // RFC 5321 7.2: "for" with several recipients would show each one the others (Bcc too).
  const two = await submitted(["joe@remote.test", "ann@remote.test"], {
    is8bit: false,
    isSmtputf8: false,
  });
  assert.match(two.text, /^Received: /);
  assert.doesNotMatch(two.text, /\bfor </);
});
