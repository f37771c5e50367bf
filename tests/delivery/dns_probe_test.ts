/**
 * The rcode probe takes only the answer to its own question (RFC 5452 3):
 * from the server's address and port, with its ID, marked as a response, and
 * for the name and type it asked. Anything else is ignored, so a forged
 * NXDOMAIN cannot bounce mail for a domain that exists.
 */
import assert from "node:assert/strict";
import * as dgram from "node:dgram";
import { probeName } from "../../src/delivery/dns_probe.ts";

/** What the scripted server sends before its real answer (SERVFAIL) to one query. */
type Forgery = (query: Uint8Array) => { bytes: Uint8Array; isFromOtherPort: boolean };

/** `query` answered with `rcode` (header flags QR RD RA), the question copied. */
function answerTo(query: Uint8Array, rcode: number): Uint8Array {
  const response = new Uint8Array(query);
  response[2] = 0x81;
  response[3] = 0x80 | rcode;
  return response;
}

const NXDOMAIN = 3;
const SERVFAIL = 2;

const CASES: { name: string; forge: Forgery }[] = [
  {
    name: "an NXDOMAIN from another port of the server's address",
    forge: (query) => ({ bytes: answerTo(query, NXDOMAIN), isFromOtherPort: true }),
  },
  {
    name: "an NXDOMAIN with another ID",
    forge: (query) => {
      const bytes = answerTo(query, NXDOMAIN);
      bytes[1] = bytes[1]! ^ 0xff;
      return { bytes, isFromOtherPort: false };
    },
  },
  {
    name: "an NXDOMAIN for another name",
    forge: (query) => {
      const bytes = answerTo(query, NXDOMAIN);
      bytes[13] = "x".charCodeAt(0); // the first letter of the first label
      return { bytes, isFromOtherPort: false };
    },
  },
  {
    name: "an NXDOMAIN for another type",
    forge: (query) => {
      const bytes = answerTo(query, NXDOMAIN);
      bytes[bytes.length - 3] = 28; // AAAA instead of MX
      return { bytes, isFromOtherPort: false };
    },
  },
  {
    name: "a packet not marked as a response (QR clear)",
    forge: (query) => {
      const bytes = answerTo(query, NXDOMAIN);
      bytes[2] = 0x01;
      return { bytes, isFromOtherPort: false };
    },
  },
];

for (const { name, forge } of CASES) {
  Deno.test(`probeName() ignores ${name} and reads the server's own answer`, async () => {
    const server = dgram.createSocket("udp4");
    const other = dgram.createSocket("udp4");
    await new Promise<void>((resolve) => server.bind(0, "127.0.0.1", resolve));
    await new Promise<void>((resolve) => other.bind(0, "127.0.0.1", resolve));
    let queries = 0;
    server.on("message", (message, remote) => {
      queries++;
      const query = new Uint8Array(message);
      const forged = forge(query);
      (forged.isFromOtherPort ? other : server).send(
        forged.bytes,
        remote.port,
        remote.address,
        () => server.send(answerTo(query, SERVFAIL), remote.port, remote.address),
      );
    });
    try {
      const status = await probeName("exists.test", {
        server: { ipAddr: "127.0.0.1", port: server.address().port },
        timeoutMs: 5000,
        type: "MX",
      });
      assert.equal(status, "servfail");
      assert.equal(queries, 1);
    } finally {
      server.close();
      other.close();
    }
  });
}
