import { makeTestDir } from "../temp_dirs.ts";
import assert from "node:assert/strict";
import * as net from "node:net";
import * as tls from "node:tls";
import { loadConfig } from "../../src/config/mod.ts";
import { Logger } from "../../src/log/mod.ts";
import { TlsConfigError, TlsContextProvider } from "../../src/net/tls_context.ts";
import { HAS_OPENSSL, makeTestCertificates } from "../e2e/certs.ts";

function configWith(cert: string, key: string) {
  return loadConfig([`--tls-cert=${cert}`, `--tls-key=${key}`]).config;
}

/** Whether a client trusting `caFile` completes a verified handshake with `context`. */
async function handshakes(context: tls.SecureContext, caFile: string): Promise<boolean> {
  const server = net.createServer((raw) => {
    const secure = new tls.TLSSocket(raw, { isServer: true, secureContext: context });
    secure.on("error", () => raw.destroy());
    secure.on("secure", () => secure.end());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  try {
    return await new Promise<boolean>((resolve) => {
      const client = tls.connect({
        host: "127.0.0.1",
        port,
        servername: "localhost",
        ca: Deno.readTextFileSync(caFile),
      });
      client.once("secureConnect", () => {
        resolve(client.authorized);
        client.destroy();
      });
      client.once("error", () => resolve(false));
    });
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
}

function captureLog(): { log: Logger; lines: string[] } {
  const lines: string[] = [];
  return { log: new Logger({ level: "debug", sink: (line) => lines.push(line) }), lines };
}

Deno.test("TlsContextProvider.fromConfig() is null when no certificate is configured", async () => {
  const provider = await TlsContextProvider.fromConfig(loadConfig([]).config, captureLog().log);
  assert.equal(provider, null);
});

Deno.test({
  name: "TlsContextProvider.fromConfig() names the file at fault",
  ignore: !HAS_OPENSSL,
  fn: async () => {
    const dir = makeTestDir();
    const good = await makeTestCertificates(dir);
    const other = await makeTestCertificates(makeTestDir());
    await Deno.writeTextFile(`${dir}/text.pem`, "hello\n");
    await Deno.writeTextFile(
      `${dir}/junk.pem`,
      "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
    );
    await Deno.writeTextFile(
      `${dir}/junk.key`,
      "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
    );
    const cases: { name: string; cert: string; key: string; error: RegExp }[] = [
      {
        name: "a missing certificate",
        cert: `${dir}/none.pem`,
        key: good.keyFile,
        error: /^Cannot read TLS certificate ".*none\.pem": /,
      },
      {
        name: "a missing key",
        cert: good.certFile,
        key: `${dir}/none.key`,
        error: /^Cannot read TLS key ".*none\.key": /,
      },
      {
        name: "a certificate that is not PEM",
        cert: `${dir}/text.pem`,
        key: good.keyFile,
        error: /^Cannot use TLS certificate ".*text\.pem": not a PEM file$/,
      },
      {
        name: "a PEM block that is no certificate",
        cert: `${dir}/junk.pem`,
        key: good.keyFile,
        error: /^Cannot use TLS certificate ".*junk\.pem": not a valid certificate/,
      },
      {
        name: "a PEM block that is no key",
        cert: good.certFile,
        key: `${dir}/junk.key`,
        error: /^Cannot use TLS key ".*junk\.key": not a valid private key/,
      },
      {
        name: "a key of another certificate",
        cert: good.certFile,
        key: other.keyFile,
        error: /^Cannot use TLS key ".*test-leaf\.key": it does not match the certificate /,
      },
      {
        name: "a chain with the server's certificate after its issuer's",
        cert: `${dir}/ca-first.pem`,
        key: good.keyFile,
        error:
          /^Cannot use TLS certificate ".*ca-first\.pem": the certificate of the key ".*test-leaf\.key" must come first, before its chain \(it is certificate 2 of 2\)$/,
      },
      {
        name: "a chain whose last certificate is cut short (read while being written)",
        cert: `${dir}/cut-chain.pem`,
        key: good.keyFile,
        error:
          /^Cannot use TLS certificate ".*cut-chain\.pem": a PEM block has no END line \(certificate 2\): /,
      },
      {
        name: "a key cut short",
        cert: good.certFile,
        key: `${dir}/cut.key`,
        error: /^Cannot use TLS key ".*cut\.key": a PEM block has no END line \(private key 1\): /,
      },
      {
        name: "a key file that holds only a certificate",
        cert: good.certFile,
        key: good.certFile,
        error: /^Cannot use TLS key ".*test-leaf\.pem": no private key in it$/,
      },
      {
        name: "a key protected by a passphrase",
        cert: good.certFile,
        key: `${dir}/locked.key`,
        error: /^Cannot use TLS key ".*locked\.key": it is protected by a passphrase; /,
      },
    ];
    const locked = await new Deno.Command("openssl", {
      args: [
        "pkey",
        "-in",
        good.keyFile,
        "-aes128",
        "-passout",
        "pass:x",
        "-out",
        `${dir}/locked.key`,
      ],
    }).output();
    assert.ok(locked.success);
    await Deno.writeTextFile(
      `${dir}/ca-first.pem`,
      Deno.readTextFileSync(good.caFile) + Deno.readTextFileSync(good.certFile),
    );
    // What a reload reads while `cat leaf.pem intermediate.pem > cert.pem` is half done.
    const caPem = Deno.readTextFileSync(good.caFile);
    await Deno.writeTextFile(
      `${dir}/cut-chain.pem`,
      Deno.readTextFileSync(good.certFile) + caPem.slice(0, caPem.length / 2),
    );
    const keyPem = Deno.readTextFileSync(good.keyFile);
    await Deno.writeTextFile(`${dir}/cut.key`, keyPem.slice(0, keyPem.length - 30));
    for (const { name, cert, key, error } of cases) {
      await assert.rejects(
        TlsContextProvider.fromConfig(configWith(cert, key), captureLog().log),
        (thrown: unknown) => thrown instanceof TlsConfigError && error.test(thrown.message),
        name,
      );
    }
  },
});

Deno.test({
  name: "TlsContextProvider.reload() swaps in new files and keeps the old context on error",
  ignore: !HAS_OPENSSL,
  fn: async () => {
    const dir = makeTestDir();
    const files = await makeTestCertificates(dir);
    const { log, lines } = captureLog();
    const provider = await TlsContextProvider.fromConfig(
      configWith(files.certFile, files.keyFile),
      log,
    );
    assert.ok(provider);
    const first = provider.context;
    await Deno.writeTextFile(files.keyFile, "garbage\n");
    await provider.reload();
    assert.equal(provider.context, first, "a failed reload keeps the old context");
    assert.match(lines.at(-1)!, /level=error event=tls\.reload_failed .*test-leaf\.key/);
    const next = await makeTestCertificates(makeTestDir());
    await Deno.copyFile(next.keyFile, files.keyFile);
    await Deno.copyFile(next.certFile, files.certFile);
    await provider.reload();
    assert.notEqual(provider.context, first);
    assert.match(lines.at(-1)!, /event=tls\.reloaded /);
  },
});

Deno.test({
  name:
    "TlsContextProvider serves one file holding the certificate and the key (Postfix's default)",
  ignore: !HAS_OPENSSL,
  fn: async () => {
    const dir = makeTestDir();
    const files = await makeTestCertificates(dir);
    const leaf = Deno.readTextFileSync(files.certFile);
    const key = Deno.readTextFileSync(files.keyFile);
    const cases = [
      { name: "certificate then key", text: leaf + key },
      { name: "key then certificate", text: key + leaf },
    ];
    for (const { name, text } of cases) {
      const both = `${dir}/both.pem`;
      await Deno.writeTextFile(both, text);
      const provider = await TlsContextProvider.fromConfig(
        configWith(both, both),
        captureLog().log,
      );
      assert.ok(provider, name);
      assert.equal(await handshakes(provider.context, files.caFile), true, name);
    }
  },
});

/** Signs the leaf of `makeTestCertificates(dir)` again, with a validity that ended a day ago. */
async function signExpired(dir: string): Promise<void> {
  const args = ["x509", "-req", "-in", "test-leaf.csr", "-CA", "test-ca.pem", "-CAkey"];
  args.push("test-ca.key", "-days", "-1", "-out", "test-leaf.pem");
  const output = await new Deno.Command("openssl", { args, cwd: dir, stderr: "null" }).output();
  assert.ok(output.success, "openssl x509 -days -1");
}

Deno.test({
  name: "TlsContextProvider logs an error naming an expired certificate, at start and on reload",
  ignore: !HAS_OPENSSL,
  fn: async () => {
    const dir = makeTestDir();
    const files = await makeTestCertificates(dir);
    const good = Deno.readTextFileSync(files.certFile);
    await signExpired(dir);
    const { log, lines } = captureLog();
    const provider = await TlsContextProvider.fromConfig(
      configWith(files.certFile, files.keyFile),
      log,
    );
    assert.ok(provider, "it still serves: clients that do not verify keep working");
    assert.match(
      lines.join("\n"),
      /level=error event=tls\.cert_expired cert=.*test-leaf\.pem until=/,
    );

    await Deno.writeTextFile(files.certFile, good);
    lines.length = 0;
    await provider.reload();
    assert.doesNotMatch(lines.join("\n"), /cert_expired/);
    await signExpired(dir);
    await provider.reload();
    assert.match(lines.join("\n"), /level=error event=tls\.cert_expired cert=.*test-leaf\.pem/);
  },
});
