/**
 * A small file system of its own for a spool, to fill up for real (ENOSPC):
 * a tmpfs mounted on a temporary directory. Mounting needs root (or
 * CAP_SYS_ADMIN); tests that need it skip where it is not allowed.
 */
import { statfsSync } from "node:fs";
import { type Server, startServer, tempDir } from "./harness.ts";

function run(program: string, args: string[]): boolean {
  try {
    return new Deno.Command(program, { args, stdout: "null", stderr: "null" }).outputSync()
      .success;
  } catch {
    return false;
  }
}

/** Whether this process may mount a tmpfs (tried once, on a throwaway directory). */
export const canMountDisk: boolean = (() => {
  if (Deno.build.os !== "linux") return false;
  const dir = tempDir("pillarbox-mount-probe-");
  const isMounted = run("mount", ["-t", "tmpfs", "-o", "size=64k", "tmpfs", dir]);
  if (isMounted) run("umount", [dir]);
  Deno.removeSync(dir);
  return isMounted;
})();

/** A mounted file system of `sizeBytes`; `fill` leaves about `freeBytes` free. */
export interface SmallDisk {
  dir: string;
  /** Fills the disk with a file of its own until only `freeBytes` are left. */
  fill(freeBytes?: number): void;
  /** Removes what `fill` wrote. */
  unfill(): void;
  /** Bytes free now. */
  freeBytes(): number;
  unmount(): void;
}

/** Mounts a tmpfs of `sizeBytes` on a new temporary directory. */
export function mountSmallDisk(sizeBytes: number): SmallDisk {
  const dir = tempDir("pillarbox-disk-");
  if (!run("mount", ["-t", "tmpfs", "-o", `size=${sizeBytes}`, "tmpfs", dir])) {
    throw new Error(`Cannot mount a tmpfs on ${dir}`);
  }
  const filler = `${dir}/filler`;
  const freeBytes = () => {
    const stats = statfsSync(dir);
    return stats.bavail * stats.bsize;
  };
  return {
    dir,
    fill(leave = 0) {
      const file = Deno.openSync(filler, { write: true, create: true, append: true });
      try {
        while (freeBytes() > leave) {
          file.writeSync(new Uint8Array(Math.max(4096, freeBytes() - leave)));
        }
      } catch (error) {
        if (leave > 0 || !(error instanceof Error && /os error 28/.test(error.message))) {
          throw error;
        }
      } finally {
        file.close();
      }
    },
    unfill() {
      Deno.removeSync(filler);
    },
    freeBytes,
    unmount() {
      run("umount", ["-l", dir]);
      Deno.removeSync(dir, { recursive: true });
    },
  };
}

/**
 * Runs `fn` against a server whose spool is on a disk of `sizeBytes` of its
 * own (with the users and flags given), then stops it and unmounts the disk.
 */
export async function withServerOnSmallDisk(
  options: { sizeBytes: number; users: Record<string, string>; flags?: string[] },
  fn: (disk: SmallDisk, server: Server) => Promise<void>,
): Promise<void> {
  const disk = mountSmallDisk(options.sizeBytes);
  const server = await startServer({
    spoolDir: disk.dir,
    users: options.users,
    flags: options.flags,
  });
  try {
    await fn(disk, server);
  } finally {
    await server.stop();
    disk.unmount();
  }
}
