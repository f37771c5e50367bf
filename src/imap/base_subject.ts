/**
 * The "base subject" SORT SUBJECT compares (RFC 5256 2.1): the Subject with
 * the artifacts mail programs add around it taken off, "Re:", "Fwd:",
 * "[list]" tags, "(fwd)" and "[fwd: ...]" wrappers, so that a reply sorts
 * beside what it answers. Pure. Works on positions in one string, never on
 * a copy per step: a subject of thousands of "Re: " costs one pass.
 */
import { decodeHeaderText } from "../mail/encoded_words.ts";

// subj-refwd = ("re" / ("fw" ["d"])) *WSP [subj-blob] ":". Blob text is any character but
// the brackets: RFC 5256's BLOBCHAR is 7-bit only, but after step (1) a list tag holds decoded
// text too ("[Verein Köln]"), and it is still a tag.
const REFWD = /(?:re|fwd?)[ \t]*(?:\[[^[\]]*\][ \t]*)?:/iy;
const BLOB = /\[[^[\]]*\][ \t]*/y;

/**
 * The base subject of a Subject field's raw value (a binary string, as the
 * header was read): encoded words decoded (step 1), then steps (2) to (6).
 */
export function baseSubject(rawValue: string): string {
  return baseSubjectOf(rawValue).text;
}

/**
 * The base subject, and whether the message is a reply or forward: THREAD
 * REFERENCES (RFC 5256 3, step 5) prefers a thread's original to its
 * replies, a message whose subject lost a "Re:"/"Fwd:" leader (5), a
 * "(fwd)" trailer (2) or a "[fwd: ...]" wrapper (6) on the way. A "[list]"
 * tag alone makes no reply.
 */
export function baseSubjectOf(rawValue: string): { text: string; isReplyOrForward: boolean } {
  // (1) Encoded words to text; tabs and line folds to a space; runs of spaces to one.
  const text = decodeHeaderText(rawValue).replace(/\r?\n/g, "").replace(/[ \t]+/g, " ");
  let start = 0;
  let end = text.length;
  let isReplyOrForward = false;
  while (true) {
    // (2) Trailing "(fwd)" and blanks, as often as they come.
    while (end > start) {
      if (text[end - 1] === " ") end--;
      else if (end - start >= 5 && text.slice(end - 5, end).toLowerCase() === "(fwd)") {
        end -= 5;
        isReplyOrForward = true;
      } else break;
    }
    // (3) to (5): leaders (a blank, or blobs then "Re:"), and blobs that leave text behind.
    while (true) {
      if (text[start] === " " && start < end) {
        start++;
        continue;
      }
      // The run of blobs here, scanned once: a leader starting at any of them ends in the
      // same "Re:" after the run, or there is none (a subject of 20,000 "[a]" stays linear).
      let lastBlob = -1;
      let afterBlobs = start;
      BLOB.lastIndex = start;
      while (afterBlobs < end && BLOB.test(text) && BLOB.lastIndex <= end) {
        lastBlob = afterBlobs;
        afterBlobs = BLOB.lastIndex;
      }
      REFWD.lastIndex = afterBlobs;
      if (REFWD.test(text) && REFWD.lastIndex <= end) {
        start = REFWD.lastIndex;
        isReplyOrForward = true;
        continue;
      }
      // (4): each blob goes when text is left after it; the last one of all stays.
      const next = afterBlobs < end ? afterBlobs : lastBlob;
      if (lastBlob < 0 || next === start) break;
      start = next;
    }
    // (6) "[fwd: ...]" around the rest: unwrap, and begin again at (2).
    const isWrapped = end - start >= 6 && text.slice(start, start + 5).toLowerCase() === "[fwd:" &&
      text[end - 1] === "]";
    if (!isWrapped) return { text: text.slice(start, end), isReplyOrForward };
    isReplyOrForward = true;
    start += 5;
    end -= 1;
  }
}
