#!/usr/bin/python3
# soak-send.py OUT FIRST N SESSIONS MAXSIZE LOCAL - the soak's mail: N
# messages numbered from FIRST, sent over SESSIONS parallel SMTP sessions
# to 127.0.0.1:587 and, with LOCAL=1, one in ten through sendmail(1).
# Sizes are mixed (mostly 1-8 KB, one in ten 100 KB, one in fifty
# MAXSIZE bytes), with one to three recipients each; a few cannot be
# signed (two From fields, or no From field) and a few are from a domain
# without a key. Each message carries "X-Soak: NUMBER". A message that is
# refused or whose session breaks is sent again (a second later, up to
# 120 times), as any SMTP client would: one whose connection broke after
# its data went out may then arrive twice, and is marked "ambiguous".
# Writes one JSON line per message to OUT (number, kind, sender,
# recipients, via, tries, ambiguous); exits 1 if a message could not be
# handed over at all.
import json
import random
import smtplib
import subprocess
import sys
import threading
import time

out, first, n, sessions, maxsize, local = (sys.argv[1], int(sys.argv[2]), int(sys.argv[3]),
                                           int(sys.argv[4]), int(sys.argv[5]), sys.argv[6] == "1")
RCPTS = ["bob@example.org", "carol@example.org", "dave@example.net"]


def kind(i):
    if i % 97 == 13:
        return "twofrom"
    if i % 89 == 7:
        return "nofrom"
    if i % 53 == 5:
        return "nokey"
    return "normal"


def message(i):
    rnd = random.Random(i)
    k = kind(i)
    sender = "x@nokey.example.net" if k == "nokey" else "alice@example.com"
    rcpts = RCPTS[:1 + i % 3]
    size = maxsize if i % 50 == 0 else 102400 if i % 10 == 0 else rnd.randint(1024, 8192)
    head = ""
    if k == "twofrom":
        head += "From: alice@example.com\nFrom: mallory@example.com\n"
    elif k != "nofrom":
        head += "From: Alice <%s>\n" % sender
    head += ("To: %s\nSubject: soak %d\nMessage-ID: <soak.%d@example.com>\nX-Soak: %d\n"
             "Date: Wed, 02 Dec 2026 12:00:00 +0000\n\n" % (", ".join(rcpts), i, i, i))
    line = "message %d of the soak, a line of text to fill the body up to its size\n" % i
    body = (line * (size // len(line) + 1))[:max(size - len(head), 10)]
    return k, sender, rcpts, (head + body).encode()


def smtp_once(sender, rcpts, data):
    """True: accepted; raises otherwise. Sets .ambiguous on a break
    after the data went out"""
    with smtplib.SMTP("127.0.0.1", 587, timeout=300) as s:
        s.sendmail(sender, rcpts, data)
    return True


def send(i, results, lock):
    k, sender, rcpts, data = message(i)
    via = "sendmail" if local and i % 10 == 3 else "smtp"
    tries, ambiguous = 0, False
    while tries < 120:
        tries += 1
        try:
            if via == "sendmail":
                p = subprocess.run(["/usr/sbin/sendmail", "-i", "-f", sender, "--"] + rcpts,
                                   input=data, capture_output=True, timeout=120)
                if p.returncode == 0:
                    break
            else:
                smtp_once(sender, rcpts, data)
                break
        except smtplib.SMTPServerDisconnected:
            ambiguous = True	# may have been taken before the break
        except (OSError, smtplib.SMTPException, subprocess.TimeoutExpired):
            pass
        time.sleep(1)
    else:
        tries = -1
    with lock:
        results.append({"n": i, "kind": k, "sender": sender, "rcpts": rcpts, "via": via,
                        "tries": tries, "ambiguous": ambiguous, "size": len(data)})


def worker(todo, results, lock):
    while True:
        with lock:
            if not todo:
                return
            i = todo.pop()
        send(i, results, lock)


todo = list(range(first + n - 1, first - 1, -1))
results, lock = [], threading.Lock()
threads = [threading.Thread(target=worker, args=(todo, results, lock)) for _ in range(sessions)]
for t in threads:
    t.start()
for t in threads:
    t.join()
with open(out, "w") as f:
    for r in sorted(results, key=lambda r: r["n"]):
        f.write(json.dumps(r) + "\n")
sys.exit(1 if any(r["tries"] < 0 for r in results) else 0)
