/** What the targets of a RCPT carry on of its NOTIFY and ORCPT (RFC 3461 4.2, 5.2.7). */
import assert from "node:assert/strict";
import { Transaction } from "../../src/smtpd/transaction.ts";

function transaction(): Transaction {
  return new Transaction({ from: "alice@x.test", is8bit: false, isSmtputf8: false });
}

Deno.test("Transaction keeps nothing of DSN for a RCPT without NOTIFY or ORCPT", () => {
  const tx = transaction();
  tx.addRecipient("team@x.test", ["bob@x.test", "carol@x.test"]);
  assert.equal(tx.rcptDsn, null);
  assert.equal(tx.expanded, null);
});

Deno.test("Transaction keeps a plain recipient's NOTIFY and ORCPT as given", () => {
  const tx = transaction();
  tx.addRecipient("bob@x.test", ["bob@x.test"], { notify: ["SUCCESS"], orcpt: "rfc822;B@x" });
  assert.deepEqual(tx.rcptDsn, { "bob@x.test": { notify: ["SUCCESS"], orcpt: "rfc822;B@x" } });
  assert.equal(tx.expanded, null);
});

Deno.test("Transaction gives no ORCPT to a recipient written in another case", () => {
  const tx = transaction();
  tx.addRecipient("Bob@X.test", ["bob@x.test"], { notify: ["FAILURE"] });
  assert.deepEqual(tx.rcptDsn, { "bob@x.test": { notify: ["FAILURE"] } });
});

Deno.test("Transaction gives a single-target alias's target its NOTIFY and the RCPT as ORCPT", () => {
  const tx = transaction();
  tx.addRecipient("info+x@x.test", ["bob@x.test"], { notify: ["SUCCESS", "FAILURE"] });
  assert.deepEqual(tx.rcptDsn, {
    "bob@x.test": { notify: ["SUCCESS", "FAILURE"], orcpt: "rfc822;info+2Bx@x.test" },
  });
  assert.equal(tx.expanded, null, "RFC 3461 5.2.7.2: no notice for the alias itself");
});

Deno.test("Transaction expands a multi-target alias: SUCCESS dropped, the alias reported expanded", () => {
  const tx = transaction();
  tx.addRecipient("team@x.test", ["bob@x.test", "carol@y.test"], {
    notify: ["SUCCESS", "DELAY"],
    orcpt: "rfc822;Team@x.test",
  });
  const carried = { notify: ["DELAY"], orcpt: "rfc822;Team@x.test" };
  assert.deepEqual(tx.rcptDsn, { "bob@x.test": carried, "carol@y.test": carried });
  assert.deepEqual(tx.expanded, [{ rcpt: "team@x.test", orcpt: "rfc822;Team@x.test" }]);
});

Deno.test("Transaction gives NEVER to an expanded alias's targets when SUCCESS was all", () => {
  const tx = transaction();
  tx.addRecipient("team@x.test", ["bob@x.test", "carol@x.test"], { notify: ["SUCCESS"] });
  const carried = { notify: ["NEVER"], orcpt: "rfc822;team@x.test" };
  assert.deepEqual(tx.rcptDsn, { "bob@x.test": carried, "carol@x.test": carried });
  assert.deepEqual(tx.expanded, [{ rcpt: "team@x.test" }]);
});

Deno.test("Transaction reports no expansion for an alias whose NOTIFY lacks SUCCESS", () => {
  const tx = transaction();
  tx.addRecipient("team@x.test", ["bob@x.test", "carol@x.test"], { notify: ["NEVER"] });
  assert.equal(tx.expanded, null);
  assert.deepEqual(tx.rcptDsn?.["carol@x.test"], {
    notify: ["NEVER"],
    orcpt: "rfc822;team@x.test",
  });
});

Deno.test("Transaction keeps a target's first RCPT's settings when a later RCPT names it again", () => {
  const tx = transaction();
  tx.addRecipient("bob@x.test", ["bob@x.test"], { notify: ["NEVER"] });
  tx.addRecipient("team@x.test", ["bob@x.test"], { notify: ["SUCCESS"] });
  assert.deepEqual(tx.targets, ["bob@x.test"]);
  assert.deepEqual(tx.rcptDsn, { "bob@x.test": { notify: ["NEVER"] } });
});

Deno.test("Transaction reports an alias named twice with SUCCESS as expanded once", () => {
  const tx = transaction();
  // Python's send_message() gives RCPT for To and Cc alike: the list named in both.
  tx.addRecipient("team@x.test", ["bob@x.test", "carol@x.test"], { notify: ["SUCCESS"] });
  tx.addRecipient("Team@x.test", ["bob@x.test", "carol@x.test"], { notify: ["SUCCESS"] });
  assert.deepEqual(tx.targets, ["bob@x.test", "carol@x.test"]);
  assert.deepEqual(tx.expanded, [{ rcpt: "team@x.test" }]);
});
