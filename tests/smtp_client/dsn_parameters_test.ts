/** The DSN parameters sent on MAIL and RCPT to a hop that offers DSN (RFC 3461 4, 5.2.1). */
import assert from "node:assert/strict";
import { dsnMailParameters, dsnRcptParameters } from "../../src/smtp_client/dsn_parameters.ts";

Deno.test("dsnMailParameters() writes RET and ENVID, each only when asked, one space apart", () => {
  assert.equal(dsnMailParameters({ ret: "FULL", envid: "QQ+2B314" }), "RET=FULL ENVID=QQ+2B314");
  assert.equal(dsnMailParameters({ envid: "e1" }), "ENVID=e1");
  assert.equal(dsnMailParameters({ ret: "HDRS" }), "RET=HDRS");
  assert.equal(dsnMailParameters({}), "");
});

const rcpts = {
  "bob@x.test": { notify: ["SUCCESS", "FAILURE"] as const, orcpt: "rfc822;Bob+2Bx@x.test" },
  "jorg@x.test": { orcpt: "utf-8;jörg@x.test" },
  "carol@x.test": { notify: ["NEVER"] as const },
};

Deno.test("dsnRcptParameters() writes NOTIFY and ORCPT as kept, for that recipient only", () => {
  assert.equal(
    dsnRcptParameters({ rcpts }, "bob@x.test", false),
    " NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;Bob+2Bx@x.test",
  );
  assert.equal(dsnRcptParameters({ rcpts }, "carol@x.test", false), " NOTIFY=NEVER");
  assert.equal(dsnRcptParameters({ rcpts }, "dave@x.test", false), "");
  assert.equal(dsnRcptParameters({}, "bob@x.test", false), "");
});

Deno.test("dsnRcptParameters() sends a UTF-8 ORCPT in its 7-bit form unless the transaction uses SMTPUTF8 (RFC 6533 3)", () => {
  assert.equal(
    dsnRcptParameters({ rcpts }, "jorg@x.test", false),
    " ORCPT=utf-8;j\\x{F6}rg@x.test",
  );
  assert.equal(dsnRcptParameters({ rcpts }, "jorg@x.test", true), " ORCPT=utf-8;jörg@x.test");
});
