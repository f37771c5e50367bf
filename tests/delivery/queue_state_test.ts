/**
 * QueueStateStore: the per-recipient state files under queue/state/, read
 * inline and remembered as absent once found missing.
 */
import { makeTestDir } from "../temp_dirs.ts";
import assert from "node:assert/strict";
import { join } from "node:path";
import { initialState, type QueueState, QueueStateStore } from "../../src/delivery/mod.ts";
import { Logger } from "../../src/log/mod.ts";

/** Removes the temporary spool under `store`. */
async function dispose(store: QueueStateStore): Promise<void> {
  await Deno.remove(join(store.dir, "..", ".."), { recursive: true });
}

const RCPTS = ["a@remote.test", "b@remote.test"];

async function openStore(): Promise<QueueStateStore> {
  const spoolDir = makeTestDir({ prefix: "pb-state-" });
  await Deno.mkdir(join(spoolDir, "queue", "tmp"), { recursive: true });
  const store = new QueueStateStore({ spoolDir });
  await store.open();
  return store;
}

const tried: QueueState = {
  rcpts: {
    "a@remote.test": { status: "delivered", attempts: 1 },
    "b@remote.test": { status: "pending", attempts: 1, lastStatus: "4.4.1" },
  },
  nextAttemptMs: 1_800_000,
};

const cases: { name: string; file: string | null; expected: QueueState }[] = [
  {
    name: "no state file means every recipient pending, due now",
    file: null,
    expected: initialState(RCPTS),
  },
  { name: "a saved state is read back", file: JSON.stringify(tried), expected: tried },
  {
    name: "a state file that is not JSON counts as none",
    file: '{"rcpts": {',
    expected: initialState(RCPTS),
  },
  { name: "an empty state file counts as none", file: "", expected: initialState(RCPTS) },
  {
    name: "a recipient the state file does not know is pending; one the envelope lacks is dropped",
    file: JSON.stringify({
      rcpts: {
        "a@remote.test": tried.rcpts["a@remote.test"],
        "z@remote.test": { status: "failed", attempts: 3 },
      },
      nextAttemptMs: 5,
    }),
    expected: {
      rcpts: {
        "a@remote.test": tried.rcpts["a@remote.test"]!,
        "b@remote.test": { status: "pending", attempts: 0 },
      },
      nextAttemptMs: 5,
      isDelayNoticeSent: undefined,
    },
  },
];

for (const { name, file, expected } of cases) {
  Deno.test(`QueueStateStore.load: ${name}`, async () => {
    const store = await openStore();
    if (file !== null) await Deno.writeTextFile(join(store.dir, "Q1"), file);
    const state = store.load("Q1", RCPTS);
    assert.deepEqual({ ...state, isDelayNoticeSent: state.isDelayNoticeSent }, {
      ...expected,
      isDelayNoticeSent: expected.isDelayNoticeSent,
    });
    await dispose(store);
  });
}

Deno.test("QueueStateStore: a state saved after a load found none is what the next load returns", async () => {
  const store = await openStore();
  assert.deepEqual(store.load("Q2", RCPTS), initialState(RCPTS));
  await store.save("Q2", tried);
  assert.deepEqual(JSON.parse(await Deno.readTextFile(join(store.dir, "Q2"))), tried);
  assert.deepEqual(store.load("Q2", RCPTS).rcpts, tried.rcpts);
  await store.remove("Q2");
  await assert.rejects(Deno.lstat(join(store.dir, "Q2")), Deno.errors.NotFound);
  assert.deepEqual(await store.list(), []);
  await dispose(store);
});

Deno.test("QueueStateStore: removing a message that never had a state file is quiet", async () => {
  const store = await openStore();
  store.load("Q3", RCPTS);
  await store.remove("Q3");
  await store.remove("Q4"); // never loaded either
  assert.deepEqual(await store.list(), []);
  await dispose(store);
});

const DUE_CASES: { name: string; file: string | null; expected: number }[] = [
  { name: "no state file: due now", file: null, expected: 0 },
  { name: "a saved next attempt", file: JSON.stringify(tried), expected: 1_800_000 },
  { name: "a state file that is not JSON: due now", file: "{", expected: 0 },
  { name: "a state without a next attempt: due now", file: '{"rcpts": {}}', expected: 0 },
  {
    name: "a next attempt that is no number: due now",
    file: '{"rcpts": {}, "nextAttemptMs": "soon"}',
    expected: 0,
  },
];

for (const { name, file, expected } of DUE_CASES) {
  Deno.test(`QueueStateStore.dueAtMs: ${name}, and the load after it agrees`, async () => {
    const store = await openStore();
    if (file !== null) await Deno.writeTextFile(join(store.dir, "Q5"), file);
    assert.equal(store.dueAtMs("Q5"), expected);
    assert.equal(store.load("Q5", RCPTS).nextAttemptMs, expected === 1_800_000 ? expected : 0);
    await dispose(store);
  });
}

Deno.test("QueueStateStore: a load after a save sees the save, not a text read before it", async () => {
  const store = await openStore();
  assert.equal(store.dueAtMs("Q6"), 0);
  await store.save("Q6", tried);
  assert.deepEqual(store.load("Q6", RCPTS).rcpts, tried.rcpts);
  assert.equal(store.dueAtMs("Q6"), 1_800_000);
  await dispose(store);
});

Deno.test("QueueStateStore: attempts side by side each load what their own dueAtMs read, without reading it again", async () => {
  const store = await openStore();
  for (const qid of ["QA", "QB", "QC"]) await store.save(qid, tried);
  // Three attempts start (each reads its state), then load in another order, as awaits interleave.
  for (const qid of ["QA", "QB", "QC"]) assert.equal(store.dueAtMs(qid), 1_800_000);
  for (const qid of ["QA", "QB", "QC"]) await Deno.remove(join(store.dir, qid));
  for (const qid of ["QB", "QA", "QC"]) {
    assert.deepEqual(
      store.load(qid, RCPTS).rcpts,
      tried.rcpts,
      `${qid}: the text its dueAtMs read`,
    );
  }
  // Kept for that one load: the next attempt reads the disk (nothing there now).
  assert.equal(store.dueAtMs("QA"), 0);
  await dispose(store);
});

Deno.test("QueueStateStore: what dueAtMs read is kept for a bounded number of attempts, the oldest read again", async () => {
  const store = await openStore();
  await store.save("QOLD", tried);
  assert.equal(store.dueAtMs("QOLD"), 1_800_000);
  // Many more attempts start before that one loads (a restart: not due, left for later).
  for (let i = 0; i < 200; i++) store.dueAtMs(`QN${i}`);
  await Deno.remove(join(store.dir, "QOLD"));
  assert.deepEqual(store.load("QOLD", RCPTS), initialState(RCPTS), "read again: the file is gone");
  await dispose(store);
});

Deno.test("QueueStateStore: a state kept aside for a waiting message is not read again when its turn comes, once", async () => {
  const store = await openStore();
  await store.save("Q7", tried);
  assert.equal(store.dueAtMs("Q7"), 1_800_000);
  assert.deepEqual(store.pendingHint("Q7"), ["b@remote.test"]);
  store.keepAside("Q7");
  assert.equal(store.rememberedCount, 1);
  // The file is not read again for the turn: gone from disk, its state is still known.
  await Deno.remove(join(store.dir, "Q7"));
  assert.equal(store.dueAtMs("Q7"), 1_800_000);
  assert.deepEqual(store.load("Q7", RCPTS).rcpts, tried.rcpts);
  assert.equal(store.rememberedCount, 0, "kept for one read only");
  assert.equal(store.dueAtMs("Q7"), 0, "then read from disk: none");
  await dispose(store);
});

Deno.test("QueueStateStore: a save or a forget drops a state kept aside", async () => {
  const store = await openStore();
  for (const drop of ["save", "forget"] as const) {
    const qid = `Q8${drop}`;
    await store.save(qid, initialState(RCPTS));
    store.dueAtMs(qid);
    store.keepAside(qid);
    if (drop === "save") await store.save(qid, tried);
    else store.forget(qid);
    assert.equal(store.rememberedCount, 0);
    if (drop === "save") assert.deepEqual(store.load(qid, RCPTS).rcpts, tried.rcpts);
  }
  await dispose(store);
});

const DAMAGED: { name: string; file: string; expected: QueueState["rcpts"] }[] = [
  {
    name: "a state file cut short counts as none",
    file: JSON.stringify(tried).slice(0, 40),
    expected: initialState(RCPTS).rcpts,
  },
  {
    name: "a recipient entry with no known status is pending, the others as saved",
    file: JSON.stringify({
      rcpts: {
        "a@remote.test": { status: "sent", attempts: 1 },
        "b@remote.test": tried.rcpts["b@remote.test"],
      },
      nextAttemptMs: 0,
    }),
    expected: {
      "a@remote.test": { status: "pending", attempts: 0 },
      "b@remote.test": tried.rcpts["b@remote.test"]!,
    },
  },
  {
    name: "a recipient entry that is no object is pending",
    file: '{"rcpts": {"a@remote.test": "delivered"}, "nextAttemptMs": 0}',
    expected: initialState(RCPTS).rcpts,
  },
];

for (const { name, file, expected } of DAMAGED) {
  Deno.test(`QueueStateStore.load: ${name}, and the damage is logged`, async () => {
    const lines: string[] = [];
    const spoolDir = makeTestDir({ prefix: "pb-state-" });
    const store = new QueueStateStore({
      spoolDir,
      log: new Logger({ level: "info", format: "text", sink: (line) => lines.push(line) }),
    });
    await store.open();
    await Deno.writeTextFile(join(store.dir, "Q7"), file);
    assert.deepEqual(store.load("Q7", RCPTS).rcpts, expected);
    assert.equal(lines.length, 1, lines.join("\n"));
    assert.match(lines[0]!, /level=error event=queue\.state_damaged qid=Q7 /);
    await Deno.remove(spoolDir, { recursive: true });
  });
}

Deno.test("QueueStateStore: a state whose save failed is what the next attempt goes by, until a save works", async () => {
  const store = await openStore();
  await store.save("Q9", initialState(RCPTS));
  // A directory where the file goes: the save's rename fails, as on a disk error.
  const path = join(store.dir, "Q9");
  await Deno.remove(path);
  await Deno.mkdir(join(path, "in-the-way"), { recursive: true });
  await assert.rejects(store.save("Q9", tried));
  // a@ was delivered to: the next attempt must not deliver to it again (RFC 5321 6.1, 4.5.4.1).
  assert.deepEqual(store.load("Q9", RCPTS).rcpts, tried.rcpts);
  assert.equal(store.dueAtMs("Q9"), 1_800_000);
  assert.equal(store.rememberedCount, 1, "kept in memory while the disk refuses it");
  await Deno.remove(path, { recursive: true });
  await store.save("Q9", { ...tried, nextAttemptMs: 3_600_000 });
  assert.equal(store.rememberedCount, 0, "forgotten once saved");
  assert.equal(store.dueAtMs("Q9"), 3_600_000);
  await dispose(store);
});
