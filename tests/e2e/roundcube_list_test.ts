/**
 * Roundcube's message list on a folder of 300 messages. We offer SORT
 * (RFC 5256), so rcube_imap asks the server for each order: one UID SORT
 * per listing, then a UID FETCH of the page's headers, where it fell back
 * before to one FETCH over 1:* of the sort field per listing and a sort in
 * PHP by the raw header text. Each order is checked against the one the test
 * knows it stored (subjects by RFC 5256's base subject, senders by display
 * name, RFC 5957), and the cost is counted: no FETCH of the whole folder,
 * no command per message. Skipped when php or Roundcube's files are missing.
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
 * written at delivery time: the name's leading seconds and the file's mtime,
 * which is INTERNALDATE for a name not made here; the size in its S=), which
 * is quicker than 300 APPENDs with an fsync each, and sets each one's UID
 * from the Message-ID the server gives it.
 */
async function store(context: AppContext, stored: Stored[]): Promise<void> {
  const bob = `${context.server.spoolDir}/mail/example.test/bob`;
  for (const sub of ["tmp", "new", "cur"]) await Deno.mkdir(`${bob}/${sub}`, { recursive: true });
  const cur = `${bob}/cur`;
  for (const [i, m] of stored.entries()) {
    const bytes = new TextEncoder().encode(m.raw);
    const path = `${cur}/${m.arrival}.M${i}P1.webmail.test,S=${bytes.length}:2,`;
    await Deno.writeFile(path, bytes);
    await Deno.utime(path, m.arrival, m.arrival);
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

/** UIDs in ascending order of `key`, ties in UID order (RFC 5256 3: by sequence number). */
function orderBy(stored: Stored[], key: (m: Stored) => number | string): number[] {
  return [...stored].sort((a, b) => {
    const [x, y] = [key(a), key(b)];
    return x < y ? -1 : x > y ? 1 : a.uid - b.uid;
  }).map((m) => m.uid);
}

/** What SORT SUBJECT compares of each word (RFC 5256 2.1's base subject, a-z as A-Z). */
const BASE_SUBJECTS: Record<string, string> = {
  "hello": "HELLO",
  "Re: hello": "HELLO",
  "Fwd: plans": "PLANS",
  "agenda": "AGENDA",
  "[list] topic": "TOPIC",
  "zebra": "ZEBRA",
  "Apple": "APPLE",
};
const baseSubjectKey = (m: Stored) => {
  const at = m.subject.lastIndexOf(" ");
  return `${BASE_SUBJECTS[m.subject.slice(0, at)]}${m.subject.slice(at)}`;
};

/**
 * What SORT DISPLAYFROM compares of each sender (RFC 5957: the display name, else the
 * address, a-z as A-Z): Roundcube asks DISPLAYFROM for its From column once SORT=DISPLAY is
 * offered.
 */
const SHOWN_SENDERS: Record<string, string> = {
  "Zoe <zoe@x.test>": "ZOE",
  "adam@x.test": "ADAM@X.TEST",
  '"Bob, Jr" <bobjr@x.test>': "BOB, JR",
  "Mary <m@x.test>": "MARY",
};
const shownSenderKey = (m: Stored) => SHOWN_SENDERS[m.from]!;

/** The numbers of a sequence set without "*" ("1,3:5" -> 1, 3, 4, 5). */
function expandSet(set: string): number[] {
  return set.split(",").flatMap((part) => {
    const [from, to = from] = part.split(":").map(Number) as [number, number?];
    return Array.from({ length: to! - from + 1 }, (_, i) => from + i);
  });
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
  name: "Roundcube sorts 300 messages by date, arrival, subject, size and from with SORT",
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
      // RFC 5256: the base subject ("Re:", "Fwd:", "[list]" gone), ASCII case folded.
      assert.deepEqual(result.orders["subject"], orderBy(stored, baseSubjectKey), "by subject");
      assert.deepEqual(result.orders["size"], orderBy(stored, size), "by size");
      // RFC 5957: the first From address as shown, ASCII case folded.
      assert.deepEqual(result.orders["from"], orderBy(stored, shownSenderKey), "by from");
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
      // What it costs with SORT: one UID SORT per listing (the date listing twice:
      // index(), then list_messages()), no FETCH of the whole folder (the fallback's
      // cost before: one per listing), and one UID FETCH of the page's 50.
      assert.deepEqual(logs.imapCommands.filter((c) => c.startsWith("FETCH 1:* ")), []);
      assert.deepEqual(logs.imapCommands.filter((c) => /^(UID )?SORT /.test(c)), [
        "UID SORT (DATE) US-ASCII ALL",
        "UID SORT (ARRIVAL) US-ASCII ALL",
        "UID SORT (SUBJECT) US-ASCII ALL",
        "UID SORT (SIZE) US-ASCII ALL",
        "UID SORT (DISPLAYFROM) US-ASCII ALL",
        "UID SORT (DATE) US-ASCII ALL",
      ]);
      // Besides logging in (STARTTLS, CAPABILITY, AUTHENTICATE, ID, NAMESPACE): nothing else.
      const rest = logs.imapCommands.slice(5).filter((c) => !/^UID SORT /.test(c));
      assert.deepEqual(rest.map((c) => c.split(" (")[0]!.replace(/ [\d:,]+$/, "")), [
        "SELECT INBOX",
        "UID FETCH",
        "LOGOUT",
      ]);
      const page = logs.imapCommands.find((c) => c.startsWith("UID FETCH "))!.split(" ")[2]!;
      assert.equal(expandSet(page).length, 50);
      assert.equal(logs.errors, "");
    }),
});
