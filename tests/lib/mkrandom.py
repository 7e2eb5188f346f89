#!/usr/bin/python3
# mkrandom.py DIR N SEED - N messages with random bodies made of the
# bytes canonicalization cares about (SP, HTAB, CR, LF, CRLF, 8-bit,
# long runs), some larger than the signer's 64 KB read chunk, so that
# every case also falls across a chunk boundary.
import os
import random
import sys

out, n, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rnd = random.Random(seed)
os.makedirs(out, exist_ok=True)
atoms = [b"a", b"word", b" ", b"  ", b"\t", b" \t ", b"\r", b"\n", b"\r\n", b"\n\n",
         b"\xc3\xa9", b"x" * 300, b" " * 70, b"\r\r\n"]
for i in range(n):
    size = rnd.choice([0, 1, 10, 100, 1000, 70000, 140000])
    body = bytearray()
    while len(body) < size:
        body += rnd.choice(atoms)
    eol = b"\r\n" if rnd.random() < 0.3 else b"\n"
    head = (b"From: a@example.com" + eol + b"To: b@example.org" + eol +
            b"Subject: random " + str(i).encode() + eol + eol)
    with open(os.path.join(out, "%03d.eml" % i), "wb") as f:
        f.write(head + bytes(body))
