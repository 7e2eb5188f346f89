#!/usr/bin/python3
# soak-report.py SENT SINKDIR MAILLOG KEYS CHAOSLOG - what became of the
# soak's messages. SENT: soak-send.py's lines; SINKDIR: the sink's copies
# (N.eml, N.env); MAILLOG: Postfix's log of the run; KEYS: public keys
# for dkimpy; CHAOSLOG: the faults struck. Prints one JSON object of
# counts. Each (message, recipient) must arrive: "lost" counts those that
# did not. A second copy is "explained" when Postfix logged, for that
# message and recipient, a delivery to the signer that ended with the
# signer killed or its connection lost (the signer may have handed the
# message on before it died: Postfix cannot know, and says "may be sent
# more than once"), or when the sending client's session broke after
# its data went out; any other second copy is "unexplained". Signatures:
# every copy of a normal message must carry them and a sample of one in
# ten is verified with dkimpy; copies of messages that cannot be signed
# (two From fields) and of the domain without a key must carry none.
# No copy may be shorter than the message sent ("truncated").
import collections
import json
import os
import re
import subprocess
import sys

sent_path, sink, maillog, keys, chaoslog = sys.argv[1:6]
sent = [json.loads(l) for l in open(sent_path)]
byn = {m["n"]: m for m in sent}

copies = collections.defaultdict(list)	# (n, rcpt) -> [file]
files = sorted((f for f in os.listdir(sink) if f.endswith(".eml")), key=lambda f: int(f[:-4]))
stray = 0
for f in files:
    path = os.path.join(sink, f)
    data = open(path, "rb").read()
    head = re.split(rb"\r?\n\r?\n", data, maxsplit=1)[0]
    m = re.search(rb"(?im)^X-Soak: *(\d+)", head)
    env = open(path[:-4] + ".env").read()
    rc = re.findall(r"(?im)^RCPT TO:<([^>]*)>", env)
    if not m or int(m.group(1)) not in byn:
        stray += 1
        continue
    for r in rc:
        copies[(int(m.group(1)), r.lower())].append(path)

# Postfix's log: queue ids to message numbers, deliveries to the signer
# that ended with it killed or its connection lost
qid_n = {}
killed = set()	# (n, rcpt)
bounced = 0
deferred_reasons = collections.Counter()
for line in open(maillog, errors="replace"):
    m = re.search(r": ([0-9A-Za-z]+): message-id=<soak\.(\d+)@example\.com>", line)
    if m:
        qid_n[m.group(1)] = int(m.group(2))
        continue
    m = re.search(r": ([0-9A-Za-z]+): to=<([^>]*)>,.* status=(\w+) \((.*)\)", line)
    if not m:
        continue
    qid, rcpt, status, why = m.groups()
    if status == "bounced" and qid in qid_n:
        bounced += 1
    if status != "deferred":
        continue
    deferred_reasons[re.sub(r"[0-9A-Za-z]{8,}|\[\d+\]|\d+", "#", why)[:90]] += 1
    if re.search(r"signal 9|may be sent more than once|lost connection|Connection reset", why) and \
            re.search(r"relay=dkim|dkimspawn|dkimlmtp/", line) and qid in qid_n:
        killed.add((qid_n[qid], rcpt.lower()))

res = collections.Counter()
unexplained = []
sample = []
for m in sent:
    for r in m["rcpts"]:
        key = (m["n"], r.lower())
        c = copies.get(key, [])
        res["expected"] += 1
        if not c:
            res["lost"] += 1
            continue
        res["delivered"] += 1
        if len(c) > 1:
            res["duplicated"] += len(c) - 1
            if key in killed:
                res["dup_killed"] += len(c) - 1
            elif m["ambiguous"]:
                res["dup_client"] += len(c) - 1
            else:
                unexplained.append("%d %s" % key)
        for path in c:
            data = open(path, "rb").read()
            if len(data) < m["size"]:	# a copy cut short
                res["truncated"] += 1
            head = re.split(rb"\r?\n\r?\n", data, maxsplit=1)[0]
            nsig = len(re.findall(rb"(?im)^DKIM-Signature\s*:", head))
            if m["kind"] in ("twofrom", "nokey"):
                res["unsigned_expected"] += 1
                if nsig:
                    res["signed_unexpected"] += 1
            elif m["kind"] == "normal":
                res["signed_expected"] += 1
                if nsig:
                    res["signed"] += 1
                    if (m["n"] + len(sample)) % 10 == 0:
                        sample.append(path)
            else:
                res["nofrom_signed" if nsig else "nofrom_unsigned"] += 1
verified = 0
if sample:
    p = subprocess.run(["/usr/bin/python3", os.path.join(os.path.dirname(sys.argv[0]),
                        "verify-dkimpy.py"), keys] + sample, capture_output=True, text=True)
    verified = p.stdout.count("PASS")
chaos = collections.Counter(l.split()[1] for l in open(chaoslog) if len(l.split()) > 1) \
    if os.path.exists(chaoslog) else {}
res = dict(res)
res.update({"messages": len(sent), "ambiguous_sends": sum(m["ambiguous"] for m in sent),
            "sample": len(sample), "verified": verified, "bounced": bounced, "stray": stray,
            "unexplained": unexplained[:20], "n_unexplained": len(unexplained),
            "chaos": dict(chaos), "deferred": dict(deferred_reasons.most_common(12))})
print(json.dumps(res))
