/** What the disk allows: create+write+fsync a file, rename, fsync the directory. */

async function writers(dir: string, count: number, seconds: number): Promise<number> {
  await Deno.mkdir(dir, { recursive: true });
  const deadline = performance.now() + seconds * 1000;
  const payload = new Uint8Array(5000).fill(120);
  let done = 0;
  await Promise.all(Array.from({ length: count }, async (_, worker) => {
    let n = 0;
    while (performance.now() < deadline) {
      const tmp = `${dir}/t${worker}-${n}`;
      const file = await Deno.open(tmp, { write: true, createNew: true });
      await file.write(payload);
      await file.syncData();
      file.close();
      await Deno.rename(tmp, `${dir}/m${worker}-${n}`);
      const handle = await Deno.open(dir, { read: true });
      await handle.sync();
      handle.close();
      n++;
      done++;
    }
  }));
  return done / seconds;
}

/**
 * The same durable write without creating a file: each writer rewrites one
 * existing file and renames it back and forth. The gap to `writers` is the
 * file system's cost of allocating inodes (large on ext4 without a journal
 * for a few minutes after many deletions), not the disk's.
 */
async function rewriters(dir: string, count: number, seconds: number): Promise<number> {
  await Deno.mkdir(dir, { recursive: true });
  const payload = new Uint8Array(5000).fill(120);
  for (let worker = 0; worker < count; worker++) await Deno.writeFile(`${dir}/a${worker}`, payload);
  const deadline = performance.now() + seconds * 1000;
  let done = 0;
  await Promise.all(Array.from({ length: count }, async (_, worker) => {
    let name = "a";
    while (performance.now() < deadline) {
      const other = name === "a" ? "b" : "a";
      const file = await Deno.open(`${dir}/${name}${worker}`, { write: true });
      await file.write(payload);
      await file.syncData();
      file.close();
      await Deno.rename(`${dir}/${name}${worker}`, `${dir}/${other}${worker}`);
      const handle = await Deno.open(dir, { read: true });
      await handle.sync();
      handle.close();
      name = other;
      done++;
    }
  }));
  return done / seconds;
}

/** What the disk allows, in durable file+dir writes per second. */
export interface FsyncRate {
  /** Creating a new file each time, from one writer and from four. */
  oneThread: number;
  fourThreads: number;
  /** Rewriting existing files (no inode to allocate), from one writer and from four. */
  rewriteOneThread: number;
  rewriteFourThreads: number;
}

/** Durable file+dir writes per second, creating files and rewriting them, from one writer and four. */
export async function measureFsyncRate(dir: string): Promise<FsyncRate> {
  const oneThread = await writers(`${dir}/one`, 1, 2);
  const fourThreads = await writers(`${dir}/four`, 4, 2);
  const rewriteOneThread = await rewriters(`${dir}/rewrite-one`, 1, 2);
  const rewriteFourThreads = await rewriters(`${dir}/rewrite-four`, 4, 2);
  return { oneThread, fourThreads, rewriteOneThread, rewriteFourThreads };
}
