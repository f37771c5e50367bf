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
  ["answers HTTP/2.0 with 505", "GET / HTTP/2.0", HOST, { kind: "refused", status: 505 }],
];

for (const [name, line, fields, expected] of CASES) {
  Deno.test(`parseRequestHead() ${name}`, () => {
    assert.deepEqual(parseRequestHead(line, fields), expected);
  });
}
