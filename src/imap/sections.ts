/**
 * Extracting `BODY[section]` data from a message (RFC 3501 6.4.5): part
 * paths through multiparts and embedded messages, HEADER, HEADER.FIELDS
 * (NOT), TEXT and MIME.
 */
import { type MimePart, parseMimeStructure } from "../mail/mod.ts";
import type { Section } from "./fetch_items.ts";

/** Finds the entity a part path names, or null. */
export function findPart(root: MimePart, path: readonly number[]): MimePart | null {
  let current = root;
  for (const [depth, index] of path.entries()) {
    // Below a message/rfc822 entity, numbers count the parts of the message it holds; the
    // first number names a part of the root itself (part 1 of a non-multipart is the root).
    if (depth > 0 && current.message !== null) current = current.message;
    if (current.type === "multipart") {
      const child = current.parts[index - 1];
      if (child === undefined) return null;
      current = child;
    } else if (index !== 1) {
      return null;
    }
  }
  return current;
}

/**
 * Where a section's data is: a range of the message (a body, sent from the
 * message's own bytes however big), or text made from a header.
 */
export type SectionData = { start: number; end: number } | { text: string };

/**
 * The bytes (binary string) of `section` of `message`; "" for a part that
 * does not exist (RFC 3501 allows an empty string for a missing part).
 * `root` may be passed when already parsed.
 */
export function extractSection(message: string, section: Section, root?: MimePart): string {
  const data = locateSection(message, section, root);
  return "text" in data ? data.text : message.slice(data.start, data.end);
}

/**
 * Where `section` of `message` (a binary string, or its bytes) is, or the
 * text it stands for (see `extractSection`).
 */
export function locateSection(
  message: string | Uint8Array,
  section: Section,
  root?: MimePart,
): SectionData {
  if (section.part.length === 0 && section.kind === "") return { start: 0, end: message.length };
  const tree = root ?? parseMimeStructure(message);
  const part = findPart(tree, section.part);
  if (part === null) return { text: "" };
  // HEADER and TEXT name the header/body of a message: the root or an embedded message/rfc822.
  const container = section.part.length === 0 ? tree : part.message;
  switch (section.kind) {
    case "":
      return { start: part.bodyStart, end: part.bodyEnd };
    case "MIME":
      return { text: part.header };
    case "TEXT":
      return container === null
        ? { text: "" }
        : { start: container.bodyStart, end: container.bodyEnd };
    case "HEADER":
      return { text: container === null ? "" : container.header };
    case "HEADER.FIELDS":
    case "HEADER.FIELDS.NOT":
      if (container === null) return { text: "" };
      return {
        text: filterHeader(container.header, section.fields, section.kind === "HEADER.FIELDS"),
      };
  }
}

/**
 * The header fields whose names are (or with `isKeep` false, are not) in `names`, then the
 * blank line: a header section without one (a message with no body) gets none (RFC 3501
 * 6.4.5, "except in the case of a message which has no body and no blank line").
 */
export function filterHeader(header: string, names: readonly string[], isKeep: boolean): string {
  const wanted = new Set(names.map((name) => name.toUpperCase()));
  let out = "";
  let isKept = false;
  for (const line of header.split(/(?<=\n)/)) {
    if (line === "\r\n" || line === "\n") return out + "\r\n";
    if (/^[ \t]/.test(line)) {
      if (isKept) out += line;
      continue;
    }
    const colon = line.indexOf(":");
    const name = colon > 0 ? line.slice(0, colon).trim().toUpperCase() : "";
    isKept = name !== "" && wanted.has(name) === isKeep;
    if (isKept) out += line;
  }
  return out;
}

/** Applies `<offset.length>` to a range of the message. */
export function partialRange(
  range: { start: number; end: number },
  partial: { offset: number; length: number } | null,
): { start: number; end: number } {
  if (partial === null) return range;
  const start = Math.min(range.start + partial.offset, range.end);
  return { start, end: Math.min(start + partial.length, range.end) };
}

/** Applies `<offset.length>` to data. */
export function applyPartial(
  data: string,
  partial: { offset: number; length: number } | null,
): string {
  return partial === null ? data : data.slice(partial.offset, partial.offset + partial.length);
}
