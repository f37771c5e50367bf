/**
 * What THREAD keeps of a message whose header section was read (RFC 5256
 * 3): its numbers, its sent date, its base subject as compared and whether
 * it is a reply or forward, and for REFERENCES its Message ID and
 * references. Pure. Every string kept is a copy of its own (textKey, the
 * IDs of message_ids.ts), so nothing kept holds on to the header.
 */
import { headerValue } from "../mail/mod.ts";
import { baseSubjectOf } from "./base_subject.ts";
import { firstMessageId, messageReferences } from "./message_ids.ts";
import { sentDateMs, textKey } from "./sort_criteria.ts";
import type { ReferencedMessage } from "./thread_references.ts";
import type { ThreadMessage } from "./thread_tree.ts";

/** A message's index facts, as the search saw them. */
export interface MessageNumbers {
  seq: number;
  uid: number;
  internalDateMs: number;
}

/** What both algorithms compare: the sent date and the base subject. */
export function threadMessageOf(header: string, message: MessageNumbers): ThreadMessage {
  const base = baseSubjectOf(headerValue(header, "subject") ?? "");
  return {
    seq: message.seq,
    uid: message.uid,
    // RFC 5256 2.2: the Date field's moment, else the INTERNALDATE.
    sentMs: sentDateMs(header, message.internalDateMs),
    // RFC 5256 3: "Subject comparisons are case-insensitive", as SORT compares them.
    subject: textKey(base.text),
    isReplyOrForward: base.isReplyOrForward,
  };
}

/** Besides, what REFERENCES links by: the first Message-ID field's ID and the references. */
export function referencedMessageOf(header: string, message: MessageNumbers): ReferencedMessage {
  return {
    ...threadMessageOf(header, message),
    messageId: firstMessageId(headerValue(header, "message-id") ?? ""),
    references: messageReferences(
      headerValue(header, "references"),
      headerValue(header, "in-reply-to"),
    ),
  };
}
