/** A damaged queue file is set aside once with its reason, never retried in a loop. */
import assert from "node:assert/strict";
import { startServer, tempDir } from "./harness.ts";

Deno.test("a queue file that cannot be read goes to failed/ with a reason, and the server goes on", async () => {
  const spoolDir = tempDir();
  await Deno.mkdir(`${spoolDir}/queue/msg`, { recursive: true });
  await Deno.writeTextFile(
    `${spoolDir}/queue/msg/broken1`,
    "PBQ1 {not json\nSubject: x\r\n\r\nbody\r\n",
  );
  const server = await startServer({ spoolDir });
  try {
    const line = await server.waitForLog(/event=queue\.damaged .*qid=broken1/);
    assert.match(line, /level=error/);
    assert.match(await Deno.readTextFile(`${spoolDir}/failed/broken1.reason`), /damaged.*not JSON/);
    assert.match(
      await Deno.readTextFile(`${spoolDir}/failed/broken1`),
      /^PBQ1 \{not json\n/,
      "kept as it was",
    );
    assert.deepEqual([...Deno.readDirSync(`${spoolDir}/queue/msg`)], [], "gone from the queue");
  } finally {
    await server.stop();
  }
});
