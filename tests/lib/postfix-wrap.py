#!/usr/bin/python3
# postfix-wrap.py LIMIT FILE - FILE (one style of line ending) as
# Postfix's smtp(8) client would send it with smtp_line_length_limit =
# LIMIT: a body line over LIMIT octets becomes LIMIT octets, then lines
# of a SPACE and up to LIMIT-1 octets (smtp_text_out() in
# smtp_proto.c). A header line is folded at the last SPACE or TAB
# within the limit that has other text before it, else broken the same
# way. An independent model for the tests, written from Postfix's
# source, not from dkimpipe's.
import re
import sys

limit = int(sys.argv[1])
data = open(sys.argv[2], "rb").read()
m = re.search(rb"\r\n|\n", data)
eol = m.group() if m else b"\n"


def body_line(line):
    out = [line[:limit]]
    rest = line[limit:]
    while rest:
        out.append(b" " + rest[:limit - 1])
        rest = rest[limit - 1:]
    return out


def header_line(line):
    out = []
    while len(line) > limit:
        cut = 0
        for p in range(limit, 0, -1):
            if line[p] in b" \t" and line[:p].strip(b" \t"):
                cut = p
                break
        if cut:
            out.append(line[:cut])
            line = line[cut:]
        else:
            out.append(line[:limit])
            line = b" " + line[limit:]
    out.append(line)
    return out


lines = data.split(eol)
last = lines.pop()          # after the final line ending: b"" or a last line
res, body = [], False
for line in lines:
    if body:
        res += body_line(line)
    else:
        res += header_line(line)
        body = line == b""
tail = (body_line if body else header_line)(last) if last else []
sys.stdout.buffer.write(b"".join(x + eol for x in res) + eol.join(tail))
