#!/usr/bin/python3
# verify-dkimpy-dns.py PORT FILE - verify every signature with dkimpy,
# fetching keys over real DNS from 127.0.0.1:PORT (dnspython).
import re
import sys

import dkim
import dns.resolver

res = dns.resolver.Resolver(configure=False)
res.nameservers = ["127.0.0.1"]
res.port = int(sys.argv[1])


def dnsfunc(name, timeout=5):
    try:
        ans = res.resolve(name.decode().rstrip("."), "TXT")
    except Exception:
        return None
    for rr in ans:
        return b"".join(rr.strings)
    return None


msg = open(sys.argv[2], "rb").read()
hdr = re.split(rb"\r?\n\r?\n", msg, maxsplit=1)[0]
n = len(re.findall(rb"(?im)^dkim-signature\s*:", hdr))
d = dkim.DKIM(msg)
ok = n > 0 and all(d.verify(idx=i, dnsfunc=dnsfunc) for i in range(n))
print("PASS" if ok else "FAIL")
sys.exit(0 if ok else 1)
