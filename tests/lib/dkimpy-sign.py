#!/usr/bin/python3
# dkimpy-sign.py KEYFILE SELECTOR CANON IN OUT - sign IN with dkimpy's own
# signer (rsa-sha256 for an RSA key, ed25519-sha256 for an Ed25519 key),
# d=example.com, and write the signed message to OUT.
import subprocess
import base64
import sys

import dkim

key, sel, canon, src, dst = sys.argv[1:6]
pem = open(key, "rb").read()
alg = b"rsa-sha256"
if b"BEGIN PRIVATE KEY" in pem and len(pem) < 200:
    der = subprocess.run(["openssl", "pkey", "-in", key, "-outform", "DER"],
                         capture_output=True, check=True).stdout
    pem, alg = base64.b64encode(der[-32:]), b"ed25519-sha256"
msg = open(src, "rb").read()
c = canon.encode().split(b"/")
sig = dkim.sign(msg, sel.encode(), b"example.com", pem, canonicalize=(c[0], c[-1]),
                signature_algorithm=alg,
                include_headers=[b"from", b"to", b"subject", b"date", b"message-id", b"cc"])
open(dst, "wb").write(sig + msg)
