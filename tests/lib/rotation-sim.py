#!/usr/bin/python3
# rotation-sim.py DKIMPIPE CONF DAYS PORT OUTDIR - more than a year of key
# rotation in a minute, under a moved clock (libfaketime). Every
# simulated day, at noon, one message is signed by "dkimpipe deliver"
# (a new process, its clock frozen at that moment) and, half an hour
# later, one by a single long-lived "dkimpipe lmtp" process started on
# day 0 (its clock read from a file that is moved forward; its
# lifetime on the real monotonic clock). Day 0 is DAYS+2 days ago, so
# that no t= is in the future for the verifiers, which run on the real
# clock. Each signed copy is verified at once with dkimpy against what
# the DNS server on 127.0.0.1:PORT serves at that moment, and the record
# of its selector as served then is kept for OpenDKIM (OUTDIR/served.txt,
# TestPublicKeys lines; the test runs OpenDKIM on the copies after).
# After each day it notes which of the selectors seen so far still have
# a record. Prints one JSON object: {"start", "days": [{"day", "time",
# "deliver": {...}, "lmtp": {...}, "served": [...]}]} where each message
# is {"time", "selector", "verified", "record", "file"}. Exits 1 when a
# signer run fails or the lmtp process goes away.
import json
import os
import re
import subprocess
import sys
import time

import dkim
import dns.resolver

dkimpipe, conf, days, port, outdir = (sys.argv[1], sys.argv[2], int(sys.argv[3]),
                                      int(sys.argv[4]), sys.argv[5])
LIBFAKETIME = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1"
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


def stamp(t):
    return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(t))


def check(path, t, served):
    """what the signed copy in path says, verified against DNS now"""
    signed = open(path, "rb").read()
    sel = selector(signed)
    rec = txt("%s._domainkey.example.com" % sel) if sel else None
    try:
        ok = dkim.verify(signed, dnsfunc=dnsfunc)
    except Exception:
        ok = False
    if rec is not None:
        served.add("%s._domainkey.example.com %s" % (sel, rec.decode()))
    return {"time": t, "selector": sel, "verified": bool(ok),
            "record": rec is not None, "file": path}


class Lmtp:
    """one dkimpipe lmtp process, its clock in a file"""

    def __init__(self, clockfile, fakedir):
        self.clockfile = clockfile
        self.n = 0
        self.fakedir = fakedir
        env = dict(os.environ, LD_PRELOAD=LIBFAKETIME, FAKETIME_TIMESTAMP_FILE=clockfile,
                   FAKETIME_NO_CACHE="1", DONT_FAKE_MONOTONIC="1", NO_FAKE_STAT="1", FAKE_DIR=fakedir, TZ="UTC")
        self.log = open(os.path.join(outdir, "lmtp.log"), "ab")
        self.p = subprocess.Popen([dkimpipe, "lmtp", "-c", conf], stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, stderr=self.log, env=env)
        self.pid = self.p.pid
        self.reply()
        self.cmd(b"LHLO sim")

    def reply(self):
        while True:
            line = self.p.stdout.readline()
            if not line:
                raise SystemExit("day: the lmtp process went away")
            if len(line) < 4 or line[3:4] != b"-":
                return line[:3]

    def cmd(self, line):
        self.p.stdin.write(line + b"\r\n")
        self.p.stdin.flush()
        return self.reply()

    def send(self, t, msg):
        with open(self.clockfile, "w") as f:
            f.write(stamp(t) + "\n")
        self.log.write(b"== %s\n" % stamp(t).encode())
        self.log.flush()
        for c in (b"MAIL FROM:<a@example.com>", b"RCPT TO:<b@example.org>", b"DATA"):
            code = self.cmd(c)
            if code not in (b"250", b"354"):
                raise SystemExit("lmtp: %s answered %s" % (c, code))
        body = msg.replace(b"\n", b"\r\n")
        self.p.stdin.write(body + b".\r\n")
        self.p.stdin.flush()
        if self.reply() != b"250":
            raise SystemExit("lmtp: message refused")
        self.n += 1
        return os.path.join(self.fakedir, "msg.%d" % self.n)

    def end(self):
        self.cmd(b"QUIT")
        self.p.wait(10)


start = (int(time.time()) // 86400 - days - 2) * 86400 + 12 * 3600
fakelmtp = os.path.join(outdir, "lmtp")
os.makedirs(fakelmtp, exist_ok=True)
clock = os.path.join(outdir, "clock")
with open(clock, "w") as f:
    f.write(stamp(start) + "\n")
lmtp = Lmtp(clock, fakelmtp)
seen = []
served = set()
out = []
for d in range(days):
    t = start + d * 86400
    fake = os.path.join(outdir, "d%d" % d)
    os.makedirs(fake, exist_ok=True)
    env = dict(os.environ, FAKE_DIR=fake, TZ="UTC")
    msg = b"From: a@example.com\nTo: b@example.org\nSubject: day %d\n\nbody of day %d\n" % (d, d)
    p = subprocess.run(["faketime", "-f", stamp(t), dkimpipe, "deliver", "-c", conf,
                        "-f", "a@example.com", "--", "b@example.org"],
                       input=msg, env=env, capture_output=True)
    with open(os.path.join(outdir, "log"), "ab") as f:
        f.write(b"== day %d %s\n" % (d, stamp(t).encode()) + p.stderr)
    if p.returncode != 0:
        print("day %d: deliver exited %d: %s" % (d, p.returncode, p.stderr.decode()),
              file=sys.stderr)
        sys.exit(1)
    dm = check(os.path.join(fake, "msg.1"), t, served)
    lm = check(lmtp.send(t + 1800, msg), t + 1800, served)
    for sel in (dm["selector"], lm["selector"]):
        if sel and sel not in seen:
            seen.append(sel)
    now_served = [s for s in seen if txt("%s._domainkey.example.com" % s)]
    out.append({"day": d, "time": t, "deliver": dm, "lmtp": lm, "served": now_served})
lmtp.end()
with open(os.path.join(outdir, "served.txt"), "w") as f:
    f.write("\n".join(sorted(served)) + "\n")
json.dump({"start": start, "lmtp_pid": lmtp.pid, "days": out}, sys.stdout)
