/**
 * How the server process runs: the runtime flags, permissions and
 * environment that `deno task start` (deno.json), `deno task compile`, the
 * bench and the end-to-end harness all give it. tests/app/server_runtime_test.ts
 * holds deno.json's start task to this list, so the four cannot drift apart.
 */

/** V8 settings, each measured with `deno task bench` (README, Performance). */
export const V8_FLAGS = [
  // A 2 MB young generation (V8's default grows to 16 MB): about 30 MB less RSS
  // under load, no measurable CPU cost.
  "--max-semi-space-size=2",
  // V8's memory saver: the heap grows more slowly and is given back sooner.
  "--memory-saver-mode",
];

/** Flags for `deno run` and `deno compile` that shape the runtime. */
export const RUNTIME_FLAGS = [
  // Functions are compiled when first called instead of all loaded from the
  // code cache: ~2.5 MB less idle RSS; only start-up pays.
  "--no-code-cache",
  `--v8-flags=${V8_FLAGS.join(",")}`,
];

/** Exactly the permissions the server needs (the e2e tests prove they suffice). */
export const PERMISSIONS = [
  "--allow-net",
  "--allow-read",
  "--allow-write",
  "--allow-env",
  "--allow-sys",
];

/**
 * The environment: `deno run` checks for updates unless told not to (an
 * appliance never phones home); glibc keeps the 16 MB an scrypt password
 * check frees in each thread's arena for reuse unless blocks of 1 MB and more
 * are mapped on their own (RssAnon after 300 POP3 logins, 30 at a time:
 * 94-143 MB without, 27-30 MB with; README, Accounts).
 */
export const SERVER_ENV = {
  DENO_NO_UPDATE_CHECK: "1",
  GLIBC_TUNABLES: "glibc.malloc.mmap_threshold=1048576",
};
