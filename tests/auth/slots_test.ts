/** Slots: at most `size` tasks at once, the rest in arrival order. */
import assert from "node:assert/strict";
import { Slots } from "../../src/auth/slots.ts";

for (const size of [1, 2, 3]) {
  Deno.test(`Slots(${size}) runs at most ${size} of 8 tasks at once, in the order they came`, async () => {
    const slots = new Slots(size);
    let running = 0;
    let peak = 0;
    const started: number[] = [];
    const releases: (() => void)[] = [];
    const done = Array.from({ length: 8 }, (_, i) =>
      slots.run(async () => {
        started.push(i);
        running++;
        peak = Math.max(peak, running);
        await new Promise<void>((resolve) => releases.push(resolve));
        running--;
        return i;
      }));
    // Let each started task finish in turn; the next in line takes its slot.
    while (releases.length > 0 || started.length < 8) {
      await new Promise((resolve) => setTimeout(resolve, 0));
      releases.shift()?.();
    }
    assert.deepEqual(await Promise.all(done), [0, 1, 2, 3, 4, 5, 6, 7]);
    assert.equal(peak, size);
    assert.deepEqual(started, [0, 1, 2, 3, 4, 5, 6, 7]);
  });
}

Deno.test("Slots frees the slot of a task that throws", async () => {
  const slots = new Slots(1);
  await assert.rejects(slots.run(() => Promise.reject(new Error("boom"))), /boom/);
  assert.equal(await slots.run(() => Promise.resolve("next")), "next");
});
