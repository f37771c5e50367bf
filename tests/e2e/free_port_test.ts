import assert from "node:assert/strict";
import { EPHEMERAL_FLOOR, freePort } from "./free_port.ts";

Deno.test("freePort gives ports under the kernel's ephemeral range that a daemon can bind", () => {
  const seen = new Set<number>();
  for (let i = 0; i < 50; i++) {
    const port = freePort();
    assert.ok(port >= 10_000 && port < EPHEMERAL_FLOOR, `port ${port}`);
    Deno.listen({ hostname: "127.0.0.1", port }).close();
    seen.add(port);
  }
  assert.ok(seen.size > 40, `50 probes gave only ${seen.size} different ports`);
});

Deno.test("freePort says why when the address is not there instead of looping", () => {
  // 192.0.2.1 (TEST-NET-1, RFC 5737) is on no interface of a test machine.
  assert.throws(
    () => freePort("192.0.2.1"),
    (error: Error) => !(error instanceof Deno.errors.AddrInUse),
  );
});
