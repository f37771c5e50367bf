/**
 * `Spool.accept` hands a message to the immediate delivery hook (local
 * mailboxes at once) only when the whole message is in memory and it is not
 * queued held: the hook gets chunks, and a spilled message's chunks in
 * memory are only its tail.
 */
import { makeTestDir } from "../temp_dirs.ts";
import assert from "node:assert/strict";
import { Logger } from "../../src/log/mod.ts";
import { type EnvelopeDraft, Spool } from "../../src/spool/mod.ts";

const ENVELOPE: EnvelopeDraft = {
  from: "a@remote.test",
  rcpts: ["bob@example.test"],
  source: "smtp",
};

/** A spool whose hook delivers every recipient, recording how many bytes it was given. */
async function spoolWithHook(): Promise<{ spool: Spool; delivered: number[] }> {
  const spool = await Spool.open({
    spoolDir: makeTestDir(),
    log: new Logger({ sink: () => {} }),
  });
  const delivered: number[] = [];
  spool.setImmediateDelivery((envelope, chunks, accepted) => {
    delivered.push(chunks.reduce((sum, chunk) => sum + chunk.length, 0));
    accepted();
    return Promise.resolve(envelope.rcpts);
  });
  return { spool, delivered };
}

/** A buffer holding `bytes` octets of message, appended in lines as DATA reads them. */
function bufferOf(spool: Spool, bytes: number) {
  const buffer = spool.newBuffer();
  const line = new TextEncoder().encode("x".repeat(98) + "\r\n");
  for (let i = 0; i < bytes / line.length; i++) buffer.append(line);
  return buffer;
}

Deno.test("Spool.accept() gives a message held in memory to the immediate hook, whole", async () => {
  const { spool, delivered } = await spoolWithHook();
  await spool.accept({ envelope: ENVELOPE, message: bufferOf(spool, 10_000) });
  assert.deepEqual(delivered, [10_000]);
  assert.deepEqual(await spool.list(), []);
});

Deno.test("Spool.accept() queues a spilled message whole instead of handing its tail to the hook", async () => {
  const { spool, delivered } = await spoolWithHook();
  const qid = await spool.accept({ envelope: ENVELOPE, message: bufferOf(spool, 700_000) });
  assert.deepEqual(delivered, []);
  const queued = await spool.read(qid);
  assert.equal(queued.bytes.length - queued.messageOffset, 700_000);
});

Deno.test("Spool.accept() queues a held message, never delivering it at once", async () => {
  const { spool, delivered } = await spoolWithHook();
  await spool.accept({ envelope: ENVELOPE, message: bufferOf(spool, 1_000), heldName: ".held-x" });
  assert.deepEqual(delivered, []);
  assert.deepEqual(await spool.listHeld(), [".held-x"]);
});
