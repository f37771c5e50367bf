/**
 * The form a queued message takes for one peer, from what the peer offers
 * (8BITMIME, SMTPUTF8) and what the message holds. Pure. The rules:
 *
 * 1. Non-ASCII envelope addresses need SMTPUTF8 (RFC 6531 3.2), unless
 *    only their domains are non-ASCII: a peer without it gets those domains
 *    in A-labels (`bob@xn--bcher-kva.test` is `bob@bücher.test`, RFC 5890).
 *    A UTF-8 local part has no 7-bit form: then the message is refused (5.6.7).
 * 2. A peer with SMTPUTF8 gets raw UTF-8 header text as is, with the
 *    SMTPUTF8 parameter, when the message was received with SMTPUTF8 or
 *    its 8-bit header text is valid UTF-8 (RFC 6532 3).
 * 3. Otherwise the header may not carry raw 8-bit (RFC 6532 3, RFC 5322
 *    2.2; with 8BITMIME too, which covers the body only: RFC 6152 3): the
 *    8-bit header fields become RFC 2047 encoded words, or the message is
 *    refused (5.6.7) when a field cannot be made 7-bit safely (an 8-bit
 *    local part, Message-ID, ...). This is the same text in a 7-bit
 *    form, not a loss, so it is preferred over a bounce.
 * 4. A peer without 8BITMIME gets 8-bit body parts as quoted-printable or
 *    base64, and the header sections of MIME parts and attached messages
 *    encoded as in 3 (an attached message/global that cannot be made 7-bit
 *    inside goes whole in quoted-printable: RFC 6532 3.7); if any 8-bit
 *    byte would still remain, refused (5.6.3,
 *    "conversion required but not supported": RFC 3463, RFC 6152 3).
 *    A peer with 8BITMIME gets the body as is (with BODY=8BITMIME): the
 *    header sections inside the body are body content to SMTP.
 * 4a. Parts nested deeper than MAX_MIME_NESTING cannot be converted: refused
 *    (5.6.3) when they would need it, sent as is to an 8BITMIME peer.
 * 5. A message flagged SMTPUTF8 that needs none of it (ASCII addresses and
 *    header) goes to any peer, without the parameter; one that is all ASCII
 *    goes without it to a peer with SMTPUTF8 too (RFC 6531 3.4: SHOULD NOT
 *    be supplied when neither envelope nor message needs it).
 */
import { domainToASCII } from "node:url";
import { downgradeTo7bit, has8bitBytes, MimeNestingError } from "./eight_bit.ts";
import { isUtf8Binary } from "./encoded_word_writer.ts";
import { HeaderEncodingError } from "./header_encoding.ts";
import { toLatin1 } from "./latin1.ts";

/** What the peer said in its EHLO reply. */
export interface PeerAbilities {
  has8bitMime: boolean;
  hasSmtputf8: boolean;
}

/** The message as queued, with its envelope facts. */
export interface QueuedForm {
  /** The message bytes exactly as queued. */
  message: Uint8Array;
  /** Envelope addresses of this transaction (sender and recipients). */
  addresses: readonly string[];
  /** The message was received with the SMTPUTF8 parameter. */
  isSmtputf8: boolean;
}

/** What to send, or why not. */
export type PeerForm =
  | {
    kind: "send";
    message: Uint8Array;
    isBody8bit: boolean;
    isSmtputf8: boolean;
    /** The envelope addresses as they go on the wire, in the order given. */
    addresses: string[];
  }
  | {
    kind: "refused";
    reason: string;
    /**
     * The enhanced status (RFC 3463): 5.6.7 for an address or header text
     * that has no 7-bit form (RFC 6531 3.2), 5.6.3 "conversion required but
     * not supported" for a body that cannot be made 7-bit (RFC 6152 3).
     */
    status: string;
  };

/** An address or header that needs SMTPUTF8 (RFC 6531 3.2, the README's contract). */
const NEEDS_SMTPUTF8 = "5.6.7";
/** 8-bit body content the downgrade cannot convert (RFC 3463 X.6.3). */
const CANNOT_CONVERT = "5.6.3";

const NON_ASCII = /[^\x00-\x7f]/;
const MAX_LABEL_OCTETS = 63;

/**
 * An envelope address in ASCII: its domain in A-labels (IDNA, RFC 5891 4).
 * Null when the local part is not ASCII or the domain has no valid A-label
 * form (a label over 63 octets once converted).
 */
export function asciiEnvelopeAddress(address: string): string | null {
  if (!NON_ASCII.test(address)) return address;
  const at = address.lastIndexOf("@");
  const local = address.slice(0, at);
  if (at < 0 || NON_ASCII.test(local)) return null;
  const domain = domainToASCII(address.slice(at + 1));
  if (domain === "" || NON_ASCII.test(domain)) return null;
  if (domain.split(".").some((label) => label.length > MAX_LABEL_OCTETS)) return null;
  return `${local}@${domain}`;
}

/** Decides how `queued` travels to a peer that offers `peer`. */
export function fitMessageToPeer(queued: QueuedForm, peer: PeerAbilities): PeerForm {
  const ascii = queued.addresses.map(asciiEnvelopeAddress);
  if (!peer.hasSmtputf8 && ascii.some((address) => address === null)) {
    return {
      kind: "refused",
      reason: "A non-ASCII address needs SMTPUTF8, which the peer lacks",
      status: NEEDS_SMTPUTF8,
    };
  }
  const form = fitContent(queued, peer);
  if (form.kind === "refused") return form;
  // Without SMTPUTF8 every address has its ASCII form (else refused above, or the peer has it
  // and then any non-ASCII address made the form SMTPUTF8).
  const addresses = form.isSmtputf8
    ? [...queued.addresses]
    : ascii.map((a, i) => a ?? queued.addresses[i]!);
  return { ...form, addresses };
}

/** The message part of {@link fitMessageToPeer}. */
function fitContent(
  queued: QueuedForm,
  peer: PeerAbilities,
): Exclude<PeerForm, { kind: "send" }> | Omit<Extract<PeerForm, { kind: "send" }>, "addresses"> {
  const { message } = queued;
  if (!has8bitBytes(message)) {
    // All ASCII: only a non-ASCII address can need SMTPUTF8. The flag the message came in
    // with is not a need: RFC 6531 3.4 says a client that knows nothing needs it SHOULD NOT
    // send the parameter (rule 5).
    const isSmtputf8 = peer.hasSmtputf8 && queued.addresses.some((a) => NON_ASCII.test(a));
    return { kind: "send", message, isBody8bit: false, isSmtputf8 };
  }
  const header = headerOf(message);
  const isHeader8bit = /[\x80-\xff]/.test(header);
  const isUtf8Wanted = queued.isSmtputf8 || queued.addresses.some((a) => NON_ASCII.test(a)) ||
    (isHeader8bit && isUtf8Binary(header));
  if (peer.hasSmtputf8 && isUtf8Wanted) {
    let body = message;
    try {
      if (!peer.has8bitMime) body = downgradeTo7bit(message);
    } catch (error) {
      if (!(error instanceof MimeNestingError)) throw error;
      return {
        kind: "refused",
        reason: `Cannot make the message 7-bit: ${error.message}`,
        status: CANNOT_CONVERT,
      };
    }
    const isBody8bit = peer.has8bitMime && has8bitBytes(body);
    return { kind: "send", message: body, isBody8bit, isSmtputf8: true };
  }
  let out: Uint8Array;
  try {
    out = downgradeTo7bit(message, {
      isBodyConverted: !peer.has8bitMime,
      headers: peer.has8bitMime ? "top" : "all",
    });
  } catch (error) {
    if (error instanceof MimeNestingError) {
      return {
        kind: "refused",
        reason: `Cannot make the message 7-bit: ${error.message}`,
        status: CANNOT_CONVERT,
      };
    }
    if (!(error instanceof HeaderEncodingError)) throw error;
    return {
      kind: "refused",
      reason: `Cannot make the header 7-bit: ${error.message}`,
      status: NEEDS_SMTPUTF8,
    };
  }
  const isBody8bit = has8bitBytes(out);
  if (isBody8bit && !peer.has8bitMime) {
    return {
      kind: "refused",
      reason: "Cannot make the message 7-bit for a peer without 8BITMIME",
      status: CANNOT_CONVERT,
    };
  }
  return { kind: "send", message: out, isBody8bit, isSmtputf8: false };
}

/** The top header section as a binary string. */
function headerOf(message: Uint8Array): string {
  const text = toLatin1(message);
  const end = text.search(/\r\n\r\n/);
  return end < 0 ? text : text.slice(0, end + 2);
}
