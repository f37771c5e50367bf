/**
 * The corpus the strict grammar tests drive the server with: messages with
 * nasty headers and structures, folder names with every special character,
 * and every FETCH item and section spelling. Messages are binary strings
 * (one char per byte).
 */

/** Messages for APPEND, by what makes each one nasty. */
export const NASTY_MESSAGES: Record<string, string> = {
  plain: "From: Alice <alice@example.test>\r\nTo: bob@example.test\r\nSubject: hi\r\n" +
    "Date: Mon, 1 Jan 2024 10:00:00 +0000\r\nMessage-ID: <a@b>\r\n\r\nHello\r\n",
  quotedNames: 'From: "Al \\"The\\" \\\\ Ice" <a@x.test>, =?UTF-8?B?w6k=?= <b@x.test>\r\n' +
    "To: undisclosed-recipients:;\r\n" +
    'Cc: grp: a@b.test, "c d" <c@d.test>;, e@f.test\r\n' +
    "Bcc: (comment) <@route,@r2:x@y.test>\r\nReply-To: \r\n" +
    "Subject: caf\xc3\xa9 =?ISO-8859-1?Q?caf=E9?=\r\n\r\nbody\r\n",
  noFromNoDate: "Subject: x\r\n\r\nno from\r\n",
  headerOnly: "Subject: only header\r\n",
  blankLineOnly: "\r\n",
  bareLf: "Subject: bare\nFrom: a@b\n\nline1\nline2\n",
  loneCr: "Subject: a\rb\r\nFrom: x\r@y\r\n\r\nbody\r",
  eightBitHeaders:
    "From: J\xf6rg <j@x.test>\r\nSubject: \xe9t\xe9\r\nX-Bin: \x01\x02\r\n\r\n\xff\xfe\r\n",
  longLines: "Subject: " + "x".repeat(5000) + "\r\nFrom: " + "y".repeat(3000) + "@z.test\r\n\r\n" +
    "z".repeat(20000) + "\r\n",
  foldedHeaders: "Subject: one\r\n two\r\n\tthree\r\nFrom: a@b.test\r\n (comment)\r\n\r\nx\r\n",
  nestedMultipart: 'From: a@b.test\r\nContent-Type: multipart/mixed; boundary="XX"\r\n' +
    "MIME-Version: 1.0\r\n\r\npre\r\n--XX\r\nContent-Type: text/plain; charset=utf-8\r\n" +
    'Content-Language: en, de\r\nContent-Disposition: inline; filename="a b.txt"\r\n\r\n' +
    "hello\r\n--XX\r\nContent-Type: application/octet-stream\r\n" +
    "Content-Transfer-Encoding: base64\r\nContent-ID: <id@x>\r\n" +
    'Content-Description: desc "q"\r\n\r\nAAEC\r\n--XX\r\nContent-Type: message/rfc822\r\n\r\n' +
    "From: inner@x.test\r\nSubject: inner\r\n" +
    "Content-Type: multipart/alternative; boundary=YY\r\n\r\n--YY\r\n" +
    "Content-Type: text/html\r\n\r\n<b>x</b>\r\n--YY\r\n\r\n--YY--\r\n--XX\r\n\r\n--XX\r\n" +
    "Content-Type: multipart/related; boundary=ZZ\r\n\r\n--ZZ--\r\n--XX--\r\nepilogue\r\n",
  emptyRfc822: "Content-Type: message/rfc822\r\n\r\n",
  digest:
    "Content-Type: multipart/digest; boundary=D\r\n\r\n--D\r\n\r\nSubject: in digest\r\n\r\n" +
    "x\r\n--D\r\nContent-Type: text/plain\r\n\r\ny\r\n--D--\r\n",
  oddParams: "Content-Type: TEXT/PLAIN; CHARSET=\"iso-8859-1\"; name*=utf-8''%C3%A9; " +
    'x="\\"q\\""\r\nContent-Transfer-Encoding: Quoted-Printable (comment)\r\n' +
    "Content-Disposition: attachment\r\nContent-Language: \r\n" +
    "Content-Location: http://x/\xe9\r\nContent-MD5: abc\r\n\r\n=E9\r\n",
  badContentType: "Content-Type: garbage\r\n\r\nx\r\n",
  multipartWithoutBoundary: "Content-Type: multipart/mixed\r\n\r\nx\r\n",
  groupsAndEmpties: 'From: "A" <a@b.test>\r\nTo: Friends: ;\r\nCc: "x" <>\r\nSender: @\r\n\r\n',
  emptyFields: "In-Reply-To: <x@y> (c)\r\nMessage-ID: \r\nDate: \r\nSubject: \r\n\r\n",
  oddAddresses:
    'From: "john..doe"@x.test, "a b"@[1.2.3.4], user@\r\nTo: <user>, @x.test, a@b@c\r\n\r\n',
  binaryPart: 'Content-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\n' +
    "Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: binary\r\n\r\n" +
    "\x01\x02\xff\r\x7f\n\x80\r\n--b\r\nContent-Type: text/plain\r\n\r\n--b--\r\n",
};

/** Folder names as CREATE arguments (astring syntax), every one of which CREATE takes. */
export const FOLDER_ARGUMENTS = [
  '"a b"',
  '"q\\"uote"',
  '"&AOk-t&AOk-"',
  '"&-amp"',
  '"brack]et"',
  '"par(en)"',
  '"cur{ly}"',
  '"NIL"',
  "~tilde",
  '"  sp"',
  "{3+}\r\nlit",
  '"&2D3cAA-"',
  '"Parent.&AOk-.Child"',
];

/** FETCH items, each sent alone and for every message. */
export const FETCH_ITEMS = [
  "ALL",
  "FAST",
  "FULL",
  "ENVELOPE",
  "BODY",
  "BODYSTRUCTURE",
  "(FLAGS UID INTERNALDATE RFC822.SIZE)",
  "(RFC822.HEADER RFC822.TEXT)",
  "BODY.PEEK[]",
  "BODY.PEEK[HEADER]",
  "BODY.PEEK[TEXT]",
  "BODY.PEEK[1]",
  "BODY.PEEK[1.MIME]",
  "BODY.PEEK[1.HEADER]",
  "BODY.PEEK[1.TEXT]",
  "BODY.PEEK[2]",
  "BODY.PEEK[3.HEADER]",
  "BODY.PEEK[3.1]",
  "BODY.PEEK[3.1.MIME]",
  "BODY.PEEK[3.1.1]",
  'BODY.PEEK[HEADER.FIELDS (From To "X Y" "" Subject)]',
  "body.peek[header.fields.not (from DATE)]",
  "BODY.PEEK[3.HEADER.FIELDS (SUBJECT)]",
  "BODY.PEEK[]<0.1>",
  "BODY.PEEK[]<99999.5>",
  "BODY.PEEK[TEXT]<2.3>",
  "BODY.PEEK[HEADER]<4294967295.1>",
  "(BODY.PEEK[1]<0.10> BODY.PEEK[]<5.1>)",
  "RFC822",
];
