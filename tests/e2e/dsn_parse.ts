/** Reads a delivery status notification (ours or a peer's) with Python's email package. */
import { python } from "./harness.ts";

/** Parses a DSN with Python's email package; prints JSON. */
const PARSE_DSN = `
import email, json, quopri, sys
msg = email.message_from_bytes(open(sys.argv[1], "rb").read())
parts = msg.get_payload()
status = parts[1].get_payload()
if parts[1].get_content_type() == "message/global-delivery-status":
    # RFC 6533 6.2, UTF-8 as it is (Postfix's for an SMTPUTF8 message): read as one
    # message, its first block the header, the rest the body. Split into blocks.
    text = status[0].as_bytes().decode("utf-8").replace("\\r\\n", "\\n")
    status = [email.message_from_string(block) for block in text.strip().split("\\n\\n")]
returned = parts[2] if len(parts) > 2 else None
if returned is None:
    headers = ""
elif returned.get_content_type() in ("message/rfc822", "message/global"):
    headers = returned.get_payload()[0].as_bytes().decode("utf-8")
elif returned.get_content_type() == "message/global-headers":
    # Read by Python as a message; ours is quoted-printable (RFC 6533 6.3 allows it).
    raw = returned.get_payload()[0].as_bytes()
    if returned["Content-Transfer-Encoding"] == "quoted-printable":
        raw = quopri.decodestring(raw)
    headers = raw.decode("utf-8")
else:
    headers = returned.get_payload(decode=True).decode("utf-8")
print(json.dumps({
  "type": msg.get_content_type(),
  "reportType": msg.get_param("report-type"),
  "from": msg["From"], "to": msg["To"], "subject": msg["Subject"],
  "returnPath": msg["Return-Path"],
  "parts": [p.get_content_type() for p in parts],
  "text": parts[0].get_payload(decode=True).decode(parts[0].get_content_charset() or "ascii"),
  "perMessage": dict(status[0].items()),
  "perRecipient": [dict(block.items()) for block in status[1:]],
  "headers": headers,
}))
`;

/** A notice as Python's email package reads it. */
export interface ParsedDsn {
  type: string;
  reportType: string;
  from: string;
  to: string;
  subject: string;
  returnPath: string;
  parts: string[];
  text: string;
  perMessage: Record<string, string>;
  perRecipient: Record<string, string>[];
  /** The returned part: the header section, or the whole message for message/rfc822. */
  headers: string;
}

/** Parses the notice in the file at `path`. */
export async function parseDsn(path: string): Promise<ParsedDsn> {
  return JSON.parse(await python(PARSE_DSN, [path])) as ParsedDsn;
}
