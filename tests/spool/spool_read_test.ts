/**
 * Spool.read: a queued message comes back byte-exact whether it is read
 * inline (up to 256 KiB) or through the I/O pool (bigger).
 */
import { makeTestDir } from "../temp_dirs.ts";
import assert from "node:assert/strict";
import { join } from "node:path";
import { Logger } from "../../src/log/mod.ts";
import { QueueFileError, Spool } from "../../src/spool/mod.ts";

const quiet = new Logger({ sink: () => {} });

function messageOf(bytes: number): Uint8Array {
  const head = new TextEncoder().encode("Subject: size\r\n\r\n");
  const out = new Uint8Array(Math.max(bytes, head.length));
  out.set(head);
  for (let i = head.length; i < out.length; i++) out[i] = i % 78 === 77 ? 10 : 97 + (i % 26);
  return out;
}

for (const bytes of [0, 5 * 1024, 256 * 1024 - 200, 256 * 1024, 300 * 1024, 3 * 1024 * 1024]) {
  Deno.test(`Spool.read returns a ${bytes}-byte message byte-exact`, async () => {
    const spoolDir = makeTestDir({ prefix: "pb-read-" });
    const spool = await Spool.open({ spoolDir, log: quiet });
    const message = messageOf(bytes);
    const qid = await spool.accept({
      envelope: { from: "a@x.test", rcpts: ["r@remote.test"], source: "smtp" },
      message,
    });
    const read = await spool.read(qid);
    assert.equal(read.envelope.qid, qid);
    assert.deepEqual(read.envelope.rcpts, ["r@remote.test"]);
    assert.deepEqual(read.bytes.subarray(read.messageOffset), message);
    await Deno.remove(spoolDir, { recursive: true });
  });
}

Deno.test("Spool.read rejects a missing message with NotFound and a damaged one with QueueFileError", async () => {
  const spoolDir = makeTestDir({ prefix: "pb-read-" });
  const spool = await Spool.open({ spoolDir, log: quiet });
  await assert.rejects(spool.read("NOSUCHQID"), Deno.errors.NotFound);
  await Deno.writeTextFile(join(spool.msgDir, "DAMAGED"), "not an envelope line\r\n");
  await assert.rejects(spool.read("DAMAGED"), QueueFileError);
  await Deno.remove(spoolDir, { recursive: true });
});
