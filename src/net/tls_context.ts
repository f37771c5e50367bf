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
  constructor(message: string, options: { flags?: readonly string[] } = {}) {
    super(message, options);
    this.name = "TlsConfigError";
  }
}

/** What a loaded certificate says about itself (for logs). */
interface Loaded {
  context: tls.SecureContext;
  subject: string;
  validTo: string;
  validFromMs: number;
  validToMs: number;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The flag that names the certificate file, or the key file. */
const CERT_FLAG = { flags: ["tls-cert"] };
const KEY_FLAG = { flags: ["tls-key"] };

async function readPem(path: string, what: "certificate" | "key"): Promise<string> {
  const flag = what === "key" ? KEY_FLAG : CERT_FLAG;
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    throw new TlsConfigError(`Cannot read TLS ${what} "${path}": ${describe(error)}`, flag);
  }
  if (!text.includes("-----BEGIN ")) {
    throw new TlsConfigError(`Cannot use TLS ${what} "${path}": not a PEM file`, flag);
  }
  const unclosed = findUnclosedBlock(text);
  if (unclosed !== null) {
    throw new TlsConfigError(
      `Cannot use TLS ${what} "${path}": a PEM block has no END line (${unclosed}): the file is cut short, or was read while being written`,
      flag,
    );
  }
  return text;
}

/**
 * The first BEGIN without its END before the next BEGIN, as "certificate 2";
 * null when every block is whole. Skipping such a block would serve a chain
 * without its intermediate (a reload during `cat leaf int > cert.pem`), which
 * OpenSSL-based servers refuse too.
 */
function findUnclosedBlock(text: string): string | null {
  const begins = [...text.matchAll(/-----BEGIN ([A-Z0-9 ]+)-----/g)];
  const counts = new Map<string, number>();
  for (const [i, begin] of begins.entries()) {
    const label = begin[1] ?? "";
    const count = (counts.get(label) ?? 0) + 1;
    counts.set(label, count);
    const end = text.indexOf(`-----END ${label}-----`, begin.index + begin[0].length);
    const next = begins[i + 1]?.index ?? text.length;
    if (end === -1 || end > next) return `${label.toLowerCase()} ${count}`;
  }
  return null;
}

/** The PEM blocks of `text` in order, each with its label ("CERTIFICATE", "EC PRIVATE KEY"). */
function pemBlocks(text: string): { label: string; pem: string }[] {
  const blocks = text.matchAll(/-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?-----END \1-----/g);
  return [...blocks].map((match) => ({ label: match[1] ?? "", pem: match[0] + "\n" }));
}

/**
 * The certificates of `--tls-cert`, the server's own first, then its chain.
 * Other blocks are skipped: one file may hold the certificate and the key,
 * as OpenSSL-based servers accept (Postfix's key file defaults to its cert file).
 */
function parseCertificates(text: string, certFile: string): crypto.X509Certificate[] {
  const blocks = pemBlocks(text).filter((block) => block.label === "CERTIFICATE");
  if (blocks.length === 0) blocks.push({ label: "CERTIFICATE", pem: text });
  return blocks.map((block, i) => {
    try {
      return new crypto.X509Certificate(block.pem);
    } catch (error) {
      const which = blocks.length > 1 ? ` (certificate ${i + 1} of ${blocks.length})` : "";
      throw new TlsConfigError(
        `Cannot use TLS certificate "${certFile}": not a valid certificate${which}: ${
          describe(error)
        }`,
        CERT_FLAG,
      );
    }
  });
}

/** The private key of `--tls-key` (the first key block; other blocks are skipped). */
function parsePrivateKey(text: string, keyFile: string): { key: crypto.KeyObject; pem: string } {
  const block = pemBlocks(text).find((candidate) => candidate.label.endsWith("PRIVATE KEY"));
  if (block === undefined) {
    throw new TlsConfigError(`Cannot use TLS key "${keyFile}": no private key in it`, KEY_FLAG);
  }
  if (block.label === "ENCRYPTED PRIVATE KEY" || block.pem.includes("Proc-Type: 4,ENCRYPTED")) {
    throw new TlsConfigError(
      `Cannot use TLS key "${keyFile}": it is protected by a passphrase; the server needs it unencrypted (openssl pkey -in KEY -out NEW_KEY)`,
      KEY_FLAG,
    );
  }
  try {
    return { key: crypto.createPrivateKey(block.pem), pem: block.pem };
  } catch (error) {
    throw new TlsConfigError(
      `Cannot use TLS key "${keyFile}": not a valid private key: ${describe(error)}`,
      KEY_FLAG,
    );
  }
}

/** Reads and checks the pair; throws `TlsConfigError` naming the file at fault. */
async function loadPair(certFile: string, keyFile: string): Promise<Loaded> {
  const certText = await readPem(certFile, "certificate");
  const keyText = await readPem(keyFile, "key");
  const chain = parseCertificates(certText, certFile);
  const privateKey = parsePrivateKey(keyText, keyFile);
  const x509 = chain[0]!;
  if (!x509.checkPrivateKey(privateKey.key)) {
    const at = chain.findIndex((candidate) => candidate.checkPrivateKey(privateKey.key));
    if (at > 0) {
      throw new TlsConfigError(
        `Cannot use TLS certificate "${certFile}": the certificate of the key "${keyFile}" must come first, before its chain (it is certificate ${
          at + 1
        } of ${chain.length})`,
        CERT_FLAG,
      );
    }
    throw new TlsConfigError(
      `Cannot use TLS key "${keyFile}": it does not match the certificate "${certFile}"`,
      { flags: ["tls-cert", "tls-key"] },
    );
  }
  const cert = chain.map((certificate) => certificate.toString()).join("");
  const context = tls.createSecureContext({
    cert,
    key: privateKey.pem,
    minVersion: MIN_TLS_VERSION,
  });
  return {
    context,
    subject: x509.subject.replace(/\n/g, ","),
    validTo: x509.validTo,
    validFromMs: new Date(x509.validFrom).getTime(),
    validToMs: new Date(x509.validTo).getTime(),
  };
}

/**
 * An expired or not yet valid certificate still serves (clients that do not
 * verify, such as most MX senders, keep working), but every verifying client
 * refuses it: the operator must hear of it at once, naming the file.
 */
function reportValidity(loaded: Loaded, certFile: string, log: Logger): void {
  const nowMs = Date.now();
  if (loaded.validToMs < nowMs) {
    log.error("tls.cert_expired", { cert: certFile, until: loaded.validTo });
  } else if (loaded.validFromMs > nowMs) {
    log.error("tls.cert_not_yet_valid", {
      cert: certFile,
      from: new Date(loaded.validFromMs).toISOString(),
    });
  }
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
    reportValidity(loaded, files.certFile, log);
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
      reportValidity(loaded, this.#certFile, this.#log);
    } catch (error) {
      this.#log.error("tls.reload_failed", { error: describe(error) });
    }
  }
}
