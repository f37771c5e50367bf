/**
 * Test certificates made at run time with the `openssl` command: a throwaway
 * CA and a server leaf it signs (`basicConstraints=CA:FALSE`, SAN
 * `IP:127.0.0.1, DNS:localhost`), so clients can verify the server for real.
 * TLS tests use `ignore: !HAS_OPENSSL` to skip cleanly where openssl is absent.
 */
import { createSecureContext, type SecureContext } from "node:tls";

/** Where `makeTestCertificates` wrote the PEM files. */
export interface TestCertificates {
  /** The CA certificate: what clients trust (`cafile=` / `ca:`). */
  caFile: string;
  /** The server's leaf certificate (pass as `--tls-cert`). */
  certFile: string;
  /** The leaf's private key (pass as `--tls-key`). */
  keyFile: string;
}

function opensslWorks(): boolean {
  try {
    return new Deno.Command("openssl", { args: ["version"], stdout: "null", stderr: "null" })
      .outputSync().success;
  } catch {
    return false;
  }
}

/** True when the `openssl` command is installed (TLS tests skip otherwise). */
export const HAS_OPENSSL: boolean = opensslWorks();

async function openssl(args: string[], cwd: string): Promise<void> {
  const output = await new Deno.Command("openssl", { args, cwd, stdout: "piped", stderr: "piped" })
    .output();
  if (!output.success) {
    throw new Error(
      `openssl ${args[0]} failed (${output.code}): ${new TextDecoder().decode(output.stderr)}`,
    );
  }
}

function leafExtensions(subjectAltName: string): string {
  return [
    "basicConstraints = critical, CA:FALSE",
    "keyUsage = critical, digitalSignature, keyEncipherment",
    "extendedKeyUsage = serverAuth",
    `subjectAltName = ${subjectAltName}`,
    "",
  ].join("\n");
}

/**
 * Writes a fresh CA and a leaf for 127.0.0.1/localhost (or `subjectAltName`,
 * e.g. "IP:127.0.0.1", and `commonName`) into `dir` (ECDSA P-256, valid two
 * days) and returns the file paths.
 */
export async function makeTestCertificates(
  dir: string,
  options: { subjectAltName?: string; commonName?: string } = {},
): Promise<TestCertificates> {
  const files = {
    caFile: `${dir}/test-ca.pem`,
    certFile: `${dir}/test-leaf.pem`,
    keyFile: `${dir}/test-leaf.key`,
  };
  const ecKey = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  await openssl([
    "req",
    "-x509",
    ...ecKey,
    "-keyout",
    "test-ca.key",
    "-out",
    "test-ca.pem",
    "-days",
    "2",
    "-subj",
    "/CN=Pillarbox Test CA",
    "-addext",
    "basicConstraints=critical,CA:TRUE",
    "-addext",
    "keyUsage=critical,keyCertSign,cRLSign",
  ], dir);
  await openssl(
    [
      "req",
      ...ecKey,
      "-keyout",
      "test-leaf.key",
      "-out",
      "test-leaf.csr",
      "-subj",
      `/CN=${options.commonName ?? "localhost"}`,
    ],
    dir,
  );
  await Deno.writeTextFile(
    `${dir}/test-leaf.ext`,
    leafExtensions(options.subjectAltName ?? "IP:127.0.0.1, DNS:localhost"),
  );
  await openssl([
    "x509",
    "-req",
    "-in",
    "test-leaf.csr",
    "-CA",
    "test-ca.pem",
    "-CAkey",
    "test-ca.key",
    "-CAcreateserial",
    "-out",
    "test-leaf.pem",
    "-days",
    "2",
    "-sha256",
    "-extfile",
    "test-leaf.ext",
  ], dir);
  return files;
}

/** A node:tls server context serving the leaf of `certs` (for TLS run inside the test). */
export function serverContextFor(certs: TestCertificates): SecureContext {
  return createSecureContext({
    cert: Deno.readTextFileSync(certs.certFile),
    key: Deno.readTextFileSync(certs.keyFile),
  });
}
