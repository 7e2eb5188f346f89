#!/usr/bin/python3
# smtp-send.py [--many] [--mail OPT]... [--rcpt OPT]... PORT SOURCE_ADDR
# FROM TO[,TO...] FILE... - submit FILE over SMTP to 127.0.0.1:PORT from
# the loopback address SOURCE_ADDR. With --many, every FILE goes as its
# own message over one connection. --mail and --rcpt add ESMTP
# parameters (SMTPUTF8, ENVID=..., NOTIFY=...) to MAIL FROM / RCPT TO.
# Exits 1 with the server's reply when the message is refused.
import smtplib
import sys

args = sys.argv[1:]
many, mopts, ropts = False, [], []
while args and args[0].startswith("--"):
    if args[0] == "--many":
        many, args = True, args[1:]
    elif args[0] == "--mail":
        mopts.append(args[1]); args = args[2:]
    elif args[0] == "--rcpt":
        ropts.append(args[1]); args = args[2:]
    else:
        sys.exit("unknown option " + args[0])
port, src, sender, rcpts = args[:4]
files = args[4:] if many else args[4:5]
try:
    with smtplib.SMTP("127.0.0.1", int(port), source_address=(src, 0), timeout=120) as s:
        for path in files:
            s.sendmail(sender, rcpts.split(","), open(path, "rb").read(), mopts, ropts)
except (smtplib.SMTPDataError, smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused) as e:
    print("refused:", e)
    sys.exit(1)
