/**
 * A listener that could not be opened at start (port taken, no permission,
 * address not on this host): one line naming the address and the flag, not
 * a stack trace.
 */
import { formatHostPort, type ListenAddress } from "../config/mod.ts";

/** `serve` could not open the socket that `--<flag>` asks for. */
export class ListenError extends Error {
  override name = "ListenError";
}

/** The reason in words, from node:net's error codes or Deno's error classes. */
function reasonOf(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (code === "EADDRINUSE" || error instanceof Deno.errors.AddrInUse) {
    return "address already in use";
  }
  if (code === "EACCES" || error instanceof Deno.errors.PermissionDenied) {
    return "permission denied (ports below 1024 need root or CAP_NET_BIND_SERVICE)";
  }
  if (code === "EADDRNOTAVAIL" || error instanceof Deno.errors.AddrNotAvailable) {
    return "no such address on this host";
  }
  return error instanceof Error ? error.message : String(error);
}

/** Runs `start`; a failure becomes a {@link ListenError} naming `flag` and `address`. */
export async function listenFor<T>(
  flag: string,
  address: ListenAddress,
  start: (address: ListenAddress) => Promise<T>,
): Promise<T> {
  try {
    return await start(address);
  } catch (error) {
    throw new ListenError(
      `Cannot listen on ${formatHostPort(address)} (--${flag}): ${reasonOf(error)}`,
    );
  }
}
