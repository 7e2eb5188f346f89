#!/usr/bin/python3
# smtp-sink.py PORT DIR - a minimal SMTP server on 127.0.0.1:PORT that
# accepts every message and stores it as DIR/N.eml (data exactly as
# received, dot-unstuffed, CRLF) with DIR/N.env (MAIL FROM, RCPT TO
# lines). Loopback only; used as the "remote" next hop in Postfix tests
# and as a re-injection server in lmtp tests. Test hooks: a recipient
# containing "reject5" gets 550, one containing "reject4" gets 450; a
# sender containing "dropme" makes it hang up after DATA's dot without a
# reply (the message counts as not stored), one containing "mailreject"
# gets 550 to MAIL. XFORWARD lines (offered when SINK_EXT lists XFORWARD)
# go into DIR/N.env before MAIL. DIR/connections counts the
# connections; DIR/ready appears once it listens. SINK_EXT in the
# environment lists the EHLO extensions to offer (default: 8BITMIME
# SMTPUTF8). Faults while a file exists (the soak's): DIR/tempfail, 451
# to every MAIL; DIR/stall, the reply to DATA's dot waits (60 s at
# most).
import asyncio
import os
import sys

port, outdir = int(sys.argv[1]), sys.argv[2]
os.makedirs(outdir, exist_ok=True)
count = [len([f for f in os.listdir(outdir) if f.endswith('.eml')])]


async def session(reader, writer):
    def say(line):
        writer.write(line.encode() + b"\r\n")
    conns = os.path.join(outdir, "connections")
    old = int(open(conns).read()) if os.path.exists(conns) else 0
    with open(conns, "w") as f:
        f.write("%d\n" % (old + 1))
    say("220 sink.test ESMTP")
    env, xf = [], []
    while True:
        line = await reader.readline()
        if not line:
            break
        cmd = line.decode('latin-1').strip()
        verb = cmd[:4].upper()
        if verb in ("EHLO", "HELO"):
            ext = os.environ.get("SINK_EXT", "8BITMIME SMTPUTF8").split()
            say("\r\n".join(["250-sink.test"] + ["250-" + e for e in ext[:-1]] +
                            ["250 " + e for e in ext[-1:]]) if verb == "EHLO" and ext
                else "250 sink.test")
        elif verb == "MAIL" and os.path.exists(os.path.join(outdir, "tempfail")):
            say("451 4.3.0 sink: try again later")
        elif verb == "MAIL" and "mailreject" in cmd:
            say("550 5.7.1 sender refused")
        elif verb == "MAIL":
            env = [cmd]
            say("250 ok")
        elif verb == "XFOR":
            xf.append(cmd)
            say("250 2.0.0 Ok")
        elif verb == "RSET":
            env, xf = [], []
            say("250 ok")
        elif verb == "RCPT":
            if "reject5" in cmd:
                say("550 5.1.1 no such user")
            elif "reject4" in cmd:
                say("450 4.2.1 try again later")
            else:
                env.append(cmd)
                say("250 2.1.5 ok")
        elif verb == "DATA":
            say("354 go")
            await writer.drain()
            data = bytearray()
            while True:
                l = await reader.readline()
                if l in (b".\r\n", b".\n") or not l:
                    break
                if l.startswith(b"."):
                    l = l[1:]
                data += l
            if "dropme" in env[0]:
                writer.close()
                return
            for _ in range(600):
                if not os.path.exists(os.path.join(outdir, "stall")):
                    break
                await asyncio.sleep(0.1)
            count[0] += 1
            n = count[0]
            with open(os.path.join(outdir, "%d.tmp" % n), "wb") as f:
                f.write(bytes(data))
            with open(os.path.join(outdir, "%d.env" % n), "w") as f:
                f.write("\n".join(xf + env) + "\n")
            env, xf = [], []
            os.rename(os.path.join(outdir, "%d.tmp" % n), os.path.join(outdir, "%d.eml" % n))
            say("250 2.0.0 queued as %d" % n)
        elif verb == "QUIT":
            say("221 bye")
            break
        else:
            say("250 ok")
        await writer.drain()
    writer.close()


async def main():
    server = await asyncio.start_server(session, "127.0.0.1", port)
    open(os.path.join(outdir, "ready"), "w").close()
    async with server:
        await server.serve_forever()

asyncio.run(main())
