/**
 * UIDL values (RFC 1939 7: 1 to 70 characters 0x21-0x7E, unique within
 * the maildrop and persistent for the message, so a client that leaves mail
 * on the server fetches each message once).
 */
import type { DovecotPop3Uidls, MessageInfo } from "../mailbox/mod.ts";

/**
 * The UIDL of a message of ours: its Maildir base name, which never
 * changes (not even if the UID index is rebuilt); a base name that does not
 * fit is replaced by its SHA-1 in hex.
 */
export async function uidlFor(base: string): Promise<string> {
  return fitsUidl(base) ? base : await sha1Hex(base);
}

async function sha1Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-1", new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (byte) => byte.toString(16).padStart(2, "0")).join("");
}

/** Whether `value` may be sent as a UIDL as it is. */
export function fitsUidl(value: string): boolean {
  return value.length <= 70 && /^[\x21-\x7e]+$/.test(value);
}

/**
 * Each message's UIDL, in order: the one Dovecot's POP3 gave it (a Maildir
 * copied in from Dovecot) when that fits, else `uidlFor(base)`; but a base
 * name that is a UIDL Dovecot gave (`shown`: another message's, or one
 * Dovecot gave two) becomes its SHA-1, for a client that saw that UIDL
 * would skip this message as fetched. Any clash left (none but by a SHA-1
 * coincidence) falls back to the base name.
 */
export async function maildropUidls(
  messages: readonly MessageInfo[],
  dovecot: DovecotPop3Uidls,
): Promise<string[]> {
  // The base name as it is when it fits and Dovecot gave no message that UIDL, else its SHA-1.
  const isBaseAsIs = (base: string) => fitsUidl(base) && !dovecot.shown.has(base);
  const own = async (base: string) => isBaseAsIs(base) ? base : await sha1Hex(base);
  const uidls: string[] = [];
  const isDovecot: boolean[] = [];
  for (const message of messages) {
    const base = message.base;
    const theirs = dovecot.byBase.get(base);
    const isTheirs = theirs !== undefined && fitsUidl(theirs);
    uidls.push(isTheirs ? theirs : isBaseAsIs(base) ? base : await sha1Hex(base));
    isDovecot.push(isTheirs);
  }
  for (let isChanged = isDovecot.includes(true); isChanged;) {
    isChanged = false;
    const counts = new Map<string, number>();
    for (const uidl of uidls) counts.set(uidl, (counts.get(uidl) ?? 0) + 1);
    for (let i = 0; i < uidls.length; i++) {
      if (!isDovecot[i] || (counts.get(uidls[i] as string) ?? 0) < 2) continue;
      uidls[i] = await own((messages[i] as MessageInfo).base);
      isDovecot[i] = false;
      isChanged = true;
    }
  }
  return uidls;
}
