import assert from "node:assert/strict";
import { missingSubmissionFields } from "../../src/smtpd/submission_fields.ts";

const OPTIONS = { qid: "q1", hostname: "mx.test", nowMs: Date.UTC(2024, 0, 2, 3, 4, 5) };
const DATE = "Date: Tue, 02 Jan 2024 03:04:05 +0000\r\n";
const ID = "Message-ID: <q1@mx.test>\r\n";

Deno.test("missingSubmissionFields adds only the Date and Message-ID a header section lacks", () => {
  const cases: { name: string; headers: string; expected: string }[] = [
    { name: "an empty header section gets both", headers: "", expected: DATE + ID },
    { name: "a Subject alone gets both", headers: "Subject: hi\r\n", expected: DATE + ID },
    {
      name: "both present in any case are kept",
      headers: "DATE: x\r\nmessage-id: <a@b>\r\n",
      expected: "",
    },
    { name: "a Date alone gets a Message-ID", headers: "Date: x\r\n", expected: ID },
    { name: "a Message-Id alone gets a Date", headers: "Message-Id: <a@b>\r\n", expected: DATE },
    { name: "obsolete blanks before the colon still count", headers: "Date : x\r\n", expected: ID },
    {
      name: "a folded line holding 'Date:' is not a Date field",
      headers: "Subject: hi\r\n Date: x\r\n",
      expected: DATE + ID,
    },
    {
      name: "Resent-Date and In-Reply-To are other fields",
      headers: "Resent-Date: x\r\nIn-Reply-To: <a@b>\r\nX-Message-ID: <c@d>\r\n",
      expected: DATE + ID,
    },
  ];
  for (const { name, headers, expected } of cases) {
    assert.equal(missingSubmissionFields(headers, OPTIONS), expected, name);
  }
});
