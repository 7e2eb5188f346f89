#!/usr/bin/python3
# rawsign.py KEY.pem TAGS MSG - sign MSG with exactly the tag list TAGS
# (relaxed/relaxed), for tests that need a valid signature carrying odd
# tags. TAGS is written as it will appear, e.g.
#   "v=1; a=ed25519-sha256; d=example.com; s=e1; h=from; i=@x; bh=; b="
# An empty "bh=" is filled with the body hash (honouring l= if present);
# "b=" must come last and stays empty for the hash. The key type (rsa or
# ed25519) comes from the PEM. Canonicalization is written out here from
# RFC 6376 3.4.2 and 3.4.4, independent of both dkimpipe and dkimpy;
# signing uses the openssl command. Prints the signed message.
import base64
import hashlib
import re
import subprocess
import sys
import tempfile


def relaxed_header(name, value):
    value = re.sub(rb"\r?\n", b"", value)
    value = re.sub(rb"[ \t]+", b" ", value).strip(b" ")
    return name.strip().lower() + b":" + value + b"\r\n"


def relaxed_body(body):
    lines = re.split(rb"\r?\n", body)
    if lines and lines[-1] == b"":
        lines.pop()
    out = [re.sub(rb"[ \t]+", b" ", l).rstrip(b" ") for l in lines]
    while out and out[-1] == b"":
        out.pop()
    return b"".join(l + b"\r\n" for l in out)


def fields(head):
    fs = []
    for line in re.split(rb"(?<=\n)", head):
        if not line:
            continue
        if line[:1] in (b" ", b"\t") and fs:
            fs[-1][1] += line
        else:
            n, _, v = line.partition(b":")
            fs.append([n, v])
    return fs


def main():
    key, tags, msg = sys.argv[1], sys.argv[2].encode(), open(sys.argv[3], "rb").read()
    m = re.search(rb"\r?\n\r?\n", msg)
    head, body = msg[:m.start() + 1], msg[m.end():]
    if head.endswith(b"\r"):
        head = head[:-1] + b"\n"
    cb = relaxed_body(body)
    lm = re.search(rb"(?:^|;)\s*l=(\d+)", tags)
    if lm:
        cb = cb[:int(lm.group(1))]
    bh = base64.b64encode(hashlib.sha256(cb).digest())
    tags = re.sub(rb"bh=(?=;|$)", b"bh=" + bh, tags)
    h = re.search(rb"(?:^|;)\s*h=([^;]*)", tags).group(1)
    fs = fields(head)
    used = {}
    data = b""
    for name in [x.strip().lower() for x in h.split(b":")]:
        cands = [f for f in fs if f[0].strip().lower() == name]
        k = used.get(name, 0)
        if k < len(cands):
            f = cands[len(cands) - 1 - k]
            data += relaxed_header(f[0], f[1])
        used[name] = k + 1
    data += relaxed_header(b"DKIM-Signature", b" " + tags)[:-2]
    text = subprocess.run(["openssl", "pkey", "-in", key, "-noout", "-text"],
                          capture_output=True, text=True, check=True).stdout
    if text.startswith("ED25519"):
        with tempfile.NamedTemporaryFile() as t:
            t.write(hashlib.sha256(data).digest())
            t.flush()
            sig = subprocess.run(["openssl", "pkeyutl", "-sign", "-rawin", "-inkey", key,
                                  "-in", t.name], capture_output=True, check=True).stdout
    else:
        sig = subprocess.run(["openssl", "dgst", "-sha256", "-sign", key], input=data,
                             capture_output=True, check=True).stdout
    sys.stdout.buffer.write(b"DKIM-Signature: " + tags + base64.b64encode(sig) + b"\n" + msg)


main()
