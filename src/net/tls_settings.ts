/**
 * The server's TLS settings, when a certificate is configured. The module
 * behind them (node:tls, node:crypto) is loaded only then: a server without
 * TLS does not carry it (~7 MB).
 */
import type { Config } from "../config/mod.ts";
import type { Logger } from "../log/mod.ts";
import type { TlsContextProvider } from "./tls_context.ts";

/** Loads `--tls-cert`/`--tls-key`; null when none is configured. Throws `TlsConfigError`. */
export async function loadTlsSettings(
  config: Config,
  log: Logger,
): Promise<TlsContextProvider | null> {
  if (config.tlsCert === "" || config.tlsKey === "") return null;
  const { TlsContextProvider } = await import("./tls_context.ts");
  return await TlsContextProvider.fromConfig(config, log);
}
