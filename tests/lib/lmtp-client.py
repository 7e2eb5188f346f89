#!/usr/bin/python3
# lmtp-client.py DKIMPIPE CONF [MODE] - drive "dkimpipe MODE -c CONF"
# (MODE: lmtp, the default, or proxy) through a script read from stdin,
# printing every reply line the server sends.
# Script lines:
#   COMMAND ...        send it, read its reply (LHLO's is multi-line)
#   DATA FILE          DATA; on 354 send FILE dot-stuffed with CRLF, then
#                      read one reply per recipient accepted since MAIL
#                      (proxy: one reply)
#   !SHELL COMMAND     run it (edit files between transactions)
#   PIPELINE / END     the lines between go out in one write, their
#                      replies are read afterwards
#   CLOSE              close our side without QUIT
# Exits 0; prints "EOF" when the server closes first.
import subprocess
import sys

mode = sys.argv[3] if len(sys.argv) > 3 else "lmtp"
proc = subprocess.Popen([sys.argv[1], mode, "-c", sys.argv[2]],
                        stdin=subprocess.PIPE, stdout=subprocess.PIPE)
out = proc.stdout


def reply():
    """read one (possibly multi-line) reply; its code, or None at EOF"""
    while True:
        line = out.readline()
        if not line:
            print("EOF")
            return None
        text = line.decode("utf-8", "replace").rstrip("\r\n")
        print(text)
        sys.stdout.flush()
        if len(text) < 4 or text[3] != "-":
            return text[:3]


def stuffed(path):
    data = open(path, "rb").read().replace(b"\r\n", b"\n")
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    body = b"".join((b"." + l if l.startswith(b".") else l) + b"\r\n" for l in lines)
    return body + b".\r\n"


def send(b):
    proc.stdin.write(b)
    proc.stdin.flush()


state = {"rcpts": 0}


def expect(cmd, code):
    """bookkeeping: how many replies DATA's end will bring"""
    verb = cmd.split(" ", 1)[0].upper()
    if verb in ("MAIL", "RSET", "LHLO", "EHLO", "HELO"):
        state["rcpts"] = 0
    if verb == "RCPT" and code == "250":
        state["rcpts"] += 1


pipeline = None
ok = True
for raw in sys.stdin:
    cmd = raw.rstrip("\n")
    if not cmd:
        continue
    if cmd == "PIPELINE":
        pipeline = []
        continue
    if cmd == "END":
        blob = b"".join(c.encode() + b"\r\n" for c in pipeline)
        send(blob)
        for c in pipeline:
            code = reply()
            if code is None:
                break
            expect(c, code)
        pipeline = None
        continue
    if pipeline is not None:
        pipeline.append(cmd)
        continue
    if cmd.startswith("!"):
        subprocess.run(cmd[1:], shell=True, check=True)
        continue
    if cmd == "CLOSE":
        proc.stdin.close()
        break
    if cmd == "GREETING":
        reply()
        continue
    try:
        if cmd.upper().startswith("DATA "):
            send(b"DATA\r\n")
            if reply() == "354":
                send(stuffed(cmd[5:]))
                for _ in range(1 if mode == "proxy" else state["rcpts"]):
                    if reply() is None:
                        break
            state["rcpts"] = 0
            continue
        send(cmd.encode() + b"\r\n")
        code = reply()
        if code is None:
            break
        expect(cmd, code)
    except BrokenPipeError:
        print("EOF")
        break
try:
    proc.stdin.close()
except BrokenPipeError:
    pass
rest = out.read()
if rest:
    sys.stdout.write(rest.decode("utf-8", "replace").replace("\r", ""))
proc.wait()
print("EXIT %d" % proc.returncode)
