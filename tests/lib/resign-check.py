#!/usr/bin/python3
# resign-check.py SUMS DIR - after an in-place run (perhaps killed):
# every file listed in SUMS ("sha256  path" of the originals, relative
# to DIR) is either byte-identical to its original, or the original with
# exactly one DKIM-Signature field put in front. Prints counts; exits 1
# on a file that is neither (truncated, missing, doubly signed).
import hashlib
import os
import sys

sums, top = sys.argv[1], sys.argv[2]
orig = signed = bad = 0
for line in open(sums):
    digest, name = line.rstrip("\n").split("  ", 1)
    path = os.path.join(top, name)
    try:
        data = open(path, "rb").read()
    except OSError as e:
        print("BAD", name, e)
        bad += 1
        continue
    if hashlib.sha256(data).hexdigest() == digest:
        orig += 1
        continue
    ok = False
    if data.startswith(b"DKIM-Signature:"):
        i = 0
        while True:          # the end of the first field (folded lines)
            j = data.index(b"\n", i) + 1
            if data[j:j + 1] not in (b" ", b"\t"):
                break
            i = j
        rest = data[j:]
        ok = (hashlib.sha256(rest).hexdigest() == digest and
              not rest.startswith(b"DKIM-Signature:"))
    if ok:
        signed += 1
    else:
        print("BAD", name)
        bad += 1
print("original %d signed %d bad %d" % (orig, signed, bad))
sys.exit(1 if bad else 0)
