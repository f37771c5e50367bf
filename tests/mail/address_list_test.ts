import assert from "node:assert/strict";
import { parseAddressList, qualifyAddressList } from "../../src/mail/address_list.ts";

const OK: [string, string, string[]][] = [
  ["parseAddressList() reads a bare addr-spec", "bob@example.com", ["bob@example.com"]],
  [
    "parseAddressList() reads a display name and an angle address",
    "Bob Smith <bob@example.com>",
    ["bob@example.com"],
  ],
  [
    "parseAddressList() splits a list at commas outside quotes",
    '"Smith, Bob" <bob@example.com>, carol@example.org',
    ["bob@example.com", "carol@example.org"],
  ],
  [
    "parseAddressList() skips comments, nested ones included",
    "bob@example.com (Bob (the (real) one)), (x) carol@example.org",
    ["bob@example.com", "carol@example.org"],
  ],
  [
    "parseAddressList() expands a group's members",
    "team: a@example.com, B <b@example.com>;, c@example.com",
    ["a@example.com", "b@example.com", "c@example.com"],
  ],
  ["parseAddressList() gives nothing for an empty group", "undisclosed-recipients:;", []],
  ["parseAddressList() gives nothing for an empty value", "  ", []],
  [
    "parseAddressList() keeps a quoted local part that needs quotes",
    '"john doe"@example.com',
    ['"john doe"@example.com'],
  ],
  [
    "parseAddressList() unquotes a quoted local part that does not need quotes",
    '"john"@example.com',
    ["john@example.com"],
  ],
  [
    "parseAddressList() lowercases the domain and keeps the local part",
    "Bob@EXAMPLE.Com",
    ["Bob@example.com"],
  ],
  [
    "parseAddressList() unfolds a folded value",
    "a@example.com,\r\n\tBob\r\n <b@example.com>",
    ["a@example.com", "b@example.com"],
  ],
  [
    "parseAddressList() drops an obsolete source route",
    "<@relay.example:bob@example.com>",
    ["bob@example.com"],
  ],
  ["parseAddressList() accepts a domain literal", "bob@[192.0.2.1]", ["bob@[192.0.2.1]"]],
  [
    "parseAddressList() tolerates empty list elements",
    "a@example.com,, ,b@example.com,",
    ["a@example.com", "b@example.com"],
  ],
  [
    "parseAddressList() accepts a display name with dots (obsolete phrase)",
    "J. Smith <j@example.com>",
    ["j@example.com"],
  ],
  [
    "parseAddressList() reads an obsolete local part of quoted and plain words (RFC 5322 4.4)",
    '"bob".smith@example.com, Bob <"bob" . "smith"@example.com>',
    ["bob.smith@example.com", "bob.smith@example.com"],
  ],
  [
    "parseAddressList() quotes an obsolete local part whose words need quotes, as one string",
    '"john doe".smith@example.com',
    ['"john doe.smith"@example.com'],
  ],
];

OK.push(
  [
    "parseAddressList() undoes a quoted pair in a quoted local part",
    '"a\\"b"@example.com',
    ['"a\\"b"@example.com'],
  ],
  [
    "parseAddressList() keeps an escaped backslash escaped",
    '"a\\\\b"@example.com',
    ['"a\\\\b"@example.com'],
  ],
  [
    "parseAddressList() unfolds a quoted local part folded over two lines (RFC 5322 3.2.4)",
    '"john\r\n doe"@example.com',
    ['"john doe"@example.com'],
  ],
  [
    "parseAddressList() drops folding whitespace inside a domain literal (RFC 5322 3.4.1)",
    "bob@[ 192.0.2.1 ]",
    ["bob@[192.0.2.1]"],
  ],
);

for (const [name, input, expected] of OK) {
  Deno.test(name, () => {
    const result = parseAddressList(input);
    assert.ok(Array.isArray(result), JSON.stringify(result));
    assert.deepEqual(result.map((mailbox) => mailbox.address), expected);
  });
}

const BAD: [string, string][] = [
  ["parseAddressList() refuses an unterminated quoted string", '"bob@example.com'],
  ["parseAddressList() refuses an unterminated comment", "bob@example.com (oops"],
  ["parseAddressList() refuses an angle address without its end", "Bob <bob@example.com"],
  ["parseAddressList() refuses an address without a domain by default", "root"],
  ["parseAddressList() refuses a group inside a group", "a: b: c@example.com;;"],
  ["parseAddressList() refuses a group without its semicolon", "a: c@example.com"],
  ["parseAddressList() refuses an invalid domain", "bob@exa_mple..com"],
  ["parseAddressList() refuses two addresses without a comma", "a@example.com b@example.com"],
  [
    "parseAddressList() refuses a display name without angle brackets, not glued to the local part",
    "Bob Smith bob@example.com",
  ],
  ["parseAddressList() refuses a domain of two words", "bob@exa mple.com"],
  ["parseAddressList() refuses a quoted word in a domain", 'bob@"example".com'],
  ["parseAddressList() refuses two dots in a row between quoted words", '"a"..b@example.com'],
];

for (const [name, input] of BAD) {
  Deno.test(name, () => {
    const result = parseAddressList(input);
    assert.ok(!Array.isArray(result), `expected an error, got ${JSON.stringify(result)}`);
  });
}

Deno.test("parseAddressList() refuses a bare phrase of two words even with a default domain", () => {
  const result = parseAddressList("Bob Smith", { defaultDomain: "example.com" });
  assert.ok(!Array.isArray(result), `expected an error, got ${JSON.stringify(result)}`);
});

Deno.test("parseAddressList() qualifies a bare name with the default domain", () => {
  assert.deepEqual(parseAddressList("root, Ops <ops>", { defaultDomain: "example.com" }), [
    { address: "root@example.com" },
    { address: "ops@example.com" },
  ]);
});

Deno.test("parseAddressList() reads a quoted display name with a comma as one name", () => {
  assert.deepEqual(parseAddressList('"Smith, Bob" <bob@example.com>'), [
    { address: "bob@example.com" },
  ]);
});

// Display names are read past, not kept: no caller wants them, and the one this
// parser built lost the blank after a period ("J. Smith" became "J.Smith").
Deno.test("parseAddressList() gives the addresses only, past a phrase with a period", () => {
  assert.deepEqual(parseAddressList("J. Smith <j@example.com>, J.R.R. Tolkien <t@example.com>"), [
    { address: "j@example.com" },
    { address: "t@example.com" },
  ]);
});

Deno.test("parseAddressList() refuses an unterminated quoted string even with a default domain", () => {
  const result = parseAddressList('bob@example.com, "carol', { defaultDomain: "example.com" });
  assert.ok(!Array.isArray(result), `expected an error, got ${JSON.stringify(result)}`);
});

const QUALIFY: [string, string, string | null][] = [
  [
    "qualifyAddressList() adds the domain after a dotted local part",
    "bob.smith",
    "bob.smith@example.com",
  ],
  [
    "qualifyAddressList() adds it inside angle brackets",
    "Bob <bob>, c@x.test",
    "Bob <bob@example.com>, c@x.test",
  ],
  ["qualifyAddressList() gives null when every address has a domain", "bob@x.test", null],
];
for (const [name, input, expected] of QUALIFY) {
  Deno.test(name, () => {
    assert.equal(qualifyAddressList(input, "example.com"), expected);
  });
}
