/**
 * A smarthost that offers no AUTH mechanism we speak: the mail waits for the
 * operator (transient), and its status is of the class a delay carries
 * (RFC 3464 2.3.4: 4.x.x), so delay notices and `queue list` agree.
 */
import assert from "node:assert/strict";
import { startFakeDns } from "../e2e/fake_dns.ts";
import { startLineServer } from "./line_server.ts";
import { MESSAGE, plainSmarthostCourier, queued, routedCourier } from "./remote_courier_helpers.ts";

/** A smarthost offering only CRAM-MD5; it answers QUIT and closes. */
function startCramOnlyServer() {
  return startLineServer({
    greeting: "220 relay.test ESMTP",
    answer: (line) =>
      /^EHLO /i.test(line)
        ? { reply: "250-relay.test\n250 AUTH CRAM-MD5" }
        : /^QUIT/i.test(line)
        ? { reply: "221 2.0.0 bye", close: true }
        : {},
  });
}

Deno.test("a smarthost with no AUTH mechanism we speak defers the mail with 4.7.4", async () => {
  const server = startCramOnlyServer();
  const courier = plainSmarthostCourier({ hostname: "127.0.0.1", port: server.port }, {
    user: "u",
    password: "p",
  });
  try {
    const outcome = (await courier.deliver(queued(MESSAGE, ["x@far.test"]), ["x@far.test"]))
      .get("x@far.test")!;
    if (outcome.kind === "delivered") throw new Error("delivered without AUTH");
    assert.equal(outcome.kind, "transient");
    assert.equal(outcome.status, "4.7.4");
    assert.match(outcome.reason, /no mechanism we can use \(CRAM-MD5\)/);
  } finally {
    await courier.close();
    server.close();
  }
});

/** The lines a strict smarthost saw, and what it made of the login. */
interface StrictRecord {
  lines: string[];
  logins: { user: string; password: string }[];
}

/**
 * A smarthost that holds every command line to RFC 5321's 512 octets
 * (4.5.3.1.4, CRLF included; RFC 4954 4 keeps AUTH under that limit, though a
 * response to a 334 may be longer) and takes AUTH PLAIN with or without an
 * initial response, decoding it as UTF-8.
 */
function startStrictServer(record: StrictRecord) {
  let isAwaitingPlain = false;
  const decodePlain = (token: string) => {
    const bytes = Uint8Array.from(atob(token), (c) => c.charCodeAt(0));
    const [, user = "", password = ""] = new TextDecoder().decode(bytes).split("\0");
    record.logins.push({ user, password });
    return { reply: "235 2.7.0 ok" };
  };
  return startLineServer({
    greeting: "220 relay.test ESMTP",
    answer: (line) => {
      record.lines.push(line);
      if (isAwaitingPlain) {
        isAwaitingPlain = false;
        return decodePlain(line);
      }
      if (line.length + 2 > 512) return { reply: "500 5.5.2 line too long" };
      if (/^EHLO /i.test(line)) return { reply: "250-relay.test\n250 AUTH PLAIN" };
      if (/^AUTH PLAIN$/i.test(line)) {
        isAwaitingPlain = true;
        return { reply: "334 " };
      }
      if (/^AUTH PLAIN /i.test(line)) return decodePlain(line.slice("AUTH PLAIN ".length));
      if (/^(MAIL|RCPT)/i.test(line)) return { reply: "250 ok" };
      if (/^DATA/i.test(line)) return { reply: "354 go" };
      if (line === ".") return { reply: "250 queued" };
      if (/^QUIT/i.test(line)) return { reply: "221 bye", close: true };
      return {};
    },
  });
}

/** One message through the strict smarthost with `credentials`: its outcome and what the server saw. */
async function deliverWithLogin(credentials: { user: string; password: string }) {
  const record: StrictRecord = { lines: [], logins: [] };
  const server = startStrictServer(record);
  const courier = plainSmarthostCourier({ hostname: "127.0.0.1", port: server.port }, credentials);
  try {
    const outcome = (await courier.deliver(queued(MESSAGE, ["x@far.test"]), ["x@far.test"]))
      .get("x@far.test")!;
    return { outcome, record };
  } finally {
    await courier.close();
    server.close();
  }
}

Deno.test("a login too long for an AUTH PLAIN line goes after a 334 instead (RFC 4954 4: no initial response past the line limit)", async () => {
  // 2 + 20 + 400 octets: 564 characters of base64, an AUTH line of 577 octets.
  const credentials = { user: "relay@isp.example.t", password: "p".repeat(400) };
  const { outcome, record } = await deliverWithLogin(credentials);
  assert.equal(outcome.kind, "delivered", JSON.stringify(outcome));
  assert.deepEqual(record.logins, [credentials]);
  assert.ok(record.lines.includes("AUTH PLAIN"), record.lines.join("\n"));
});

Deno.test("a short login still goes in the AUTH PLAIN line, and a UTF-8 user and password arrive as UTF-8 (RFC 4616 2)", async () => {
  const credentials = { user: "jürgen@bücher.test", password: "Pässwörd €" };
  const { outcome, record } = await deliverWithLogin(credentials);
  assert.equal(outcome.kind, "delivered", JSON.stringify(outcome));
  assert.deepEqual(record.logins, [credentials]);
  assert.ok(record.lines.some((line) => /^AUTH PLAIN \S+$/.test(line)), record.lines.join("\n"));
});

/** A smarthost that wants a login before mail: MAIL (or RCPT) gets 530 (RFC 4954 6). */
function startLoginRequiredServer(stage: "MAIL" | "RCPT") {
  return startLineServer({
    greeting: "220 relay.test ESMTP",
    answer: (line) => {
      if (/^EHLO /i.test(line)) return { reply: "250-relay.test\n250 AUTH PLAIN LOGIN" };
      if (line.toUpperCase().startsWith(stage)) {
        return { reply: "530 5.7.0 Authentication required" };
      }
      if (/^(MAIL|RCPT|RSET)/i.test(line)) return { reply: "250 ok" };
      if (/^QUIT/i.test(line)) return { reply: "221 bye", close: true };
      return { reply: "502 5.5.2 what" };
    },
  });
}

for (const stage of ["MAIL", "RCPT"] as const) {
  Deno.test(`a smarthost that answers ${stage} with 530 (no login configured) defers the mail: our configuration's mistake bounces nothing`, async () => {
    const server = startLoginRequiredServer(stage);
    const courier = plainSmarthostCourier({ hostname: "127.0.0.1", port: server.port }, null);
    try {
      const outcome = (await courier.deliver(queued(MESSAGE, ["x@far.test"]), ["x@far.test"]))
        .get("x@far.test")!;
      assert.equal(outcome.kind, "transient", JSON.stringify(outcome));
      if (outcome.kind !== "transient") return;
      assert.equal(outcome.status, "4.7.0");
      assert.match(outcome.reason, /^530 5\.7\.0 Authentication required .*--smarthost-user/);
    } finally {
      await courier.close();
      server.close();
    }
  });
}

Deno.test("a route (not the smarthost) that answers MAIL with 530 still fails the mail for good", async () => {
  const server = startLoginRequiredServer("MAIL");
  const courier = routedCourier(server.port);
  try {
    const outcome = (await courier.deliver(queued(MESSAGE, ["x@remote.test"]), ["x@remote.test"]))
      .get("x@remote.test")!;
    assert.equal(outcome.kind, "permanent", JSON.stringify(outcome));
  } finally {
    await courier.close();
    server.close();
  }
});

Deno.test("a login the smarthost refuses (535) is not tried again at once on its other addresses", async () => {
  const authLines: string[] = [];
  const refusing = (line: string) => {
    if (/^EHLO /i.test(line)) return { reply: "250-relay.test\n250 AUTH PLAIN" };
    if (/^AUTH /i.test(line)) {
      authLines.push(line);
      return { reply: "535 5.7.8 Authentication credentials invalid" };
    }
    if (/^QUIT/i.test(line)) return { reply: "221 bye", close: true };
    return { reply: "503 5.5.1 log in first" };
  };
  const first = startLineServer({ greeting: "220 relay.test ESMTP", answer: refusing });
  // Its second address: another loopback address, the same port.
  const second = startLineServer({
    hostname: "127.0.0.2",
    port: first.port,
    greeting: "220 relay.test ESMTP",
    answer: refusing,
  });
  const dns = await startFakeDns({ "relay.test": { a: ["127.0.0.1", "127.0.0.2"] } });
  const courier = plainSmarthostCourier({ hostname: "relay.test", port: first.port }, {
    user: "u",
    password: "wrong",
  }, { dnsServer: { hostname: "127.0.0.1", port: dns.port } });
  try {
    const outcome = (await courier.deliver(queued(MESSAGE, ["x@far.test"]), ["x@far.test"]))
      .get("x@far.test")!;
    assert.equal(outcome.kind, "transient", JSON.stringify(outcome));
    assert.ok(outcome.kind === "transient" && outcome.status === "4.7.8");
    assert.equal(authLines.length, 1, "one refused login per attempt, not one per address");
  } finally {
    await courier.close();
    first.close();
    second.close();
    await dns.close();
  }
});
