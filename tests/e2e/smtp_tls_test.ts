/**
 * TLS on SMTP: STARTTLS (RFC 3207) and implicit TLS on --submissions-listen,
 * driven by Python's smtplib, `openssl s_client` and raw node:tls for the
 * plaintext-injection probe (CVE-2011-0411). Certificates are made at run
 * time; every test here skips cleanly without openssl.
 */
import assert from "node:assert/strict";
import * as net from "node:net";
import * as tls from "node:tls";
import { HAS_OPENSSL, makeTestCertificates, type TestCertificates } from "./certs.ts";
import {
  maildirFiles,
  python,
  runCli,
  type Server,
  startServer,
  tempDir,
  waitUntil,
} from "./harness.ts";

const USERS = { "alice@example.test": "alice-pw", "bob@example.test": "bob-pw" };
const ignore = !HAS_OPENSSL;

async function startTlsServer(
  flags: string[] = [],
): Promise<{ server: Server; certs: TestCertificates }> {
  const certs = await makeTestCertificates(tempDir());
  const server = await startServer({
    users: USERS,
    flags: [`--tls-cert=${certs.certFile}`, `--tls-key=${certs.keyFile}`, ...flags],
  });
  return { server, certs };
}

async function receivedMessage(server: Server, account: string): Promise<string> {
  await waitUntil(() => maildirFiles(server.spoolDir, account).length === 1, 10_000, "delivery");
  return await Deno.readTextFile(maildirFiles(server.spoolDir, account)[0]!);
}

const STARTTLS_SUBMIT = `
import smtplib, ssl, sys
port, ca = int(sys.argv[1]), sys.argv[2]
with smtplib.SMTP("127.0.0.1", port, timeout=20) as s:
    s.ehlo("client.test")
    print("plain", " ".join(sorted(s.esmtp_features)))
    s.starttls(context=ssl.create_default_context(cafile=ca))
    s.ehlo("client.test")
    print("tls", " ".join(sorted(s.esmtp_features)))
    print("session", s.sock.version(), s.sock.cipher()[0])
    try:
        s.login("alice@example.test", "wrong")
    except smtplib.SMTPAuthenticationError as e:
        print("wrong", e.smtp_code)
    s.login("alice@example.test", "alice-pw")
    try:
        s.sendmail("bob@example.test", ["bob@example.test"], b"Subject: spoof\\r\\n\\r\\nx\\r\\n")
    except smtplib.SMTPSenderRefused as e:
        print("spoof", e.smtp_code)
    s.sendmail("alice@example.test", ["bob@example.test"], b"Subject: hi\\r\\n\\r\\nover TLS\\r\\n")
    print("sent")
`;

Deno.test({
  name: "smtplib: STARTTLS, then login, then send; the Received header shows TLS and the user",
  ignore,
  fn: async () => {
    const { server, certs } = await startTlsServer();
    try {
      const out = await python(STARTTLS_SUBMIT, [server.ports.submission!, certs.caFile]);
      const plainLine = /^plain (.*)$/m.exec(out)![1]!;
      const tlsLine = /^tls (.*)$/m.exec(out)![1]!;
      assert.match(plainLine, /\bstarttls\b/);
      assert.doesNotMatch(plainLine, /\bauth\b/, "no AUTH before TLS");
      assert.match(tlsLine, /\bauth\b/);
      assert.doesNotMatch(tlsLine, /\bstarttls\b/, "no STARTTLS inside TLS");
      assert.match(out, /^wrong 535$/m);
      assert.match(out, /^spoof 553$/m);
      assert.match(out, /^sent$/m);
      const [, version, cipher] = /^session (\S+) (\S+)$/m.exec(out)!;
      const message = await receivedMessage(server, "bob@example.test");
      const received = /^Received: [\s\S]*?(?=\r\n\S)/m.exec(message)![0];
      assert.match(received, /with ESMTPSA id /);
      assert.ok(
        received.includes(`(using ${version} with cipher ${cipher})`),
        `${received} names ${version} ${cipher}`,
      );
      assert.match(received, /\(authenticated as alice@example\.test\)/);
      assert.doesNotMatch(message, /alice-pw/);
    } finally {
      await server.stop();
    }
  },
});

const IMPLICIT_SUBMIT = `
import smtplib, ssl, sys
port, ca = int(sys.argv[1]), sys.argv[2]
context = ssl.create_default_context(cafile=ca)
with smtplib.SMTP_SSL("127.0.0.1", port, context=context, timeout=20) as s:
    s.ehlo("client.test")
    print("features", " ".join(sorted(s.esmtp_features)))
    try:
        s.sendmail("alice@example.test", ["bob@example.test"], b"x\\r\\n")
    except smtplib.SMTPSenderRefused as e:
        print("anonymous", e.smtp_code)
    s.login("alice@example.test", "alice-pw")
    s.sendmail("alice@example.test", ["bob@example.test"], b"Subject: hi\\r\\n\\r\\nimplicit\\r\\n")
    print("sent", s.sock.version())
`;

Deno.test({
  name: "smtplib SMTP_SSL: implicit TLS on --submissions-listen needs AUTH, then sends",
  ignore,
  fn: async () => {
    const { server, certs } = await startTlsServer(["--submissions-listen=127.0.0.1:0"]);
    try {
      const out = await python(IMPLICIT_SUBMIT, [server.ports.submissions!, certs.caFile]);
      assert.match(out, /^features .*\bauth\b/m);
      assert.doesNotMatch(out, /starttls/);
      assert.match(out, /^anonymous 530$/m);
      assert.match(out, /^sent TLSv1\.[23]$/m);
      const message = await receivedMessage(server, "bob@example.test");
      assert.match(message, /with ESMTPSA id [\s\S]*\(using TLSv1\.[23] with cipher \S+\)/);
    } finally {
      await server.stop();
    }
  },
});

Deno.test({
  name: "openssl s_client -starttls smtp completes a verified handshake",
  ignore,
  fn: async () => {
    const { server, certs } = await startTlsServer();
    try {
      const child = new Deno.Command("openssl", {
        args: [
          "s_client",
          "-connect",
          `127.0.0.1:${server.ports.smtp}`,
          "-starttls",
          "smtp",
          "-CAfile",
          certs.caFile,
          "-verify_return_error",
          "-brief",
          "-crlf",
          "-ign_eof",
        ],
        stdin: "piped",
        stdout: "piped",
        stderr: "piped",
      }).spawn();
      const writer = child.stdin.getWriter();
      await writer.write(new TextEncoder().encode("NOOP\nquit\n"));
      await writer.close();
      const output = await child.output();
      const text = new TextDecoder().decode(output.stdout) +
        new TextDecoder().decode(output.stderr);
      assert.match(text, /Verification: OK/);
      assert.match(text, /Protocol version: TLSv1\.[23]/);
      assert.match(text, /^250 2\.0\.0 Ok/m, "NOOP answered inside TLS");
      assert.match(text, /^221 /m);
    } finally {
      await server.stop();
    }
  },
});

/** Reads lines from a node socket (plain or TLS) and reports leftover bytes. */
class LineReader {
  #buffer = "";
  #wake: (() => void) | null = null;
  #isClosed = false;
  constructor(readonly socket: net.Socket) {
    socket.setEncoding("latin1");
    socket.on("data", this.#onData);
    socket.on("close", this.#onClose);
  }
  #onData = (chunk: string) => {
    this.#buffer += chunk;
    this.#wake?.();
  };
  #onClose = () => {
    this.#isClosed = true;
    this.#wake?.();
  };
  async reply(): Promise<string[]> {
    const lines: string[] = [];
    while (true) {
      const at = this.#buffer.indexOf("\r\n");
      if (at < 0) {
        if (this.#isClosed) throw new Error(`closed after ${lines.join("|")}`);
        await new Promise<void>((resolve) => (this.#wake = resolve));
        continue;
      }
      const line = this.#buffer.slice(0, at);
      this.#buffer = this.#buffer.slice(at + 2);
      lines.push(line);
      if (!/^\d{3}-/.test(line)) return lines;
    }
  }
  async command(line: string): Promise<string[]> {
    this.socket.write(line + "\r\n");
    return await this.reply();
  }
  /** Stops reading; returns whatever arrived beyond the lines read. */
  detach(): string {
    this.socket.off("data", this.#onData);
    this.socket.off("close", this.#onClose);
    return this.#buffer;
  }
}

Deno.test({
  name: "STARTTLS injection probe: pipelined plaintext after STARTTLS is discarded, never answered",
  ignore,
  fn: async () => {
    const { server, certs } = await startTlsServer();
    const raw = net.connect({ host: "127.0.0.1", port: server.ports.smtp! });
    let secure: tls.TLSSocket | null = null;
    try {
      const plain = new LineReader(raw);
      assert.match((await plain.reply())[0]!, /^220 /);
      assert.match((await plain.command("STARTTLS")).at(-1)!, /^503 5\.5\.1 /, "EHLO first");
      assert.match((await plain.command("EHLO client.test")).join("\n"), /^250-STARTTLS$/m);
      assert.match((await plain.command("STARTTLS now")).at(-1)!, /^501 /, "no argument");
      raw.write("STARTTLS\r\nEHLO injected.test\r\n"); // one write, one segment
      assert.deepEqual(await plain.reply(), ["220 2.0.0 Ready to start TLS"]);
      assert.equal(plain.detach(), "", "nothing follows the 220 in the clear");
      raw.setEncoding("binary" as BufferEncoding);
      secure = tls.connect({
        socket: raw,
        ca: Deno.readTextFileSync(certs.caFile),
        servername: "localhost",
      });
      await new Promise<void>((resolve, reject) => {
        secure!.once("secureConnect", resolve);
        secure!.once("error", reject);
      });
      const inside = new LineReader(secure);
      // Had "EHLO injected.test" been executed, MAIL would be accepted (or 250 would be waiting).
      assert.deepEqual(await inside.command("MAIL FROM:<x@remote.test>"), [
        "503 5.5.1 Send HELO or EHLO first",
      ]);
      const ehlo = (await inside.command("EHLO client.test")).join("\n");
      assert.doesNotMatch(ehlo, /STARTTLS/);
      assert.match(ehlo, /^250-AUTH PLAIN LOGIN$/m);
      assert.deepEqual(await inside.command("STARTTLS"), ["503 5.5.1 TLS already active"]);
      assert.match((await inside.command("QUIT"))[0]!, /^221 /);
    } finally {
      secure?.destroy();
      raw.destroy();
      await server.stop();
    }
  },
});

Deno.test({
  name: "SIGHUP reloads the certificate; a broken file keeps the old one",
  ignore,
  fn: async () => {
    const { server, certs } = await startTlsServer(["--submissions-listen=127.0.0.1:0"]);
    const handshake = `
import smtplib, ssl, sys
try:
    with smtplib.SMTP_SSL("127.0.0.1", int(sys.argv[1]), timeout=10,
                          context=ssl.create_default_context(cafile=sys.argv[2])) as s:
        print("ok", s.noop()[0])
except ssl.SSLCertVerificationError:
    print("untrusted")
`;
    const port = server.ports.submissions!;
    try {
      assert.equal((await python(handshake, [port, certs.caFile])).trim(), "ok 250");
      const next = await makeTestCertificates(tempDir());
      await Deno.copyFile(next.certFile, certs.certFile);
      await Deno.copyFile(next.keyFile, certs.keyFile);
      server.signal("SIGHUP");
      await server.waitForLog(/event=tls\.reloaded/);
      assert.equal((await python(handshake, [port, next.caFile])).trim(), "ok 250");
      assert.equal((await python(handshake, [port, certs.caFile])).trim(), "untrusted");

      await Deno.writeTextFile(certs.keyFile, "not a key\n");
      server.signal("SIGHUP");
      await server.waitForLog(/event=tls\.reload_failed .*test-leaf\.key/);
      assert.equal((await python(handshake, [port, next.caFile])).trim(), "ok 250");
    } finally {
      await server.stop();
    }
  },
});

Deno.test("serve exits with status 2 naming the file when the certificate cannot be read", async () => {
  const dir = tempDir();
  const result = await runCli([
    "serve",
    `--spool-dir=${dir}`,
    `--tls-cert=${dir}/missing.pem`,
    `--tls-key=${dir}/missing.key`,
    "--smtp-listen=127.0.0.1:0",
    "--submission-listen=127.0.0.1:0",
    "--pop3-listen=",
    "--imap-listen=",
  ]);
  assert.equal(result.code, 2);
  assert.match(result.stderr, /^pillarbox: Cannot read TLS certificate ".*missing\.pem": /m);
  assert.doesNotMatch(result.stderr, /event=listen/);
});

Deno.test({
  name: "check refuses a key that does not match the certificate, naming both files",
  ignore,
  fn: async () => {
    const dir = tempDir();
    const first = await makeTestCertificates(dir);
    const other = await makeTestCertificates(tempDir());
    const result = await runCli([
      "check",
      `--spool-dir=${dir}`,
      `--tls-cert=${first.certFile}`,
      `--tls-key=${other.keyFile}`,
    ]);
    assert.equal(result.code, 2);
    assert.match(
      result.stderr,
      /Cannot use TLS key ".*test-leaf\.key": it does not match the certificate/,
    );
    const good = await runCli([
      "check",
      `--spool-dir=${dir}`,
      `--tls-cert=${first.certFile}`,
      `--tls-key=${first.keyFile}`,
    ]);
    assert.equal(good.code, 0, good.stderr);
  },
});

Deno.test({
  name:
    "a STARTTLS handshake that fails is logged with its reason (a plaintext client after the 220)",
  ignore,
  fn: async () => {
    const { server } = await startTlsServer();
    try {
      await python(
        `
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
f = s.makefile("rb")
f.readline()
s.sendall(b"EHLO client.test\\r\\n")
while not f.readline().startswith(b"250 "): pass
s.sendall(b"STARTTLS\\r\\n")
f.readline()
s.sendall(b"MAIL FROM:<plain@text.test>\\r\\n" * 4)
s.recv(100)
s.close()
`,
        [server.ports.smtp!],
      );
      const line = await server.waitForLog(/event=smtp\.tls_failed /);
      assert.match(line, / reason=/);
      assert.doesNotMatch(line, /reason=unknown/);
    } finally {
      await server.stop();
    }
  },
});
