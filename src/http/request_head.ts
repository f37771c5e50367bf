/**
 * The head of an HTTP/1.1 request (RFC 9112 2-5), read strictly: the status
 * page needs only the method and the path, and refuses the rest with the
 * status the RFC names.
 */

/** A request head that can be answered, or the status that refuses it. */
export type RequestHead =
  | { kind: "request"; method: string; path: string }
  | { kind: "refused"; status: 400 | 505 };

/** RFC 9110 5.6.2 token: a method or a field name. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/**
 * RFC 9112 3.2 (RFC 3986 3.2.2, 3.2.3): Host = uri-host [ ":" port ], where
 * uri-host is an IP-literal in brackets or a reg-name (which covers IPv4).
 */
const HOST =
  /^(?:\[[0-9A-Za-z._~!$&'()*+,;=:-]+\]|(?:[0-9A-Za-z._~!$&'()*+,;=-]|%[0-9A-Fa-f]{2})*)(?::[0-9]*)?$/;
/** RFC 9112 3: method SP request-target SP HTTP-version. */
const REQUEST_LINE = /^(\S+) (\S+) (HTTP\/\d\.\d)$/;

/**
 * Reads a request line and its header lines (without line ends). A head
 * that is not HTTP/1.x, or an HTTP/1.1 request without a valid Host, gets its
 * refusal (RFC 9112 2.2, 3.2, 5.1, 5.2), as does one whose body length
 * cannot be told (6.3).
 */
export function parseRequestHead(requestLine: string, fieldLines: readonly string[]): RequestHead {
  const match = REQUEST_LINE.exec(requestLine);
  if (!match) return { kind: "refused", status: 400 };
  const [, method = "", target = "", version = ""] = match;
  if (!TOKEN.test(method)) return { kind: "refused", status: 400 };
  // A later HTTP/1.x is read as HTTP/1.1, the highest minor version known here (RFC 9110 2.5).
  if (!version.startsWith("HTTP/1.")) return { kind: "refused", status: 505 };
  /** Field values by lower-case name, one per field line. */
  const fields = new Map<string, string[]>();
  for (const line of fieldLines) {
    const colon = line.indexOf(":");
    // No name, whitespace before the colon, or a folded line (obs-fold): 400.
    if (colon <= 0 || !TOKEN.test(line.slice(0, colon))) return { kind: "refused", status: 400 };
    const name = line.slice(0, colon).toLowerCase();
    // Without its optional whitespace (RFC 9112 5.1): SP and HTAB only.
    const value = line.slice(colon + 1).replace(/^[ \t]+|[ \t]+$/g, "");
    fields.set(name, [...fields.get(name) ?? [], value]);
  }
  const hosts = fields.get("host") ?? [];
  // No Host in HTTP/1.1, more than one, or one with an invalid value: 400 (RFC 9112 3.2).
  if (hosts.length > 1 || (version !== "HTTP/1.0" && hosts.length === 0)) {
    return { kind: "refused", status: 400 };
  }
  if (hosts.some((host) => !HOST.test(host))) return { kind: "refused", status: 400 };
  if (!hasValidFraming(fields)) return { kind: "refused", status: 400 };
  // The asterisk-form is for a server-wide OPTIONS only (RFC 9112 3.2.4).
  const path = target === "*" && method !== "OPTIONS" ? null : targetPath(target);
  return path === null ? { kind: "refused", status: 400 } : { kind: "request", method, path };
}

/** The path of an origin-form, absolute-form or asterisk-form target (RFC 9112 3.2). */
function targetPath(target: string): string | null {
  if (target === "*") return "*";
  if (target.startsWith("/")) {
    const end = target.search(/[?#]/);
    return end < 0 ? target : target.slice(0, end);
  }
  try {
    const url = new URL(target);
    return url.protocol === "http:" ? url.pathname : null;
  } catch {
    return null;
  }
}

/**
 * Whether the body's length can be told (RFC 9112 6.3): a Transfer-Encoding
 * must end in chunked (item 4); without one, every Content-Length member must
 * be the same decimal number (item 5). Else the server must answer 400 and close.
 */
function hasValidFraming(fields: ReadonlyMap<string, readonly string[]>): boolean {
  const encoding = fields.get("transfer-encoding");
  if (encoding) return listMembers(encoding).at(-1)?.toLowerCase() === "chunked";
  const length = fields.get("content-length");
  if (!length) return true;
  const members = listMembers(length);
  // Equal numbers written differently (05 and 5) are the same length.
  return members.length > 0 && members.every((member) => /^[0-9]+$/.test(member)) &&
    new Set(members.map((member) => BigInt(member))).size === 1;
}

/** The members of a comma-separated field, over all its lines (RFC 9110 5.3, 5.6.1). */
function listMembers(values: readonly string[] | undefined): string[] {
  return (values ?? []).flatMap((value) => value.split(",")).map((member) => member.trim())
    .filter((member) => member !== "");
}
