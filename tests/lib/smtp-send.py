#!/usr/bin/python3
# smtp-send.py [--many] PORT SOURCE_ADDR FROM TO[,TO...] FILE... - submit
# FILE over SMTP to 127.0.0.1:PORT from the loopback address SOURCE_ADDR.
# With --many, every FILE goes as its own message over one connection.
import smtplib
import sys

args = sys.argv[1:]
many = args[:1] == ["--many"]
if many:
    args = args[1:]
port, src, sender, rcpts = args[:4]
files = args[4:] if many else args[4:5]
with smtplib.SMTP("127.0.0.1", int(port), source_address=(src, 0), timeout=60) as s:
    for path in files:
        s.sendmail(sender, rcpts.split(","), open(path, "rb").read())
