import assert from "node:assert/strict";
import { parseCommand, parseParameters, splitPathArgument } from "../../src/smtp/command.ts";

const commandCases: { name: string; line: string; verb: string; arg: string }[] = [
  {
    name: "upper-cases a lower-case verb",
    line: "mail FROM:<a@b>",
    verb: "MAIL",
    arg: "FROM:<a@b>",
  },
  {
    name: "upper-cases a mixed-case verb",
    line: "eHlO client.example",
    verb: "EHLO",
    arg: "client.example",
  },
  { name: "returns an empty argument for a bare verb", line: "QUIT", verb: "QUIT", arg: "" },
  { name: "drops trailing spaces after a bare verb", line: "DATA   ", verb: "DATA", arg: "" },
  {
    name: "drops trailing spaces and tabs after the argument",
    line: "HELO x \t ",
    verb: "HELO",
    arg: "x",
  },
  {
    name: "skips extra spaces between verb and argument",
    line: "RCPT   TO:<a@b>",
    verb: "RCPT",
    arg: "TO:<a@b>",
  },
  {
    name: "keeps the case of the argument",
    line: "helo Client.Example",
    verb: "HELO",
    arg: "Client.Example",
  },
  { name: "keeps spaces inside the argument", line: "NOOP a  b", verb: "NOOP", arg: "a  b" },
  { name: "returns an empty verb for an empty line", line: "", verb: "", arg: "" },
];

for (const c of commandCases) {
  Deno.test(`parseCommand() ${c.name}`, () => {
    assert.deepEqual(parseCommand(c.line), { verb: c.verb, arg: c.arg });
  });
}

const parameterCases: {
  name: string;
  text: string;
  expected: [string, string | null][] | "error";
}[] = [
  {
    name: "parses SIZE, BODY and a keyword without a value",
    text: "SIZE=1 BODY=8BITMIME SMTPUTF8",
    expected: [["SIZE", "1"], ["BODY", "8BITMIME"], ["SMTPUTF8", null]],
  },
  {
    name: "upper-cases keywords but keeps the case of values",
    text: "body=8bitmime",
    expected: [["BODY", "8bitmime"]],
  },
  { name: "returns no parameters for empty text", text: "", expected: [] },
  { name: "returns no parameters for spaces only", text: "   ", expected: [] },
  {
    name: "tolerates several spaces between parameters",
    text: " SIZE=1   SMTPUTF8 ",
    expected: [["SIZE", "1"], ["SMTPUTF8", null]],
  },
  {
    name: "accepts a hyphen after the first keyword character",
    text: "X-FOO=bar",
    expected: [["X-FOO", "bar"]],
  },
  { name: "refuses a repeated keyword", text: "SIZE=1 SIZE=2", expected: "error" },
  { name: "refuses a keyword repeated in another case", text: "SIZE=1 size=1", expected: "error" },
  { name: "refuses a keyword starting with a hyphen", text: "-SIZE=1", expected: "error" },
  { name: "refuses a keyword with an underscore", text: "MY_KEY=1", expected: "error" },
  { name: "refuses an empty keyword", text: "=1", expected: "error" },
  { name: "refuses a value containing '='", text: "ENVID=a=b", expected: "error" },
  { name: "refuses an empty value", text: "SIZE=", expected: "error" },
  { name: "refuses a value with a control character", text: "ENVID=a\x01b", expected: "error" },
  { name: "refuses a value with DEL", text: "ENVID=a\x7f", expected: "error" },
  { name: "refuses a value with a tab", text: "ENVID=a\tb", expected: "error" },
  { name: "refuses a non-ASCII value", text: "ENVID=é", expected: "error" },
  { name: "refuses a keyword with a control character", text: "SI\0ZE=1", expected: "error" },
];

for (const c of parameterCases) {
  Deno.test(`parseParameters() ${c.name}`, () => {
    const result = parseParameters(c.text);
    if (c.expected === "error") {
      assert.ok("error" in result, `expected an error, got ${JSON.stringify(result)}`);
      assert.equal(typeof result.error, "string");
    } else {
      assert.ok(result instanceof Map, `expected parameters, got ${JSON.stringify(result)}`);
      assert.deepEqual([...result.entries()], c.expected);
    }
  });
}

const splitCases: {
  name: string;
  arg: string;
  keyword: "FROM" | "TO";
  expected: { path: string; params: string } | "error";
}[] = [
  {
    name: "splits FROM:<a@b>",
    arg: "FROM:<a@b>",
    keyword: "FROM",
    expected: { path: "<a@b>", params: "" },
  },
  {
    name: "tolerates a space after the colon",
    arg: "FROM: <a@b>",
    keyword: "FROM",
    expected: { path: "<a@b>", params: "" },
  },
  {
    name: "accepts a lower-case keyword",
    arg: "from:<a@b>",
    keyword: "FROM",
    expected: { path: "<a@b>", params: "" },
  },
  {
    name: "accepts RCPT TO:",
    arg: "To:<a@b>",
    keyword: "TO",
    expected: { path: "<a@b>", params: "" },
  },
  {
    name: "splits the null path",
    arg: "FROM:<>",
    keyword: "FROM",
    expected: { path: "<>", params: "" },
  },
  {
    name: "keeps '>' and spaces inside a quoted local part",
    arg: 'FROM:<"a> b"@c.example> SIZE=10',
    keyword: "FROM",
    expected: { path: '<"a> b"@c.example>', params: " SIZE=10" },
  },
  {
    name: "keeps an escaped quote inside a quoted local part",
    arg: 'TO:<"a\\"> b"@c.example>',
    keyword: "TO",
    expected: { path: '<"a\\"> b"@c.example>', params: "" },
  },
  {
    name: "returns the parameters after the path",
    arg: "FROM:<a@b> SIZE=1 BODY=8BITMIME",
    keyword: "FROM",
    expected: { path: "<a@b>", params: " SIZE=1 BODY=8BITMIME" },
  },
  { name: "refuses a path without brackets", arg: "FROM:a@b", keyword: "FROM", expected: "error" },
  {
    name: "refuses a path without a closing bracket",
    arg: "FROM:<a@b",
    keyword: "FROM",
    expected: "error",
  },
  {
    name: "refuses garbage right after '>'",
    arg: "FROM:<a@b>x",
    keyword: "FROM",
    expected: "error",
  },
  { name: "refuses the wrong keyword", arg: "TO:<a@b>", keyword: "FROM", expected: "error" },
  { name: "refuses a missing colon", arg: "FROM <a@b>", keyword: "FROM", expected: "error" },
  { name: "refuses an empty argument", arg: "", keyword: "FROM", expected: "error" },
  {
    name: "refuses an unterminated quoted local part",
    arg: 'FROM:<"a@b>',
    keyword: "FROM",
    expected: "error",
  },
];

for (const c of splitCases) {
  Deno.test(`splitPathArgument() ${c.name}`, () => {
    const result = splitPathArgument(c.arg, c.keyword);
    if (c.expected === "error") {
      assert.ok("error" in result, `expected an error, got ${JSON.stringify(result)}`);
    } else {
      assert.deepEqual(result, c.expected);
    }
  });
}
