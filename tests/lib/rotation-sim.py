#!/usr/bin/python3
# rotation-sim.py DKIMPIPE CONF DAYS PORT OUTDIR - a year and more of key
# rotation in a minute: one message a simulated day, signed by
# "dkimpipe deliver" under libfaketime (the clock standing at noon of
# that day; day 0 is DAYS+2 days ago, so that no t= is in the future),
# each verified at once with dkimpy against what the DNS server on
# 127.0.0.1:PORT serves at that moment. After each day it also asks the
# server which of the selectors seen so far still have a record.
# Prints one JSON object: {"days": [{"day", "selector", "verified",
# "served": [selectors with a record]}...]}; the test makes its
# assertions on it. Exits 1 when a deliver run fails.
import json
import os
import re
import subprocess
import sys
import time

import dkim
import dns.resolver

dkimpipe, conf, days, port, outdir = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
res = dns.resolver.Resolver(configure=False)
res.nameservers = ["127.0.0.1"]
res.port = port
res.lifetime = 3


def txt(name):
    try:
        ans = res.resolve(name, "TXT")
    except Exception:
        return None
    for rr in ans:
        return b"".join(rr.strings)
    return None


def dnsfunc(name, timeout=5):
    return txt(name.decode().rstrip("."))


def selector(msg):
    """s= of the message's first DKIM-Signature"""
    head = msg.replace(b"\r\n", b"\n").split(b"\n\n")[0]
    m = re.search(rb"DKIM-Signature:.*?[;\s]s=([^;\s]+)", head, re.S | re.I)
    return m.group(1).decode() if m else None


start = (int(time.time()) // 86400 - days - 2) * 86400 + 12 * 3600
seen = []
out = []
for d in range(days):
    t = start + d * 86400
    stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(t))
    fake = os.path.join(outdir, "d%d" % d)
    os.makedirs(fake, exist_ok=True)
    env = dict(os.environ, FAKE_DIR=fake, TZ="UTC")
    msg = b"From: a@example.com\nTo: b@example.org\nSubject: day %d\n\nbody of day %d\n" % (d, d)
    p = subprocess.run(["faketime", "-f", stamp, dkimpipe, "deliver", "-c", conf,
                        "-f", "a@example.com", "--", "b@example.org"],
                       input=msg, env=env, capture_output=True)
    with open(os.path.join(outdir, "log"), "ab") as f:
        f.write(b"== day %d %s\n" % (d, stamp.encode()) + p.stderr)
    if p.returncode != 0:
        print("day %d: deliver exited %d: %s" % (d, p.returncode, p.stderr.decode()), file=sys.stderr)
        sys.exit(1)
    signed = open(os.path.join(fake, "msg.1"), "rb").read()
    sel = selector(signed)
    try:
        ok = dkim.verify(signed, dnsfunc=dnsfunc)
    except Exception:
        ok = False
    if sel and sel not in seen:
        seen.append(sel)
    served = [s for s in seen if txt("%s._domainkey.example.com" % s)]
    out.append({"day": d, "time": t, "selector": sel, "verified": bool(ok), "served": served})
json.dump({"start": start, "days": out}, sys.stdout)
