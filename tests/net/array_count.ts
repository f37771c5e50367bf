/** Counting the bytes of arrays code makes, for tests that bound memory by bytes, not RSS. */

/**
 * Runs `work` with every `new Uint8Array(length)` of at least `minBytes`
 * counted (arrays made over another's memory, such as views, hold no bytes
 * of their own and are not). Code that names the global `Uint8Array` is seen;
 * the runtime's own internals are not.
 */
export async function countingArrays<T>(
  work: () => Promise<T>,
  options: { minBytes?: number } = {},
): Promise<{ result: T; bytes: number }> {
  const original = globalThis.Uint8Array;
  const minBytes = options.minBytes ?? 0;
  let bytes = 0;
  class Counted extends original {
    constructor(...args: unknown[]) {
      super(...(args as [ArrayBuffer]));
      if (typeof args[0] === "number" && args[0] >= minBytes) bytes += args[0];
    }
  }
  globalThis.Uint8Array = Counted as Uint8ArrayConstructor;
  try {
    const result = await work();
    return { result, bytes };
  } finally {
    globalThis.Uint8Array = original;
  }
}

/** The length of the biggest `new Uint8Array(length)` made while `work` runs. */
export async function biggestArrayDuring(work: () => Promise<unknown>): Promise<number> {
  const original = globalThis.Uint8Array;
  let biggest = 0;
  class Watched extends original {
    constructor(...args: unknown[]) {
      super(...(args as [ArrayBuffer]));
      if (typeof args[0] === "number") biggest = Math.max(biggest, args[0]);
    }
  }
  globalThis.Uint8Array = Watched as Uint8ArrayConstructor;
  try {
    await work();
  } finally {
    globalThis.Uint8Array = original;
  }
  return biggest;
}
