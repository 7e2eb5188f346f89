#!/usr/bin/python3
# dkimpy-resign.py MESSAGE KEYFILE - recompute the first DKIM-Signature's
# bh= and b= with dkimpy's own code: its canonicalization and header
# selection (dkim.hash_headers), its pure-Python RSA (dkim.crypto) or
# PyNaCl for Ed25519, over the field exactly as our signer wrote it; and
# bh= once more through dkimpy's own signer (dkim.sign) with the same
# canonicalization. Exits 0 only if all of them equal ours.
import base64
import hashlib
import re
import subprocess
import sys

import dkim
import dkim.crypto
import nacl.signing
from dkim.canonicalization import CanonicalizationPolicy
from dkim.util import parse_tag_value

msg = open(sys.argv[1], 'rb').read()
pem = open(sys.argv[2], 'rb').read()
d = dkim.DKIM(msg)
headers = d.headers
idx = next(i for i, h in enumerate(headers) if h[0].lower() == b'dkim-signature')
sig = parse_tag_value(headers[idx][1])
include = [x.strip().lower() for x in sig[b'h'].split(b':')]
canon = CanonicalizationPolicy.from_c_value(sig[b'c'])
rest = headers[:idx] + headers[idx + 1:]

bh = base64.b64encode(hashlib.sha256(canon.canonicalize_body(d.body)).digest())
h = dkim.HashThrough(hashlib.sha256())
dkim.hash_headers(h, canon, canon.canonicalize_headers(rest), include,
                  headers[idx], sig)
if sig[b'a'] == b'rsa-sha256':
    b = dkim.crypto.RSASSA_PKCS1_v1_5_sign(h, dkim.crypto.parse_pem_private_key(pem))
else:
    der = subprocess.run(['openssl', 'pkey', '-outform', 'DER'], input=pem,
                         capture_output=True, check=True).stdout
    b = nacl.signing.SigningKey(der[-32:]).sign(h.digest()).signature
b = base64.b64encode(b)

# dkimpy's own signer over the message without our field: bh= only,
# since its tag list (i=, q=, spacing) differs from ours.
plain = re.sub(rb'(?is)\ADKIM-Signature:.*?\n(?=\S)', b'', msg, count=1)
cs = sig[b'c'].split(b'/')
key = pem
if sig[b'a'] != b'rsa-sha256':
    key = base64.b64encode(der[-32:])
theirs = dkim.sign(plain, sig[b's'], sig[b'd'], key, canonicalize=(cs[0], cs[-1]),
                   signature_algorithm=sig[b'a'], include_headers=include)
bh2 = parse_tag_value(theirs.split(b':', 1)[1])[b'bh']

ours_b = re.sub(rb'\s', b'', sig[b'b'])
ours_bh = re.sub(rb'\s', b'', sig[b'bh'])
print("bh ours=%s dkimpy=%s dkimpy.sign=%s" % (ours_bh.decode(), bh.decode(), bh2.decode()))
print("b  ours=%s\n   dkimpy=%s" % (ours_b.decode(), b.decode()))
sys.exit(0 if ours_bh == bh == bh2 and ours_b == b else 1)
