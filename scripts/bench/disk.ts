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

/** Durable file+dir writes per second from one writer and from four. */
export async function measureFsyncRate(
  dir: string,
): Promise<{ oneThread: number; fourThreads: number }> {
  const oneThread = await writers(`${dir}/one`, 1, 2);
  const fourThreads = await writers(`${dir}/four`, 4, 2);
  return { oneThread, fourThreads };
}
