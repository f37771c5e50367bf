/** The outbound courier's settings that need more than a Config field: credentials and timeouts. */
import { type Config, ConfigError } from "../config/mod.ts";
import type { Logger } from "../log/mod.ts";
import type { ClientTimeouts } from "../smtp_client/mod.ts";

/** The smarthost login from `--smarthost-user` and the first line of `--smarthost-password-file`. */
export async function readSmarthostCredentials(
  config: Config,
  log: Logger,
): Promise<{ user: string; password: string } | null> {
  if (config.smarthostUser === "") return null;
  if (config.smarthostPasswordFile === "") {
    throw new ConfigError(
      "Invalid configuration: --smarthost-user needs --smarthost-password-file",
    );
  }
  let text: string;
  try {
    text = await Deno.readTextFile(config.smarthostPasswordFile);
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    throw new ConfigError(
      `Cannot read smarthost password file "${config.smarthostPasswordFile}": ${detail}`,
    );
  }
  const mode = (await Deno.stat(config.smarthostPasswordFile)).mode;
  if (mode !== null && (mode & 0o004) !== 0) {
    log.warn("smarthost.password_file_readable", {
      file: config.smarthostPasswordFile,
      mode: (mode & 0o777).toString(8),
      hint: "chmod 600",
    });
  }
  return { user: config.smarthostUser, password: text.split(/\r?\n/)[0] ?? "" };
}

/** Every outbound SMTP wait capped at `capMs` (`--remote-smtp-timeout`); 0 keeps the RFC's. */
export function clientTimeouts(capMs: number): Partial<ClientTimeouts> | undefined {
  if (capMs === 0) return undefined;
  return {
    connectMs: capMs,
    greetingMs: capMs,
    mailMs: capMs,
    rcptMs: capMs,
    dataInitMs: capMs,
    dataBlockMs: capMs,
    finalDotMs: capMs,
  };
}
