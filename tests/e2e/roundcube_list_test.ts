/**
 * Roundcube's message list on a folder of 300 messages. We offer no SORT
 * (RFC 5256), so rcube_imap sorts on the client: one FETCH over 1:* of the
 * sort field (the Date header, INTERNALDATE, RFC822.SIZE, or the Subject or
 * From header) per listing, then a UID FETCH of the page's headers. Each
 * order it computes is checked against the one the test knows it stored, and
 * the cost is counted: one FETCH of the whole folder per listing, no command
 * per message. Skipped when php or Roundcube's files are missing.
 */
import assert from "node:assert/strict";
import { type AppContext, withAppServer } from "./app_library_fixture.ts";
import { python } from "./harness.ts";
import { missingRoundcube, runRoundcube } from "./roundcube_fixture.ts";

const MISSING = missingRoundcube();
if (MISSING) console.warn(`roundcube_list_test: skipped, ${MISSING}`);

const COUNT = 300;
const WORDS = ["hello", "Re: hello", "Fwd: plans", "agenda", "[list] topic", "zebra", "Apple"];
const SENDERS = ["Zoe <zoe@x.test>", "adam@x.test", '"Bob, Jr" <bobjr@x.test>', "Mary <m@x.test>"];

/** One stored message and the values each sort order looks at. */
interface Stored {
  uid: number;
  subject: string;
  from: string;
  /** Seconds: the Date header, and INTERNALDATE (set by APPEND). */
  date: number;
  arrival: number;
  raw: string;
}

/** A fixed permutation of 0..COUNT-1, so that no two orders agree by accident. */
const shuffle = (step: number, i: number) => (i * step) % COUNT;

function messages(): Stored[] {
  return Array.from({ length: COUNT }, (_, i) => {
    const subject = `${WORDS[shuffle(7, i) % WORDS.length]} ${i}`;
    const from = SENDERS[shuffle(13, i) % SENDERS.length]!;
    const date = 1_700_000_000 + shuffle(37, i) * 3_600;
    const arrival = 1_760_000_000 + shuffle(71, i) * 60;
    const body = "a line of text\r\n".repeat(1 + shuffle(101, i));
    const raw = `From: ${from}\r\nTo: bob@example.test\r\nSubject: ${subject}\r\n` +
      `Date: ${new Date(date * 1000).toUTCString().replace("GMT", "+0000")}\r\n` +
      `Message-ID: <list.${i}@x.test>\r\n\r\n${body}`;
    return { uid: 0, subject, from, date, arrival, raw };
  });
}

/**
 * Puts the messages in bob's Maildir as another delivery agent would (cur/,
 * INTERNALDATE in the name's leading seconds, the size in its S=), which is
 * quicker than 300 APPENDs with an fsync each, and sets each one's UID from
 * the Message-ID the server gives it.
 */
async function store(context: AppContext, stored: Stored[]): Promise<void> {
  const bob = `${context.server.spoolDir}/mail/example.test/bob`;
  for (const sub of ["tmp", "new", "cur"]) await Deno.mkdir(`${bob}/${sub}`, { recursive: true });
  const cur = `${bob}/cur`;
  for (const [i, m] of stored.entries()) {
    const bytes = new TextEncoder().encode(m.raw);
    await Deno.writeFile(`${cur}/${m.arrival}.M${i}P1.webmail.test,S=${bytes.length}:2,`, bytes);
  }
  const out = await python(
    `
import imaplib, json, re, ssl, sys
port, ca = sys.argv[1:3]
imap = imaplib.IMAP4_SSL("127.0.0.1", int(port), ssl_context=ssl.create_default_context(cafile=ca))
imap.login("bob@example.test", "pw-bob")
imap.select("INBOX", readonly=True)
uids = {}
for item in imap.uid("FETCH", "1:*", "(UID BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)])")[1]:
    if isinstance(item, tuple):
        uids[re.search(rb"<list\\.(\\d+)@", item[1]).group(1).decode()] = int(re.search(rb"UID (\\d+)", item[0]).group(1))
print(json.dumps(uids))
`,
    [context.server.ports.imaps!, context.certs.caFile],
  );
  const uids: Record<string, number> = JSON.parse(out);
  assert.equal(Object.keys(uids).length, stored.length);
  for (const [i, m] of stored.entries()) m.uid = uids[String(i)]!;
}

/** UIDs in ascending order of `key`, ties in UID order (PHP's asort is stable, as is ours). */
function orderBy(stored: Stored[], key: (m: Stored) => number | string): number[] {
  return [...stored].sort((a, b) => {
    const [x, y] = [key(a), key(b)];
    return x < y ? -1 : x > y ? 1 : a.uid - b.uid;
  }).map((m) => m.uid);
}

const SORT_SCRIPT = `
$out = ['orders' => [], 'page' => []];
foreach ($job['fields'] as $field) {
    $out['orders'][$field] = array_map('intval', $st->index('INBOX', $field, 'ASC')->get());
}
$st->set_pagesize(50);
foreach ($st->list_messages('INBOX', 1, 'date', 'DESC') as $h) {
    $out['page'][] = ['uid' => $h->uid, 'subject' => $h->subject, 'from' => $h->from,
        'size' => $h->size, 'timestamp' => $h->timestamp];
}
echo json_encode($out);
`;

Deno.test({
  name: "Roundcube sorts 300 messages by date, arrival, subject, size and from without SORT",
  ignore: MISSING !== null,
  fn: () =>
    withAppServer("pillarbox-roundcube-list-", async (context) => {
      const stored = messages();
      await store(context, stored);
      const fields = ["date", "arrival", "subject", "size", "from"];
      const { result, logs } = await runRoundcube<{
        orders: Record<string, number[]>;
        page: { uid: number; subject: string; from: string; size: number; timestamp: number }[];
      }>(context, SORT_SCRIPT, { fields });
      const size = (m: Stored) => new TextEncoder().encode(m.raw).length;
      assert.deepEqual(result.orders["date"], orderBy(stored, (m) => m.date), "by date");
      assert.deepEqual(result.orders["arrival"], orderBy(stored, (m) => m.arrival), "by arrival");
      assert.deepEqual(result.orders["subject"], orderBy(stored, (m) => m.subject), "by subject");
      assert.deepEqual(result.orders["size"], orderBy(stored, size), "by size");
      assert.deepEqual(result.orders["from"], orderBy(stored, (m) => m.from), "by from");
      // The first page of the newest 50, with what the list shows of each.
      const newest = orderBy(stored, (m) => m.date).reverse().slice(0, 50);
      assert.deepEqual(result.page.map((h) => h.uid), newest);
      for (const h of result.page) {
        const m = stored.find((each) => each.uid === h.uid)!;
        assert.deepEqual([h.subject, h.from, h.size, h.timestamp], [
          m.subject,
          m.from,
          size(m),
          m.date,
        ]);
      }
      // What the fallback costs: one FETCH of the whole folder per listing (the
      // date listing twice: index(), then list_messages()), and one UID FETCH of the page.
      assert.ok(!logs.imapCommands.some((c) => /^(UID )?SORT /.test(c)), "SORT was not offered");
      const whole = logs.imapCommands.filter((c) => c.startsWith("FETCH 1:* "));
      assert.deepEqual(whole, [
        "FETCH 1:* (UID INTERNALDATE BODY.PEEK[HEADER.FIELDS (DATE)])",
        "FETCH 1:* (UID INTERNALDATE)",
        "FETCH 1:* (UID BODY.PEEK[HEADER.FIELDS (SUBJECT)])",
        "FETCH 1:* (UID RFC822.SIZE)",
        "FETCH 1:* (UID BODY.PEEK[HEADER.FIELDS (FROM)])",
        "FETCH 1:* (UID INTERNALDATE BODY.PEEK[HEADER.FIELDS (DATE)])",
      ]);
      // Besides logging in (STARTTLS, CAPABILITY, AUTHENTICATE, ID, NAMESPACE): nothing else.
      const rest = logs.imapCommands.slice(5).filter((c) => !c.startsWith("FETCH 1:* "));
      assert.deepEqual(rest.map((c) => c.split(" (")[0]!.replace(/ [\d:,]+$/, "")), [
        "SELECT INBOX",
        "UID FETCH",
        "LOGOUT",
      ]);
      assert.equal(logs.errors, "");
    }),
});
