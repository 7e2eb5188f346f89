#!/usr/bin/python3
# verify-dkimpy.py KEYS FILE... - verify every DKIM-Signature of each
# message with dkimpy (python3-dkim). KEYS holds lines
# "selector._domainkey.domain TXT-value" (OpenDKIM's TestPublicKeys
# format); no DNS is used. Prints "PASS file" or "FAIL file: detail" per
# message; a message passes when it has signatures and all verify.
# Exits 0 only if every message passes. With --smtp first, a message
# whose last line has no line end gets CRLF appended, as SMTP transport
# does (RFC 5321 DATA always ends in CRLF).
import re
import sys

import dkim

smtp = len(sys.argv) > 1 and sys.argv[1] == "--smtp"
if smtp:
    del sys.argv[1]
recs = {}
with open(sys.argv[1]) as f:
    for line in f:
        if line.strip():
            name, value = line.split(None, 1)
            recs[name.lower().rstrip('.')] = value.strip().encode()


def dnsfunc(name, timeout=5):
    return recs.get(name.decode().lower().rstrip('.'))


def check(path):
    msg = open(path, 'rb').read()
    if smtp and not msg.endswith(b"\n"):
        msg += b"\r\n"
    hdr = re.split(rb'\r?\n\r?\n', msg, maxsplit=1)[0]
    count = len(re.findall(rb'(?im)^dkim-signature\s*:', hdr))
    if count == 0:
        return "no signature"
    d = dkim.DKIM(msg, minkey=1024)
    for i in range(count):
        try:
            if not d.verify(idx=i, dnsfunc=dnsfunc):
                return "signature %d fails" % i
        except Exception as e:  # a verifier exception is a failure
            return "signature %d: %s" % (i, e)
    return None


bad = 0
for path in sys.argv[2:]:
    err = check(path)
    print("PASS %s" % path if err is None else "FAIL %s: %s" % (path, err))
    bad += err is not None
sys.exit(1 if bad else 0)
