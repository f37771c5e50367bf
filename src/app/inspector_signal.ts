/**
 * SIGUSR1. Deno (since 2.9.2, like Node) opens its V8 inspector on
 * 127.0.0.1:9229 when a process gets SIGUSR1, and keeps it open: anyone on
 * the host who connects to it runs code inside the server, with the
 * server's rights (every mailbox, the users file, the TLS key). An
 * administrator used to other daemons sends SIGUSR1 to reopen logs. Deno
 * offers no switch to turn this off, so the server takes the signal and
 * closes the inspector as soon as it appears, which also ends any session
 * that got in meanwhile. The signal otherwise does nothing (the log goes to
 * stderr: there is nothing to reopen).
 */
import type { Logger } from "../log/mod.ts";

/** How often, and for how long, to look for the inspector a SIGUSR1 opens. */
const POLL_MS = 2;
const WATCH_MS = 2_000;

/** Takes SIGUSR1: the inspector it opens is closed at once, and the signal is logged. */
export function closeInspectorOnSignal(log: Logger): void {
  Deno.addSignalListener("SIGUSR1", () => void watchForInspector(log));
}

async function watchForInspector(log: Logger): Promise<void> {
  const inspector = await import("node:inspector");
  const untilMs = performance.now() + WATCH_MS;
  // The runtime opens it after this listener has run: look until it is there (or it was not
  // opened: a signal in the first half second of the process, or port 9229 taken).
  while (inspector.url() === undefined && performance.now() < untilMs) {
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  const wasOpen = inspector.url() !== undefined;
  if (wasOpen) inspector.close();
  log.warn("signal.ignored", {
    signal: "SIGUSR1",
    inspector: wasOpen ? "closed" : "none",
  });
}
