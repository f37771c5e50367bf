/**
 * Nodemailer (npm), the mail library most Node programs send with, run in
 * this process against the real server with the test CA checked: STARTTLS
 * on the submission port with AUTH PLAIN and LOGIN, implicit TLS on the
 * submissions port, a pooled transport, SMTPUTF8, an envelope that differs
 * from the header, and `verify()`. Each message is composed once by
 * Nodemailer's own stream transport, so its exact bytes are known, then sent
 * as they are. Skipped when npm:nodemailer cannot be loaded (no registry).
 */
import assert from "node:assert/strict";
import {
  type AppContext,
  assertLoginsLogged,
  assertQuietLog,
  assertReadBack,
  assertStoredAsSent,
  connectionsTo,
  stored,
  USERS,
  withAppServer,
  withSubject,
} from "./app_library_fixture.ts";
import { HAS_OPENSSL } from "./certs.ts";
import { waitUntil } from "./harness.ts";
import { startSink } from "./smtp_sink.ts";

/** The parts of Nodemailer's API these tests use. */
interface SentInfo {
  accepted: string[];
  rejected: string[];
  envelope: { from: string; to: string[] };
  message: Uint8Array;
  response: string;
}
interface Transport {
  sendMail(mail: Record<string, unknown>): Promise<SentInfo>;
  verify(): Promise<true>;
  close(): void;
}
interface Nodemailer {
  createTransport(options: Record<string, unknown>): Transport;
}

const VERSION = "10.6.1";
let nodemailer: Nodemailer | null = null;
try {
  nodemailer = (await import(`npm:nodemailer@${VERSION}`)).default as Nodemailer;
} catch (error) {
  console.warn(`nodemailer_test: skipped, npm:nodemailer@${VERSION} did not load: ${error}`);
}
const CAN_RUN = nodemailer !== null && HAS_OPENSSL;

/** Every byte value, so a base64 attachment covers them all. */
const BINARY = Uint8Array.from({ length: 256 }, (_, i) => i);

/** The exact bytes Nodemailer makes of `mail` (CRLF line ends, as its SMTP transport sends). */
async function compose(mail: Record<string, unknown>): Promise<string> {
  const stream = nodemailer!.createTransport({
    streamTransport: true,
    buffer: true,
    newline: "windows",
  });
  const info = await stream.sendMail(mail);
  return new TextDecoder().decode(info.message);
}

/** A message with a UTF-8 subject, a dot-led line and an attachment of every byte value. */
function letter(subject: string, extra: Record<string, unknown> = {}) {
  return {
    from: '"Bob Bäcker" <bob@example.test>',
    to: "bob@example.test",
    subject,
    text: "Grüße aus Köln\n.\n..two dots\nFrom the start of a line\n",
    attachments: [{ filename: "every-byte.bin", content: BINARY }],
    ...extra,
  };
}

/** Options for a transport that logs in as bob and trusts only the test CA. */
function bobOn(context: AppContext, how: "starttls" | "implicit", extra = {}) {
  const ports = context.server.ports;
  return {
    host: "127.0.0.1",
    port: how === "implicit" ? ports.submissions : ports.submission,
    secure: how === "implicit",
    requireTLS: how === "starttls",
    tls: { ca: Deno.readTextFileSync(context.certs.caFile) },
    auth: { user: "bob@example.test", pass: USERS["bob@example.test"] },
    ...extra,
  };
}

Deno.test({
  name:
    "Nodemailer submits over STARTTLS with AUTH PLAIN and LOGIN and over implicit TLS, byte for byte",
  ignore: !CAN_RUN,
  fn: () =>
    withAppServer("pillarbox-nodemailer-", async (context) => {
      const ways: [string, "starttls" | "implicit", string][] = [
        ["starttls plain Grüße", "starttls", "PLAIN"],
        ["starttls login Grüße", "starttls", "LOGIN"],
        ["implicit Grüße", "implicit", "PLAIN"],
      ];
      for (const [i, [subject, how, authMethod]] of ways.entries()) {
        const raw = await compose(letter(subject));
        const transport = nodemailer!.createTransport(bobOn(context, how, { authMethod }));
        const info = await transport.sendMail({
          raw,
          envelope: { from: "bob@example.test", to: ["bob@example.test"] },
        });
        transport.close();
        assert.deepEqual([info.accepted, info.rejected], [["bob@example.test"], []]);
        assert.match(info.response, /^250 /);
        const texts = await stored(context.server, "bob@example.test", i + 1);
        const encoded = raw.match(/^Subject: (.*)\r$/m)![1]!;
        assertStoredAsSent(withSubject(texts, encoded), raw, {
          returnPath: "bob@example.test",
          via: "ESMTPSA",
          user: "bob@example.test",
        });
      }
      await assertLoginsLogged(context.server, ["PLAIN", "LOGIN", "PLAIN"]);
      await assertReadBack(context, "bob@example.test");
      assertQuietLog(context.server);
    }),
});

Deno.test({
  name: "Nodemailer's pooled transport sends 20 messages over one connection, each stored once",
  ignore: !CAN_RUN,
  fn: () =>
    withAppServer("pillarbox-nodemailer-", async (context) => {
      const transport = nodemailer!.createTransport(
        bobOn(context, "starttls", { pool: true, maxConnections: 1, maxMessages: 100 }),
      );
      const raws = await Promise.all(
        Array.from({ length: 20 }, (_, i) => compose(letter(`pooled ${i}`, { text: `n=${i}\n` }))),
      );
      const infos = await Promise.all(raws.map((raw) =>
        transport.sendMail({
          raw,
          envelope: { from: "bob@example.test", to: ["carol@example.test"] },
        })
      ));
      transport.close();
      assert.ok(infos.every((info) => info.accepted.length === 1));
      const texts = await stored(context.server, "carol@example.test", 20);
      for (const [i, raw] of raws.entries()) {
        assertStoredAsSent(withSubject(texts, `pooled ${i}`), raw, {
          returnPath: "bob@example.test",
          via: "ESMTPSA",
        });
      }
      await context.server.waitForLog(/event=smtp\.disconnect /);
      assert.equal(connectionsTo(context.server, "submission"), 1);
      assertQuietLog(context.server);
    }),
});

Deno.test({
  name:
    "Nodemailer sends to a UTF-8 address with SMTPUTF8, and an envelope that differs from the header",
  ignore: !CAN_RUN,
  fn: async () => {
    const sink = await startSink({ smtputf8: true });
    try {
      await withAppServer("pillarbox-nodemailer-", async (context) => {
        const transport = nodemailer!.createTransport(bobOn(context, "starttls"));
        // Nodemailer's own composition and envelope: the UTF-8 address stands raw in To.
        const utf8 = letter("für Jürgen", {
          to: "Jürgen <jürgen@remote.test>",
          cc: "bob@example.test",
        });
        const info = await transport.sendMail(utf8);
        assert.deepEqual(info.accepted, ["jürgen@remote.test", "bob@example.test"]);
        const [text] = await stored(context.server, "bob@example.test", 1);
        assert.match(text!, /\r\nTo: =\?UTF-8\?Q\?J=C3=BCrgen\?= <jürgen@remote\.test>\r\n/);
        assert.match(text!, /\bwith UTF8SMTPSA id /);
        await waitUntil(() => sink.transactions.length === 1, 10_000, "relay to the sink");
        const relayed = sink.transactions[0]!;
        assert.deepEqual(relayed.rcpts, ["jürgen@remote.test"]);
        assert.match(relayed.mailParams, /(^| )SMTPUTF8( |$)/);
        assert.equal(
          new TextDecoder().decode(relayed.data),
          text!.replace(/^Return-Path: [^\r]*\r\n/, ""),
        );
        // Header From and To name alice, the envelope bob's alias and carol only.
        const raw = await compose(letter("envelope", { to: "alice@other.test" }));
        await transport.sendMail({
          raw,
          envelope: { from: "bounces@example.test", to: ["carol@example.test"] },
        });
        transport.close();
        const [carols] = await stored(context.server, "carol@example.test", 1);
        assertStoredAsSent(carols!, raw, {
          returnPath: "bounces@example.test",
          via: "ESMTPSA",
          user: "bob@example.test",
        });
        assert.equal((await stored(context.server, "alice@other.test", 0)).length, 0);
        await assertReadBack(context, "carol@example.test");
        assertQuietLog(context.server);
      }, [`--route=remote.test=127.0.0.1:${sink.port}`]);
    } finally {
      await sink.close();
    }
  },
});

Deno.test({
  name:
    "Nodemailer's verify() logs in and quits, resolves true, and rejects a wrong password with 535",
  ignore: !CAN_RUN,
  fn: () =>
    withAppServer("pillarbox-nodemailer-", async (context) => {
      for (const how of ["starttls", "implicit"] as const) {
        const transport = nodemailer!.createTransport(bobOn(context, how));
        assert.equal(await transport.verify(), true);
        transport.close();
      }
      const wrong = nodemailer!.createTransport(
        bobOn(context, "starttls", { auth: { user: "bob@example.test", pass: "wrong" } }),
      );
      await assert.rejects(wrong.verify(), (error: { code?: string; responseCode?: number }) => {
        assert.deepEqual([error.code, error.responseCode], ["EAUTH", 535]);
        return true;
      });
      wrong.close();
      const log = context.server.log();
      assert.doesNotMatch(log, /event=msg\.queued /);
      assert.doesNotMatch(log, /level=error/);
    }),
});
