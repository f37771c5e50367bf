/**
 * The server's TLS certificate: `--tls-cert` and `--tls-key` loaded into a
 * `tls.SecureContext` for STARTTLS, STLS and the implicit-TLS listeners.
 *
 * Placeholder written by the POP3 branch against the interface the TLS
 * branch provides (which adds reload on SIGHUP); the lead keeps theirs.
 */
import { readFileSync } from "node:fs";
import * as tls from "node:tls";
import type { Config } from "../config/mod.ts";
import type { Logger } from "../log/mod.ts";

/** Holds the current secure context. */
export class TlsContextProvider {
  #context: tls.SecureContext;

  private constructor(context: tls.SecureContext) {
    this.#context = context;
  }

  /** Loads the certificate and key named by the config; null when TLS is not configured. */
  static fromConfig(
    config: Pick<Config, "tlsCert" | "tlsKey">,
    log: Logger,
  ): Promise<TlsContextProvider | null> {
    if (config.tlsCert === "" || config.tlsKey === "") return Promise.resolve(null);
    const context = tls.createSecureContext({
      cert: readFileSync(config.tlsCert),
      key: readFileSync(config.tlsKey),
    });
    log.info("tls.loaded", { cert: config.tlsCert });
    return Promise.resolve(new TlsContextProvider(context));
  }

  /** The context to hand to `Connection.startServerTls`. */
  get context(): tls.SecureContext {
    return this.#context;
  }
}
