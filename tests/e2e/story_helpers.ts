/** Python clients for the two-instance story tests: Alice submits, Bob reads. */
import { python } from "./harness.ts";

const SUBMIT = `
import smtplib, ssl, sys
port, ca, user, password, sender, rcpts, path, count = sys.argv[1:9]
ctx = ssl.create_default_context(cafile=ca)
body = open(path, "rb").read()
with smtplib.SMTP("127.0.0.1", int(port)) as s:
    s.ehlo("alice-laptop.test")
    s.starttls(context=ctx)
    s.ehlo("alice-laptop.test")
    s.login(user, password)
    for i in range(int(count)):
        refused = s.sendmail(sender, rcpts.split(","), body.replace(b"#N#", str(i).encode()))
        assert not refused, refused
print("sent")
`;

const READ = `
import imaplib, json, poplib, ssl, sys
pop_port, imap_port, ca, user, password = sys.argv[1:6]
ctx = ssl.create_default_context(cafile=ca)
p = poplib.POP3("127.0.0.1", int(pop_port))
p.stls(context=ctx)
p.user(user)
p.pass_(password)
count = len(p.list()[1])
pop = [b"".join(line + b"\\r\\n" for line in p.retr(n + 1)[1]) for n in range(count)]
p.quit()
m = imaplib.IMAP4("127.0.0.1", int(imap_port))
m.starttls(ssl_context=ctx)
m.login(user, password)
m.select("INBOX", readonly=True)
imap = []
for n in m.search(None, "ALL")[1][0].split():
    imap.append(m.fetch(n, "(BODY.PEEK[])")[1][0][1])
m.logout()
print(json.dumps({"pop": [x.decode("latin1") for x in pop],
                  "imap": [x.decode("latin1") for x in imap]}))
`;

/** Who submits where, over STARTTLS with AUTH. */
export interface Submitter {
  port: number;
  caFile: string;
  user: string;
  password: string;
  dir: string;
}

/** Alice's mail program: STARTTLS (certificate verified), AUTH, `count` messages ("#N#" numbered). */
export async function submit(
  who: Submitter,
  message: { rcpts: string[]; body: string; count?: number },
): Promise<void> {
  const path = `${who.dir}/submit-${crypto.randomUUID()}.eml`;
  await Deno.writeFile(path, latin1Bytes(message.body));
  const out = await python(SUBMIT, [
    who.port,
    who.caFile,
    who.user,
    who.password,
    who.user,
    message.rcpts.join(","),
    path,
    message.count ?? 1,
  ]);
  if (out.trim() !== "sent") throw new Error(`smtplib: ${out}`);
}

/** Bob's mail programs: every message as poplib (STLS) and imaplib (STARTTLS) read it. */
export async function readMailbox(
  ports: { pop3: number; imap: number },
  who: { caFile: string; user: string; password: string },
): Promise<{ pop: string[]; imap: string[] }> {
  return JSON.parse(
    await python(READ, [ports.pop3, ports.imap, who.caFile, who.user, who.password]),
  );
}

/** Header fields (unfolded names) of a header block. */
export function fieldNames(headerText: string): string[] {
  return headerText.split("\r\n").filter((line) => /^[^\s:]+:/.test(line)).map((line) =>
    line.slice(0, line.indexOf(":"))
  );
}

import { freePort } from "./free_port.ts";
export { freePort };

/** Whether this machine has the IPv6 loopback ::1 (a container may not): IPv6 tests skip without. */
export function hasIpv6Loopback(): boolean {
  try {
    freePort("::1");
    return true;
  } catch {
    return false;
  }
}

function latin1Bytes(text: string): Uint8Array {
  return Uint8Array.from(text, (char) => char.charCodeAt(0));
}
