/**
 * A loopback port that is free now, for a daemon (ours or Exim's, Postfix's, Dovecot's) that must
 * be told its port before it starts, or whose peer must be.
 *
 * It is chosen below the kernel's ephemeral range: a port the kernel hands out for `port: 0`
 * comes from that range, and so does the local port of every outgoing connection, so in the
 * moment between the probe's close and the daemon's bind any connection on the machine could take
 * it. A random port under the range is never handed out by the kernel, only by another probe.
 */

/** Linux's default `ip_local_port_range` starts here (reading /proc/sys needs --allow-all). */
export const EPHEMERAL_FLOOR = 32_768;
const LOWEST = 10_000;
const TRIES = 200;

export function freePort(hostname = "127.0.0.1"): number {
  for (let i = 0; i < TRIES; i++) {
    const port = LOWEST + Math.floor(Math.random() * (EPHEMERAL_FLOOR - LOWEST));
    if (bindsNow(hostname, port)) return port;
  }
  throw new Error(
    `no free port on ${hostname} in ${LOWEST}-${EPHEMERAL_FLOOR - 1} after ${TRIES} tries`,
  );
}

function bindsNow(hostname: string, port: number): boolean {
  try {
    Deno.listen({ hostname, port }).close();
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.AddrInUse) return false;
    throw error; // no such address (no ::1 here), or no permission: the caller must hear it
  }
}
