/**
 * A throwaway CA and a leaf certificate for 127.0.0.1/localhost, made with
 * the openssl command line at test time (never checked in).
 */
import { tempDir } from "./harness.ts";

/** Paths of the generated PEM files. */
export interface TestCerts {
  caCert: string;
  cert: string;
  key: string;
}

/** Whether the openssl command is available (tests needing it are skipped otherwise). */
export const HAS_OPENSSL = (() => {
  try {
    return new Deno.Command("openssl", { args: ["version"], stdout: "null", stderr: "null" })
      .outputSync().success;
  } catch {
    return false;
  }
})();

async function openssl(args: string[], cwd: string): Promise<void> {
  const output = await new Deno.Command("openssl", { args, cwd, stdout: "piped", stderr: "piped" })
    .output();
  if (!output.success) {
    throw new Error(`openssl ${args[0]} failed: ${new TextDecoder().decode(output.stderr)}`);
  }
}

let made: Promise<TestCerts> | null = null;

/** Creates (once per test process) the CA and a leaf signed by it. */
export function testCerts(): Promise<TestCerts> {
  return made ??= (async () => {
    const dir = tempDir("pillarbox-certs-");
    const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
    await openssl([
      "req",
      "-x509",
      ...ec,
      "-keyout",
      "ca.key",
      "-out",
      "ca.pem",
      "-days",
      "2",
      "-subj",
      "/CN=Pillarbox Test CA",
      "-addext",
      "basicConstraints=critical,CA:TRUE",
      "-addext",
      "keyUsage=critical,keyCertSign,cRLSign",
    ], dir);
    await openssl([
      "req",
      ...ec,
      "-keyout",
      "leaf.key",
      "-out",
      "leaf.csr",
      "-subj",
      "/CN=localhost",
    ], dir);
    await Deno.writeTextFile(
      `${dir}/leaf.ext`,
      "basicConstraints=critical,CA:FALSE\nsubjectAltName=IP:127.0.0.1,DNS:localhost\n" +
        "keyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n" +
        "subjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid,issuer\n",
    );
    await openssl([
      "x509",
      "-req",
      "-in",
      "leaf.csr",
      "-CA",
      "ca.pem",
      "-CAkey",
      "ca.key",
      "-CAcreateserial",
      "-out",
      "leaf.pem",
      "-days",
      "2",
      "-extfile",
      "leaf.ext",
    ], dir);
    return { caCert: `${dir}/ca.pem`, cert: `${dir}/leaf.pem`, key: `${dir}/leaf.key` };
  })();
}
