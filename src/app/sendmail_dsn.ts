/**
 * `sendmail -N`, `-R` and `-V` (RFC 3461 5.3: a local sender's requests, as
 * sendmail and Postfix take them): NOTIFY for every recipient, RET, and an
 * envelope id, kept as SMTP would have (ENVID as xtext).
 */
import {
  type DsnReturn,
  encodeXtext,
  MAX_ENVID_CHARS,
  type NotifyWord,
  parseNotify,
  parseRet,
} from "../smtp/mod.ts";

/** What -N, -R and -V asked for. */
export interface SendmailDsn {
  notify?: NotifyWord[];
  ret?: DsnReturn;
  envid?: string;
}

/** Adds one option to `dsn`; a usage problem as a string. */
export function dsnOption(
  letter: "N" | "R" | "V",
  value: string,
  dsn: SendmailDsn,
): SendmailDsn | string {
  if (letter === "N") {
    const notify = parseNotify(value.replace(/\s+/g, ""));
    if ("error" in notify) {
      return `Bad -N "${value}": never, or success, failure, delay with commas`;
    }
    return { ...dsn, notify };
  }
  if (letter === "R") {
    const ret = parseRet(value);
    if (typeof ret === "object") return `Bad -R "${value}": full or hdrs`;
    return { ...dsn, ret };
  }
  // RFC 3461 4.4: printable US-ASCII, at most 100 characters once written as xtext.
  const envid = encodeXtext(value);
  if (!/^[\x20-\x7e]+$/.test(value) || envid.length > MAX_ENVID_CHARS) {
    return `Bad -V "${value}": printable ASCII, at most ${MAX_ENVID_CHARS} characters as xtext`;
  }
  return { ...dsn, envid };
}
