/**
 * The pickup folder on a disk that fills up for real (a small tmpfs; skipped
 * where it cannot be mounted): a file the server cannot queue, or cannot
 * move aside, gets its name back and is dealt with once there is room,
 * without a restart.
 */
import assert from "node:assert/strict";
import { maildirFiles, waitUntil } from "./harness.ts";
import { canMountDisk, withServerOnSmallDisk } from "./small_disk.ts";

const BOB = "bob@example.test";

Deno.test({
  name:
    "on a full disk a pickup file that cannot be queued or moved aside keeps its name, and is delivered or rejected once there is room",
  ignore: !canMountDisk,
  fn: () =>
    withServerOnSmallDisk(
      { sizeBytes: 2 * 1024 * 1024, users: { [BOB]: "pw" } },
      async (disk, server) => {
        const pickup = `${disk.dir}/pickup`;
        const names = () => [...Deno.readDirSync(pickup)].map((entry) => entry.name).sort();
        const body = ("x".repeat(70) + "\n").repeat(300);
        Deno.writeTextFileSync(
          `${pickup}/.good`,
          `From: cron\nTo: ${BOB}\nSubject: good\n\n${body}`,
        );
        // No From or Sender: moved to pickup-rejected/ with a note, which needs room too.
        Deno.writeTextFileSync(`${pickup}/.bad`, `To: ${BOB}\nSubject: bad\n\n${body}`);
        disk.fill();
        Deno.renameSync(`${pickup}/.good`, `${pickup}/good`);
        Deno.renameSync(`${pickup}/.bad`, `${pickup}/bad`);
        await server.waitForLog(/event=pickup\.deferred .*file=good/);
        await server.waitForLog(/event=pickup\.reject_failed .*file=bad/);
        // Not left under a claim name, which nothing but a restart would look at again.
        await waitUntil(() => names().join() === "bad,good", 10_000, "both names back");
        disk.unfill();
        await waitUntil(() => names().length === 0, 20_000, "both taken");
        await waitUntil(() => maildirFiles(disk.dir, BOB).length === 1, 10_000, "delivered");
        assert.deepEqual(
          [...Deno.readDirSync(`${disk.dir}/pickup-rejected`)].map((entry) => entry.name).sort(),
          ["bad", "bad.reason"],
        );
        assert.match(Deno.readTextFileSync(`${disk.dir}/pickup-rejected/bad.reason`), /No sender/);
      },
    ),
});
