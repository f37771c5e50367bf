/**
 * The server's TLS settings in one place: the certificate and key from
 * `--tls-cert`/`--tls-key`, the protocol floor, and reloading on SIGHUP.
 * Every listener and STARTTLS/STLS handler asks `provider.context` at the
 * moment of the handshake, so a reload reaches new sessions at once.
 *
 * Deno's `tls.createSecureContext` accepts anything and fails only at the
 * first handshake, so the files are checked here with `node:crypto`: a PEM
 * certificate, a private key, and the key matching the certificate.
 */
import * as crypto from "node:crypto";
import * as tls from "node:tls";
import { type Config, ConfigError } from "../config/mod.ts";
import type { Logger } from "../log/mod.ts";

/** TLS 1.0 and 1.1 are deprecated (RFC 8996). */
const MIN_TLS_VERSION = "TLSv1.2";

/** A certificate or key that cannot be used; a configuration error (exit 2 at start). */
export class TlsConfigError extends ConfigError {
  /** Creates the error; `message` names the file and what is wrong with it. */
  constructor(message: string) {
    super(message);
    this.name = "TlsConfigError";
  }
}

/** What a loaded certificate says about itself (for logs). */
interface Loaded {
  context: tls.SecureContext;
  subject: string;
  validTo: string;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

async function readPem(path: string, what: string): Promise<string> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    throw new TlsConfigError(`Cannot read TLS ${what} "${path}": ${describe(error)}`);
  }
  if (!text.includes("-----BEGIN ")) {
    throw new TlsConfigError(`Cannot use TLS ${what} "${path}": not a PEM file`);
  }
  return text;
}

/** Reads and checks the pair; throws `TlsConfigError` naming the file at fault. */
async function loadPair(certFile: string, keyFile: string): Promise<Loaded> {
  const cert = await readPem(certFile, "certificate");
  const key = await readPem(keyFile, "key");
  let x509: crypto.X509Certificate;
  try {
    x509 = new crypto.X509Certificate(cert);
  } catch (error) {
    throw new TlsConfigError(
      `Cannot use TLS certificate "${certFile}": not a valid certificate: ${describe(error)}`,
    );
  }
  let privateKey: crypto.KeyObject;
  try {
    privateKey = crypto.createPrivateKey(key);
  } catch (error) {
    throw new TlsConfigError(
      `Cannot use TLS key "${keyFile}": not a valid private key: ${describe(error)}`,
    );
  }
  if (!x509.checkPrivateKey(privateKey)) {
    throw new TlsConfigError(
      `Cannot use TLS key "${keyFile}": it does not match the certificate "${certFile}"`,
    );
  }
  const context = tls.createSecureContext({ cert, key, minVersion: MIN_TLS_VERSION });
  return { context, subject: x509.subject.replace(/\n/g, ","), validTo: x509.validTo };
}

/**
 * Holds the current TLS context. Create it with {@link TlsContextProvider.fromConfig}
 * before any socket opens; call {@link TlsContextProvider.reload} on SIGHUP.
 */
export class TlsContextProvider {
  readonly #certFile: string;
  readonly #keyFile: string;
  readonly #log: Logger;
  #context: tls.SecureContext;

  private constructor(
    files: { certFile: string; keyFile: string },
    loaded: Loaded,
    log: Logger,
  ) {
    this.#certFile = files.certFile;
    this.#keyFile = files.keyFile;
    this.#context = loaded.context;
    this.#log = log;
  }

  /**
   * Loads `--tls-cert`/`--tls-key`; null when TLS is not configured. Throws
   * `TlsConfigError` (a `ConfigError`) when a file is unreadable or invalid.
   */
  static async fromConfig(config: Config, log: Logger): Promise<TlsContextProvider | null> {
    if (config.tlsCert === "" || config.tlsKey === "") return null;
    const files = { certFile: config.tlsCert, keyFile: config.tlsKey };
    const loaded = await loadPair(files.certFile, files.keyFile);
    log.info("tls.loaded", {
      cert: files.certFile,
      subject: loaded.subject,
      until: loaded.validTo,
    });
    return new TlsContextProvider(files, loaded, log);
  }

  /** The context for the next handshake. */
  get context(): tls.SecureContext {
    return this.#context;
  }

  /** Re-reads the files; on any error keeps the old context and logs it. Never throws. */
  async reload(): Promise<void> {
    try {
      const loaded = await loadPair(this.#certFile, this.#keyFile);
      this.#context = loaded.context;
      this.#log.info("tls.reloaded", {
        cert: this.#certFile,
        subject: loaded.subject,
        until: loaded.validTo,
      });
    } catch (error) {
      this.#log.error("tls.reload_failed", { error: describe(error) });
    }
  }
}
