#!/usr/bin/python3
# mkcorpus.py DIR - write the interoperability corpus: one message per
# file, each a case a DKIM signer gets wrong easily. Binary-exact, so it
# is generated rather than stored (NUL bytes, bare CR, CRLF, no final
# newline, a large body).
import base64
import os
import sys

out = sys.argv[1]
os.makedirs(out, exist_ok=True)

H = (b"From: Alice Example <alice@example.com>\n"
     b"To: Bob <bob@example.org>\n"
     b"Subject: corpus message\n"
     b"Date: Mon, 23 Nov 2026 10:00:00 +0000\n"
     b"Message-ID: <corpus@example.com>\n")


def msg(name, data):
    with open(os.path.join(out, name + ".eml"), "wb") as f:
        f.write(data)


def crlf(data):
    return data.replace(b"\n", b"\r\n")


msg("01-plain", H + b"\nHello Bob,\n\nthis is a plain message.\n\n-- \nAlice\n")
msg("02-empty-body", H + b"\n")
msg("03-headers-only", H)
msg("04-no-final-newline", H + b"\nlast line has no newline")
msg("05-trailing-blank-lines", H + b"\nbody\n\n\n\n\n")
msg("06-trailing-whitespace", H + b"\nline with spaces   \nline with tab\t\n \t \nend\n")
msg("07-inner-whitespace", H + b"\na  b\t\tc \t d\n    indented\n\tx\n")
msg("08-bare-cr", H + b"\nbare\rCR inside\nand at end\r\nmore\n")
msg("09-long-line", H + b"\n" + b"x" * 200000 + b"\nshort\n")
msg("10-nul-bytes", H + b"\nNUL\x00byte\x00\x00here\n")
msg("11-8bit", H + b"Content-Type: text/plain; charset=iso-8859-1\n"
    b"Content-Transfer-Encoding: 8bit\n\nGr\xfc\xdfe aus M\xfcnchen \xe9\xe8\n")
msg("12-folded-headers", b"From: Alice Example\n <alice@example.com>\n"
    b"To: bob@example.org,\n\tcarol@example.org,\n   dave@example.org\n"
    b"Subject: a subject\n  folded over\n\tthree lines\n"
    b"Date: Mon, 23 Nov 2026 10:00:00 +0000\n\nbody\n")
msg("13-duplicate-headers", b"Received: from a by b; Mon, 23 Nov 2026 10:00:03 +0000\n"
    b"Received: from c by d; Mon, 23 Nov 2026 10:00:02 +0000\n" + H +
    b"Cc: one@example.org\nCc: two@example.org\nTo: second-to@example.org\n"
    b"Comments: first\nComments: second\n\nbody\n")
msg("14-header-case", b"fROM: alice@example.com\nSUBJECT: shouting\n"
    b"to: bob@example.org\nmessage-id: <case@example.com>\nDATE: Mon, 23 Nov 2026 10:00:00 +0000\n\nbody\n")
msg("15-utf8-headers", "From: Jürgen Müller <juergen@example.com>\n"
    "To: Zoë <zoe@example.org>\nSubject: Grüße – ünïcödé ✓ 日本語\n"
    "Date: Mon, 23 Nov 2026 10:00:00 +0000\nMIME-Version: 1.0\n"
    "Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n"
    "Körper mit UTF-8: 😀\n".encode())
msg("16-encoded-words", H.replace(b"Subject: corpus message",
    b"Subject: =?UTF-8?B?R3LDvMOfZQ==?= and =?ISO-8859-1?Q?caf=E9?=") + b"\nbody\n")
att = base64.encodebytes(bytes(range(256)) * 40)
msg("17-multipart", H + b"MIME-Version: 1.0\n"
    b"Content-Type: multipart/mixed; boundary=\"BOUNDARY\"\n\n"
    b"This is a multi-part message in MIME format.\n\n--BOUNDARY\n"
    b"Content-Type: multipart/alternative; boundary=\"ALT\"\n\n--ALT\n"
    b"Content-Type: text/plain; charset=us-ascii\n\nplain part\n\n--ALT\n"
    b"Content-Type: text/html; charset=us-ascii\n\n<p>html  part</p>\n\n--ALT--\n\n"
    b"--BOUNDARY\nContent-Type: application/octet-stream\n"
    b"Content-Transfer-Encoding: base64\nContent-Disposition: attachment; filename=\"a.bin\"\n\n"
    + att + b"\n--BOUNDARY--\n")
msg("18-large-body", H + b"\n" + b"".join(
    b"line %07d of a large body with some text in it\n" % i for i in range(60000)))
msg("19-crlf", crlf(H + b"\nCRLF body\n\nsecond paragraph  \n"))
msg("20-crlf-trailing-blank", crlf(H + b"\nbody\n\n\n"))
msg("21-empty-header-value", H + b"Cc:\nKeywords: \n\nbody\n")
msg("22-long-header", H.replace(b"corpus message", b"word " * 400) + b"\nbody\n")
msg("23-whitespace-only-body", H + b"\n   \n\t\n \n")
msg("24-from-display-comment", b"From: \"Example, Alice (CEO)\" (comment) <alice@example.com> (trailing)\n"
    + H[H.index(b"To:"):] + b"\nbody\n")
msg("25-from-subdomain", H.replace(b"alice@example.com", b"alice@mail.example.com") + b"\nbody\n")
msg("26-only-from", b"From: alice@example.com\n\nminimal\n")
msg("27-dots-and-from-lines", H + b"\n.\n..\nFrom the start of a line\n.leading dot\n")
msg("28-html-tabs", H + b"Content-Type: text/html\n\n<html>\n\t<body>\t\t<p>x</p>   </body>\n</html>\n")
msg("29-mixed-line-endings", H + b"\nlf line\ncrlf line\r\nlf again\n")
msg("30-many-headers", H + b"".join(b"X-Header-%d: value %d\n" % (i, i) for i in range(300))
    + b"List-Id: <list.example.com>\nList-Unsubscribe: <mailto:unsub@example.com>\n\nbody\n")
msg("31-body-starting-with-space", H + b"\n  leading space line\n\tleading tab\n")
msg("32-crlf-no-final-newline", crlf(H + b"\nend") )
