/** Who a notice is addressed to when the sender is an alias (Bouncer's resolveRecipients). */
import assert from "node:assert/strict";
import { initialState } from "../../src/delivery/mod.ts";
import { Bouncer } from "../../src/delivery/bouncer.ts";
import { Spool } from "../../src/spool/mod.ts";
import { makeTestDir } from "../temp_dirs.ts";
import { MESSAGE, queued, quiet } from "./remote_courier_helpers.ts";

async function noticeRecipients(resolved: string[]): Promise<string[]> {
  const spoolDir = makeTestDir({ prefix: "pb-bouncer-" });
  const spool = await Spool.open({ spoolDir, log: quiet, spareFiles: 0 });
  const bouncer = new Bouncer({
    spool,
    spoolDir,
    hostname: "mx.example.test",
    log: quiet,
    resolveRecipients: () => Promise.resolve(resolved),
  });
  const state = initialState(["x@far.test"]);
  state.rcpts["x@far.test"] = { status: "failed", attempts: 1, lastStatus: "5.1.1" };
  const notice = await bouncer.sendFailure(queued(MESSAGE, ["x@far.test"]), state, ["x@far.test"]);
  return [...(await spool.readHeld(notice.heldName)).rcpts];
}

Deno.test("a notice to a sender that is an alias goes to what the alias expands to", async () => {
  assert.deepEqual(await noticeRecipients(["a@here.test", "b@here.test"]), [
    "a@here.test",
    "b@here.test",
  ]);
});

Deno.test("a notice to an alias with no targets left goes to the sender's address, not to no one", async () => {
  // A notice queued for no one is read by no one. At the sender's own address it is tried,
  // and when that fails it is kept in failed/ (it is from <>), where the postmaster sees it.
  assert.deepEqual(await noticeRecipients([]), ["alice@example.test"]);
});
