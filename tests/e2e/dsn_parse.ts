/** Reads a delivery status notification we produced with Python's email package. */
import { python } from "./harness.ts";

/** Parses a DSN with Python's email package; prints JSON. */
const PARSE_DSN = `
import email, json, sys
msg = email.message_from_bytes(open(sys.argv[1], "rb").read())
parts = msg.get_payload()
status = parts[1].get_payload()
returned = parts[2] if len(parts) > 2 else None
if returned is None:
    headers = ""
elif returned.get_content_type() == "message/rfc822":
    headers = returned.get_payload()[0].as_bytes().decode("ascii")
else:
    headers = returned.get_payload(decode=True).decode("utf-8")
print(json.dumps({
  "type": msg.get_content_type(),
  "reportType": msg.get_param("report-type"),
  "from": msg["From"], "to": msg["To"], "subject": msg["Subject"],
  "returnPath": msg["Return-Path"],
  "parts": [p.get_content_type() for p in parts],
  "text": parts[0].get_payload(decode=True).decode("ascii"),
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
