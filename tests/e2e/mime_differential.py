"""
Differential check of Pillarbox's IMAP view of messages against Python's
`email` package, run by imap_mime_differential_test.ts.

argv: IMAP port, a JSON file of [name, message as latin1 text] pairs, and the
number of messages already in INBOX (delivered over SMTP; their names are
"smtp:" and the corpus name, in order). Each corpus message is APPENDed to a
folder of its own, byte for byte (imaplib would turn bare LFs into CRLF);
the server stores a bare LF as CRLF (a lone CR as sent), and Python reads
what it holds.
For every message the bytes the server holds (BODY.PEEK[]) are parsed by
Python and compared with ENVELOPE, BODYSTRUCTURE, BODY, RFC822.SIZE and the
sections BODY[n], BODY[n.MIME], BODY[n.HEADER], BODY[n.TEXT], BODY[HEADER],
BODY[TEXT] and BODY[HEADER.FIELDS (...)]. Prints a JSON list of differences.
"""
import email
import email.policy
import imaplib
import json
import re
import sys
from email.header import decode_header, make_header

problems = []


def check(name, what, imap, python):
    if imap != python:
        problems.append({"message": name, "what": what, "imap": repr(imap), "python": repr(python)})


# --- reading IMAP response data ------------------------------------------------------------


def lex(data):
    """One line of response text -> tokens: "(", ")", bytes (quoted), ("LIT",), ("ATOM", text)."""
    tokens, i = [], 0
    while i < len(data):
        char = data[i:i + 1]
        if char in b" \r\n":
            i += 1
        elif char in b"()":
            tokens.append(char.decode())
            i += 1
        elif char == b'"':
            j, text = i + 1, bytearray()
            while data[j:j + 1] != b'"':
                if data[j:j + 1] == b"\\":
                    j += 1
                text += data[j:j + 1]
                j += 1
            tokens.append(bytes(text))
            i = j + 1
        elif char == b"{":
            tokens.append(("LIT",))
            i = data.index(b"}", i) + 1
        else:
            word = re.match(rb"[^ ()\r\n\[]*(\[[^\]]*\])?[^ ()\r\n]*", data[i:]).group(0)
            tokens.append(("ATOM", word.decode()))
            i += len(word)
    return tokens


def tokens_of(data):
    """imaplib's pieces (lines and (line, literal) pairs) -> tokens, literals as bytes."""
    tokens = []
    for piece in data:
        if isinstance(piece, tuple):
            tokens += lex(piece[0])
            tokens[-1] = piece[1]
        elif piece is not None:
            tokens += lex(piece)
    return tokens


def read_value(tokens, i):
    token = tokens[i]
    if token == "(":
        items, i = [], i + 1
        while tokens[i] != ")":
            value, i = read_value(tokens, i)
            items.append(value)
        return items, i + 1
    if isinstance(token, tuple):
        return (None if token[1].upper() == "NIL" else token[1]), i + 1
    return token, i + 1


def fetch(client, items):
    """FETCH (items) of the message under test -> {item name: value}."""
    kind, data = client.fetch("1", items)
    assert kind == "OK", (items, kind, data)
    values, _ = read_value(tokens_of(data), 1)
    return {values[k]: values[k + 1] for k in range(0, len(values), 2)}


def section(client, name):
    return next(iter(fetch(client, f"(BODY.PEEK[{name}])").values())) or b""


def text(value):
    return None if value is None else value.decode("latin1") if isinstance(value, bytes) else value


# --- what Python says ----------------------------------------------------------------------


def unfold(value):
    return re.sub(r"\r?\n(?=[ \t])", "", value)


def raw_field(message, name):
    """The first `name` field as sent (latin1, unfolded, trimmed), or None."""
    for key, value in message.raw_items():
        if key.lower() == name:
            return unfold(value.encode("ascii", "surrogateescape").decode("latin1")).strip()
    return None


def structured(message, name):
    raw = raw_field(message, name)
    return None if raw is None else email.policy.default.header_factory(name, raw)


def content_type(part):
    field = structured(part, "content-type")
    # RFC 2045 5.2: no Content-Type, or one that cannot be read, is text/plain; charset=us-ascii.
    if field is None or field.defects or "/" not in field.content_type:
        if field is None and part.get_default_type() == "message/rfc822":
            return "message/rfc822", []
        return "text/plain", [("charset", "us-ascii")]
    return field.content_type, [(k.lower(), v) for k, v in field.params.items()]


def payload(part):
    """The bytes Python holds as a leaf part's body."""
    value = part.get_payload()
    return value.encode("ascii", "surrogateescape") if isinstance(value, str) else None


def line_count(data):
    """Lines end at LF (a bare CR ends none); a last line without one counts too."""
    return data.count(b"\n") + (1 if data and not data.endswith(b"\n") else 0)


def mime_fields(header_bytes):
    parsed = email.message_from_bytes(header_bytes, policy=email.policy.compat32)
    return [(k.lower(), v) for k, v in parsed.raw_items()]


def decoded(value):
    try:
        return None if value is None else str(make_header(decode_header(value)))
    except Exception:
        return value


def python_addresses(message, name):
    """(name, adl, mailbox, host) entries as ENVELOPE lists them, groups included."""
    field = structured(message, name)
    if field is None:
        return None
    out = []
    for group in field.groups:
        if group.display_name is not None:
            out.append((None, None, group.display_name, None))
        for address in group.addresses:
            out.append((address.display_name or None, None, address.username or None,
                        address.domain or None))
        if group.display_name is not None:
            out.append((None, None, None, None))
    return out or None


# --- comparisons ---------------------------------------------------------------------------


def compare_envelope(name, label, envelope, message):
    for i, field in [(0, "date"), (1, "subject"), (8, "in-reply-to"), (9, "message-id")]:
        check(name, f"{label} {field}", text(envelope[i]), raw_field(message, field))
    for i, field in enumerate(["from", "sender", "reply-to", "to", "cc", "bcc"]):
        got = envelope[2 + i]
        if got is not None:
            # Python decodes encoded words in names (and group names); ENVELOPE sends them as is.
            got = [(decoded(text(n)) or None, text(r), decoded(text(m)) if h is None else text(m),
                    text(h)) for n, r, m, h in got]
        want = python_addresses(message, field)
        # RFC 3501 7.4.2: Sender and Reply-To absent or empty are From.
        if field in ("sender", "reply-to") and want is None:
            want = python_addresses(message, "from")
        check(name, f"{label} {field}", got, want)


def compare_extensions(name, label, extensions, part):
    """body-ext-1part / body-ext-mpart after MD5: disposition, language, location."""
    disposition, language, location = (list(extensions) + [None] * 3)[:3]
    field = structured(part, "content-disposition")
    want = None if field is None else (
        field.content_disposition.upper(),
        [(k.lower(), v) for k, v in field.params.items()] or None)
    got = None if disposition is None else (
        text(disposition[0]), None if disposition[1] is None else params_of(disposition[1]))
    check(name, f"{label} disposition", got, want)
    raw = raw_field(part, "content-language")
    tags = [t.strip() for t in re.sub(r"\([^)]*\)", "", raw or "").split(",") if t.strip()]
    check(name, f"{label} language", language and [text(t) for t in language], tags or None)
    check(name, f"{label} location", text(location), raw_field(part, "content-location"))


def params_of(values):
    return [(text(values[k]).lower(), text(values[k + 1])) for k in range(0, len(values or []), 2)]


def children(structure):
    count = 0
    while isinstance(structure[count], list):
        count += 1
    return structure[:count], structure[count:]


def walk(name, client, structure, part, path):
    label = ".".join(map(str, path)) or "root"
    if isinstance(structure[0], list):
        kids, rest = children(structure)
        check(name, f"{label} type", "multipart/" + text(rest[0]).lower(), content_type(part)[0])
        check(name, f"{label} params", params_of(rest[1]), content_type(part)[1])
        compare_extensions(name, label, rest[2:], part)
        parts = part.get_payload() if part.is_multipart() else []
        check(name, f"{label} part count", len(kids), len(parts))
        for i, (kid, child) in enumerate(zip(kids, parts)):
            walk(name, client, kid, child, path + [i + 1])
        return
    kind = (text(structure[0]) + "/" + text(structure[1])).lower()
    check(name, f"{label} type", kind, content_type(part)[0])
    check(name, f"{label} params", params_of(structure[2]), content_type(part)[1])
    check(name, f"{label} id", text(structure[3]), raw_field(part, "content-id"))
    check(name, f"{label} description", text(structure[4]), raw_field(part, "content-description"))
    encoding = re.sub(r"\([^)]*\)", "", raw_field(part, "content-transfer-encoding") or "").strip()
    check(name, f"{label} encoding", text(structure[5]), (encoding or "7bit").upper())
    at = ".".join(map(str, path or [1]))
    data = section(client, at)
    check(name, f"{label} size", int(structure[6]), len(data))
    if path:
        check(name, f"{label} MIME fields", mime_fields(section(client, at + ".MIME")),
              mime_fields(header_bytes(part)))
    if kind == "message/rfc822":
        inner = part.get_payload()[0]
        header, body = section(client, at + ".HEADER"), section(client, at + ".TEXT")
        # RFC 2046 5.2.1: the part's body is the whole message, header and text.
        check(name, f"{label} HEADER then TEXT", header + body, data)
        check(name, f"{label} lines", int(structure[9]), line_count(data))
        compare_envelope(name, f"{label} envelope", structure[7], inner)
        compare_extensions(name, label, structure[11:], part)
        inner_structure = structure[8]
        if isinstance(inner_structure[0], list):
            kids, _ = children(inner_structure)
            parts = inner.get_payload()
            check(name, f"{label} inner part count", len(kids), len(parts))
            for i, (kid, child) in enumerate(zip(kids, parts)):
                walk(name, client, kid, child, (path or [1]) + [i + 1])
        elif payload(inner) is not None:
            check(name, f"{label} inner TEXT", body, payload(inner))
            check(name, f"{label}.1", section(client, at + ".1"), payload(inner))
        return
    check(name, f"{label} BODY[{at}]", data, payload(part))
    if kind.startswith("text/"):
        check(name, f"{label} lines", int(structure[7]), line_count(data))
        compare_extensions(name, label, structure[9:], part)
    else:
        compare_extensions(name, label, structure[8:], part)


def header_bytes(part):
    """A part's header fields as Python read them, as bytes for `mime_fields`."""
    return "".join(f"{k}: {v}\r\n" for k, v in part.raw_items()).encode("ascii", "surrogateescape")


def header_fields(raw, names):
    """
    BODY[HEADER.FIELDS (names)] computed from the bytes: the fields as sent, then a blank
    line unless the message has none (RFC 3501 6.4.5).
    """
    head = b"" if re.match(rb"\r?\n", raw) else re.split(rb"(?<=\n)\r?\n", raw, 1)[0]
    has_blank_line = re.match(rb"\r?\n", raw) or re.search(rb"\n\r?\n", raw)
    out, is_kept = b"", False
    for line in re.split(rb"(?<=\n)", head):
        if line[:1] in (b" ", b"\t"):
            out += line if is_kept else b""
            continue
        is_kept = line.split(b":", 1)[0].strip().lower().decode("latin1") in names
        out += line if is_kept else b""
    return out + b"\r\n" if has_blank_line else out


def basic(structure):
    """BODYSTRUCTURE without extension data: what BODY must be (RFC 3501 7.4.2)."""
    if isinstance(structure[0], list):
        kids, rest = children(structure)
        return [basic(kid) for kid in kids] + [rest[0]]
    kind = (text(structure[0]) + "/" + text(structure[1])).lower()
    if kind == "message/rfc822":
        return structure[:8] + [basic(structure[8]), structure[9]]
    return structure[:8] if kind.startswith("text/") else structure[:7]


def check_message(name, client, sent):
    items = fetch(client, "(RFC822.SIZE BODYSTRUCTURE ENVELOPE BODY BODY.PEEK[])")
    raw = items["BODY[]"]
    if sent is not None:
        check(name, "stored bytes", raw, re.sub(rb"(?<!\r)\n", b"\r\n", sent))
    message = email.message_from_bytes(raw, policy=email.policy.compat32)
    check(name, "RFC822.SIZE", int(items["RFC822.SIZE"]), len(raw))
    compare_envelope(name, "envelope", items["ENVELOPE"], message)
    walk(name, client, items["BODYSTRUCTURE"], message, [])
    check(name, "BODY", items["BODY"], basic(items["BODYSTRUCTURE"]))
    header, body = section(client, "HEADER"), section(client, "TEXT")
    check(name, "HEADER then TEXT", header + body, raw)
    # The header section ends after the first empty line, or with the message (RFC 5322 2.1).
    blank = re.search(rb"(?:^|\n)\r?\n", raw)
    check(name, "HEADER", header, raw[:blank.end()] if blank else raw)
    for names in ["SUBJECT FROM", "TO"]:
        got = section(client, f"HEADER.FIELDS ({names})")
        check(name, f"HEADER.FIELDS ({names})", got, header_fields(raw, names.lower().split()))


def main():
    port, corpus_file, delivered = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
    corpus = json.load(open(corpus_file))
    imaplib.MapCRLF = re.compile(rb"(?!)")  # APPEND the bytes as they are
    client = imaplib.IMAP4("127.0.0.1", port)
    client.login("bob@example.test", "pw-bob")
    # Delivered messages are copied one by one to a folder of their own, where each is
    # message 1: the stored bytes (a Received field on top) are what Python reads.
    client.select("INBOX", readonly=True)
    for seq in range(1, delivered + 1):
        client.create(f"smtp{seq}")
        assert client.copy(str(seq), f"smtp{seq}")[0] == "OK"
    for seq in range(1, delivered + 1):
        client.select(f"smtp{seq}", readonly=True)
        check_message(f"smtp:{corpus[seq - 1][0]}", client, None)
    for n, (name, message) in enumerate(corpus):
        sent = message.encode("latin1")
        client.create(f"t{n}")
        assert client.append(f"t{n}", None, None, sent)[0] == "OK", name
        client.select(f"t{n}", readonly=True)
        check_message(name, client, sent)
    client.logout()
    print(json.dumps(problems, indent=1))


main()
