#!/usr/bin/python3
# smtp-send.py PORT SOURCE_ADDR FROM TO[,TO...] FILE - submit FILE over
# SMTP to 127.0.0.1:PORT from the loopback address SOURCE_ADDR.
import smtplib
import sys

port, src, sender, rcpts, path = sys.argv[1:6]
with smtplib.SMTP("127.0.0.1", int(port), source_address=(src, 0), timeout=30) as s:
    s.sendmail(sender, rcpts.split(","), open(path, "rb").read())
