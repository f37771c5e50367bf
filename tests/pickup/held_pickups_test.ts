/**
 * A picked-up file is queued held under a name made from its claim's id, and
 * after a crash the held message goes or stays by whether the claim is still
 * there (src/pickup/held_pickups.ts): queued exactly once either way.
 */
import { makeTestDir } from "../temp_dirs.ts";
import assert from "node:assert/strict";
import { join } from "node:path";
import { Logger } from "../../src/log/mod.ts";
import { claimFile, claimId } from "../../src/pickup/claim.ts";
import { heldPickupName, settleHeldPickups } from "../../src/pickup/held_pickups.ts";
import { Spool } from "../../src/spool/mod.ts";

const quiet = new Logger({ sink: () => {} });

Deno.test("claimId() reads the id of a claim name, digits and letters alike, and nothing else", () => {
  assert.equal(claimId(".claimed-0123456789ab.report"), "0123456789ab");
  assert.equal(claimId(".claimed-00ff00ff00ff"), "00ff00ff00ff"); // a name too long to keep
  assert.equal(claimId("report"), null);
  assert.equal(claimId(".claimed-not-hex.report"), null);
});

Deno.test("heldPickupName() differs for two claims of the same name", async () => {
  const dir = makeTestDir();
  Deno.writeTextFileSync(join(dir, "msg"), "one");
  const first = (await claimFile(dir, "msg"))!;
  Deno.writeTextFileSync(join(dir, "msg"), "two");
  const second = (await claimFile(dir, "msg"))!;
  const id = (path: string) => /\.claimed-([0-9a-f]+)\.msg$/.exec(path)![1];
  assert.equal(heldPickupName(first), `.held-pickup-${id(first)}`);
  assert.equal(heldPickupName(second), `.held-pickup-${id(second)}`);
  assert.notEqual(heldPickupName(first), heldPickupName(second));
});

Deno.test("settleHeldPickups() drops a held message whose claim is still there and lets the other go", async () => {
  const spoolDir = makeTestDir();
  const pickupDir = join(spoolDir, "pickup");
  Deno.mkdirSync(pickupDir);
  const spool = await Spool.open({ spoolDir, log: quiet });
  const queueHeld = (claimed: string) =>
    spool.accept({
      envelope: { from: "a@example.test", rcpts: ["r@remote.test"], source: "pickup" },
      message: new TextEncoder().encode("Subject: picked up\r\n\r\nbody\r\n"),
      heldName: heldPickupName(claimed),
    });
  // A crash before the claim was removed: the file is taken again, so its held copy must go.
  Deno.writeTextFileSync(join(pickupDir, "unfinished"), "x");
  await queueHeld((await claimFile(pickupDir, "unfinished"))!);
  // A crash after the claim was removed (the commit): the held copy is the only one.
  Deno.writeTextFileSync(join(pickupDir, "committed"), "y");
  const committed = (await claimFile(pickupDir, "committed"))!;
  const qid = await queueHeld(committed);
  Deno.removeSync(committed);

  await settleHeldPickups({ spool, pickupDir, log: quiet });
  assert.deepEqual(await spool.listHeld(), []);
  assert.deepEqual(await spool.list(), [qid]);
});

Deno.test("settleHeldPickups() leaves other held messages alone and goes on past one it cannot read", async () => {
  const spoolDir = makeTestDir();
  const pickupDir = join(spoolDir, "pickup");
  Deno.mkdirSync(pickupDir);
  const spool = await Spool.open({ spoolDir, log: quiet });
  const message = new TextEncoder().encode("Subject: held\r\n\r\nbody\r\n");
  const envelope = { from: "a@example.test", rcpts: ["r@remote.test"], source: "pickup" as const };
  // A bounce held by the delivery side (its own rule lets it go, not the pickup's).
  await spool.accept({ envelope, message, heldName: ".held-bounce-0123456789ab" });
  // A held pickup whose file was damaged meanwhile, then one to let go.
  await spool.accept({ envelope, message, heldName: ".held-pickup-00000000000a" });
  Deno.writeTextFileSync(join(spool.msgDir, ".held-pickup-00000000000a"), "damaged");
  const qid = await spool.accept({ envelope, message, heldName: ".held-pickup-00000000000b" });
  const lines: string[] = [];
  await settleHeldPickups({ spool, pickupDir, log: new Logger({ sink: (l) => lines.push(l) }) });
  assert.deepEqual(await spool.list(), [qid], "the good one let go");
  assert.deepEqual(
    (await spool.listHeld()).sort(),
    [".held-bounce-0123456789ab", ".held-pickup-00000000000a"],
  );
  assert.ok(lines.some((line) => /event=pickup\.settle_failed .*00000000000a/.test(line)));
});
