#!/usr/bin/python3
# standin-filter.py PORT LOG - a stand-in for an after-queue content
# filter such as amavisd-new, on 127.0.0.1:PORT: it takes each message
# over SMTP, adds "X-Standin-Filter: passed", and re-injects it over SMTP
# the way amavisd-new's dual-path set-up does: to 127.0.0.1:10027 (the
# ORIGINATING path) when Postfix's XFORWARD ADDR says the client was
# 127.0.0.1 (our own network), else to 127.0.0.1:10025. Its answer after
# DATA is the re-injection's. One line per message goes to LOG.
import asyncio
import smtplib
import sys

port, logpath = int(sys.argv[1]), sys.argv[2]


def forward(addr, sender, rcpts, data):
    dest = 10027 if addr == "127.0.0.1" else 10025
    msg = b"X-Standin-Filter: passed\r\n" + data
    with smtplib.SMTP("127.0.0.1", dest, timeout=60) as s:
        s.sendmail(sender, rcpts, msg)
    with open(logpath, "a") as f:
        f.write("passed client=%s to=%d rcpt=%s\n" % (addr, dest, ",".join(rcpts)))


async def session(reader, writer):
    def say(line):
        writer.write(line.encode() + b"\r\n")
    say("220 standin ESMTP")
    sender, rcpts, addr = "", [], ""
    while True:
        line = await reader.readline()
        if not line:
            break
        cmd = line.decode("latin-1").strip()
        verb = cmd[:4].upper()
        if verb == "EHLO":
            say("250-standin\r\n250-8BITMIME\r\n250 XFORWARD NAME ADDR PROTO HELO SOURCE PORT IDENT")
        elif verb == "XFOR":
            for kv in cmd.split()[1:]:
                k, _, v = kv.partition("=")
                if k.upper() == "ADDR":
                    addr = v
            say("250 ok")
        elif verb == "MAIL":
            sender = cmd[cmd.index("<") + 1:cmd.index(">")]
            rcpts = []
            say("250 ok")
        elif verb == "RCPT":
            rcpts.append(cmd[cmd.index("<") + 1:cmd.index(">")])
            say("250 ok")
        elif verb == "DATA":
            say("354 go")
            await writer.drain()
            data = bytearray()
            while True:
                l = await reader.readline()
                if l in (b".\r\n", b".\n") or not l:
                    break
                data += l[1:] if l.startswith(b".") else l
            try:
                await asyncio.get_running_loop().run_in_executor(
                    None, forward, addr, sender, rcpts, bytes(data))
                say("250 2.0.0 passed the stand-in filter")
            except Exception as e:
                say("451 4.3.0 re-injection failed: %s" % str(e).replace("\n", " ")[:200])
        elif verb == "QUIT":
            say("221 bye")
            break
        else:
            say("250 ok")
        await writer.drain()
    writer.close()


async def main():
    server = await asyncio.start_server(session, "127.0.0.1", port)
    async with server:
        await server.serve_forever()

asyncio.run(main())
