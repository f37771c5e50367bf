/** parseRequestHead(): the status page's strict reading of an HTTP/1.x request head. */
import assert from "node:assert/strict";
import { parseRequestHead, type RequestHead } from "../../src/http/request_head.ts";

const HOST = ["Host: 127.0.0.1"];
const CASES: [string, string, string[], RequestHead][] = [
  ["reads an origin-form GET", "GET /metrics HTTP/1.1", HOST, {
    kind: "request",
    method: "GET",
    path: "/metrics",
  }],
  ["drops the query from the path", "GET /metrics?x=1 HTTP/1.1", HOST, {
    kind: "request",
    method: "GET",
    path: "/metrics",
  }],
  [
    "takes the path of an absolute-form target (RFC 9112 3.2.2)",
    "GET http://h:1/healthz HTTP/1.1",
    HOST,
    {
      kind: "request",
      method: "GET",
      path: "/healthz",
    },
  ],
  ["reads HTTP/1.0 without Host", "HEAD / HTTP/1.0", [], {
    kind: "request",
    method: "HEAD",
    path: "/",
  }],
  ["refuses HTTP/1.1 without Host (RFC 9112 3.2)", "GET / HTTP/1.1", [], {
    kind: "refused",
    status: 400,
  }],
  ["refuses two Host fields", "GET / HTTP/1.1", [...HOST, ...HOST], {
    kind: "refused",
    status: 400,
  }],
  ["refuses whitespace before a field's colon (RFC 9112 5.1)", "GET / HTTP/1.1", [
    ...HOST,
    "X-A : b",
  ], { kind: "refused", status: 400 }],
  ["refuses a folded field line (RFC 9112 5.2)", "GET / HTTP/1.1", [...HOST, " folded"], {
    kind: "refused",
    status: 400,
  }],
  ["refuses a request line without a version", "GET /", HOST, { kind: "refused", status: 400 }],
  ["refuses two spaces in the request line", "GET  / HTTP/1.1", HOST, {
    kind: "refused",
    status: 400,
  }],
  ["refuses a target that is neither a path nor an http URL", "GET ftp://x/ HTTP/1.1", HOST, {
    kind: "refused",
    status: 400,
  }],
  ["refuses an asterisk-form target but for OPTIONS (RFC 9112 3.2.4)", "GET * HTTP/1.1", HOST, {
    kind: "refused",
    status: 400,
  }],
  ["reads an OPTIONS with an asterisk-form target", "OPTIONS * HTTP/1.1", HOST, {
    kind: "request",
    method: "OPTIONS",
    path: "*",
  }],
  ["answers HTTP/2.0 with 505", "GET / HTTP/2.0", HOST, { kind: "refused", status: 505 }],
  [
    "reads HTTP/1.2 as HTTP/1.1, the highest minor version it knows (RFC 9110 2.5)",
    "GET /metrics HTTP/1.2",
    HOST,
    { kind: "request", method: "GET", path: "/metrics" },
  ],
  ["reads HTTP/1.9 as HTTP/1.1, Host required", "GET / HTTP/1.9", [], {
    kind: "refused",
    status: 400,
  }],
  ...[
    "Host: a b",
    "Host: x\rY: z",
    "Host: user@mx.test",
    "Host: mx.test/path",
    "Host: mx.test:80x",
    "Host: [::1",
  ].map((host): [string, string, string[], RequestHead] => [
    `refuses an invalid Host value ${JSON.stringify(host)} (RFC 9112 3.2)`,
    "GET / HTTP/1.1",
    [host],
    { kind: "refused", status: 400 },
  ]),
  ...["Host: mx.test", "Host: 127.0.0.1:8025", "Host: [::1]:8025", "Host:", "Host: mx.test:"].map((
    host,
  ): [string, string, string[], RequestHead] => [
    `reads a valid Host value ${JSON.stringify(host)} (RFC 9112 3.2)`,
    "GET / HTTP/1.1",
    [host],
    { kind: "request", method: "GET", path: "/" },
  ]),
  [
    "refuses a Content-Length that is not a number (RFC 9112 6.3 item 5)",
    "GET / HTTP/1.1",
    [...HOST, "Content-Length: abc"],
    { kind: "refused", status: 400 },
  ],
  [
    "refuses a negative Content-Length (RFC 9112 6.3 item 5)",
    "POST / HTTP/1.1",
    [...HOST, "Content-Length: -1"],
    { kind: "refused", status: 400 },
  ],
  [
    "refuses two different Content-Lengths (RFC 9112 6.3 item 5)",
    "POST / HTTP/1.1",
    [...HOST, "Content-Length: 5", "Content-Length: 6"],
    { kind: "refused", status: 400 },
  ],
  [
    "refuses a Content-Length list of different numbers (RFC 9112 6.3 item 5)",
    "POST / HTTP/1.1",
    [...HOST, "Content-Length: 5, 6"],
    { kind: "refused", status: 400 },
  ],
  [
    "reads a Content-Length list of the same number (RFC 9112 6.3 item 5)",
    "POST / HTTP/1.1",
    [...HOST, "Content-Length: 5, 5", "content-length:5"],
    { kind: "request", method: "POST", path: "/" },
  ],
  [
    "refuses an empty Content-Length (RFC 9112 6.3 item 5)",
    "POST / HTTP/1.1",
    [...HOST, "Content-Length: "],
    { kind: "refused", status: 400 },
  ],
  [
    "refuses a Transfer-Encoding whose last coding is not chunked (RFC 9112 6.3 item 4)",
    "POST / HTTP/1.1",
    [...HOST, "Transfer-Encoding: chunked, gzip"],
    { kind: "refused", status: 400 },
  ],
  [
    "refuses a Transfer-Encoding of gzip alone (RFC 9112 6.3 item 4)",
    "POST / HTTP/1.1",
    [...HOST, "Transfer-Encoding: gzip"],
    { kind: "refused", status: 400 },
  ],
  [
    "reads a chunked Transfer-Encoding, any Content-Length aside (RFC 9112 6.3 item 3)",
    "POST / HTTP/1.1",
    [...HOST, "Transfer-Encoding: Chunked", "Content-Length: x"],
    { kind: "request", method: "POST", path: "/" },
  ],
  ["answers HTTP/3.0 with 505 (RFC 9110 2.5)", "GET / HTTP/3.0", HOST, {
    kind: "refused",
    status: 505,
  }],
  ["refuses a version with text after it", "GET / HTTP/1.1x", HOST, {
    kind: "refused",
    status: 400,
  }],
  [
    "refuses a method that is not a token (RFC 9110 9.1)",
    "G(T / HTTP/1.1",
    HOST,
    { kind: "refused", status: 400 },
  ],
  [
    "reads a Host with blanks after its value (RFC 9112 5.1)",
    "GET / HTTP/1.1",
    ["Host: 127.0.0.1 \t"],
    { kind: "request", method: "GET", path: "/" },
  ],
  ["drops a fragment from the path", "GET /healthz#top HTTP/1.1", HOST, {
    kind: "request",
    method: "GET",
    path: "/healthz",
  }],
  [
    "ignores an empty member of a Content-Length list (RFC 9110 5.6.1.2)",
    "GET / HTTP/1.1",
    [...HOST, "Content-Length: 5, , 5"],
    { kind: "request", method: "GET", path: "/" },
  ],
];

for (const [name, line, fields, expected] of CASES) {
  Deno.test(`parseRequestHead() ${name}`, () => {
    assert.deepEqual(parseRequestHead(line, fields), expected);
  });
}
