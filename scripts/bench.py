#!/usr/bin/python3
# bench.py DKIMPIPE WORKDIR - the measurements behind "make bench"; see
# bench.sh. Every figure is a median over repeated runs on this machine in
# this run, and is reported with its ratio against a baseline measured in
# the same run. No timing is asserted anywhere.
import os
import platform
import statistics
import subprocess
import sys
import time

DKIMPIPE, W = sys.argv[1], sys.argv[2]
PY = "/usr/bin/python3"
DEVNULL = subprocess.DEVNULL


def run(cmd, stdin=None, out=DEVNULL):
    with open(stdin, "rb") if stdin else open(os.devnull, "rb") as f:
        subprocess.run(cmd, stdin=f, stdout=out, stderr=DEVNULL, check=True)


def median_time(cmd, stdin=None, n=20):
    ts = []
    run(cmd, stdin)                       # warm up page cache and loader
    for _ in range(n):
        t = time.perf_counter()
        run(cmd, stdin)
        ts.append(time.perf_counter() - t)
    return statistics.median(ts)


def make_message(path, size):
    """A message whose body mixes what mail carries: 6 of 10 lines base64
    (attachments), 3 prose with single spaces, 1 with tabs, double spaces
    and trailing white space."""
    import base64
    import random
    rnd = random.Random(1)
    words = b"the quick brown fox jumps over lazy dog mail server signature key".split()
    lines = []
    for i in range(10000):
        k = i % 10
        if k < 6:
            lines.append(base64.b64encode(bytes(rnd.getrandbits(8) for _ in range(57))) + b"\n")
        elif k < 9:
            lines.append(b" ".join(rnd.choice(words) for _ in range(12)) + b"\n")
        else:
            lines.append(b"\t" + b"  ".join(rnd.choice(words) for _ in range(8)) + b" \t \n")
    body = b"".join(lines)
    head = (b"From: Alice <alice@example.com>\nTo: bob@example.org\n"
            b"Subject: benchmark\nDate: Mon, 23 Nov 2026 10:00:00 +0000\n"
            b"Message-ID: <bench@example.com>\n\n")
    with open(path, "wb") as f:
        f.write(head)
        left = size - len(head)
        while left > 0:
            f.write(body[:left])
            left -= min(left, len(body))


def ms(x):
    return "%.2f ms" % (x * 1000)


def keys():
    subprocess.run(["openssl", "genpkey", "-algorithm", "rsa", "-pkeyopt",
                    "rsa_keygen_bits:2048", "-out", W + "/rsa.pem"], check=True, stderr=DEVNULL)
    subprocess.run(["openssl", "genpkey", "-algorithm", "ed25519", "-out", W + "/ed.pem"],
                   check=True, stderr=DEVNULL)
    subprocess.run(["openssl", "rsa", "-in", W + "/rsa.pem", "-traditional", "-out",
                    W + "/rsa-trad.pem"], check=True, stderr=DEVNULL)
    for k in ("rsa.pem", "ed.pem", "rsa-trad.pem"):
        os.chmod(W + "/" + k, 0o600)


def per_message(out):
    out.append("\n### 1. Per-message cost (one process per message, median)\n")
    out.append("| message | floor rsa-2048 | dkimpipe rsa-2048 | dkimpipe / floor | "
               "dkimpy CLI | dkimpy / dkimpipe | Mail::DKIM CLI | Mail::DKIM / dkimpipe | "
               "floor ed25519 | dkimpipe ed25519 | dkimpipe / floor |")
    out.append("|---|---|---|---|---|---|---|---|---|---|---|")
    texec = median_time([W + "/true"], n=50)
    for name, size, n in (("2 KB", 2048, 40), ("100 KB", 102400, 30), ("10 MB", 10 << 20, 7)):
        m = "%s/msg-%d.eml" % (W, size)
        make_message(m, size)
        floor = median_time([W + "/floor", W + "/rsa.pem"], m, n)
        ours = median_time([DKIMPIPE, "sign", "-d", "example.com", "-s", "s", "-k",
                            W + "/rsa.pem"], m, n)
        py = median_time([PY, "/usr/bin/dkimsign", "s", "example.com", W + "/rsa.pem"],
                         m, max(3, n // 4))
        pl = median_time(["dkimproxy-sign", "--key", W + "/rsa-trad.pem", "--selector", "s",
                          "--domain", "example.com", "--method", "relaxed"], m, max(3, n // 4))
        floor_ed = median_time([W + "/floor", W + "/ed.pem"], m, n)
        ours_ed = median_time([DKIMPIPE, "sign", "-d", "example.com", "-s", "s", "-k",
                               W + "/ed.pem"], m, n)
        out.append("| %s | %s | %s | **%.2f×** | %s | **%.1f×** | %s | **%.1f×** | %s | %s | **%.2f×** |" % (
            name, ms(floor), ms(ours), ours / floor, ms(py), py / ours, ms(pl), pl / ours,
            ms(floor_ed), ms(ours_ed), ours_ed / floor_ed))
    out.append("\nFloor: `scripts/floor.c`, a process that reads the message, hashes it "
               "with SHA-256 and makes one signature with OpenSSL. A bare fork/exec of an "
               "empty C program costs %s here." % ms(texec))


def throughput(out):
    out.append("\n### 2. Body canonicalization + SHA-256 on a 1 GB message (median of 3)\n")
    out.append("Body: 60% base64 lines, 30% prose with single spaces, 10% lines with "
               "tabs, double spaces and trailing white space. `dkimpipe verify` reads the "
               "message, canonicalizes and hashes the body, and stops at the body-hash "
               "mismatch; it spools nothing.\n")
    big = W + "/big.eml"
    make_message(big, 1 << 30)
    size = os.path.getsize(big)
    res = {}
    for canon in ("relaxed", "simple"):
        m = "%s/big-%s.eml" % (W, canon)
        with open(m, "wb") as f:
            f.write(b"DKIM-Signature: v=1; a=rsa-sha256; c=%s/%s; d=example.com; s=s;"
                    b" h=from; bh=AAAA; b=AAAA\n" % (canon.encode(), canon.encode()))
        # same data after the header: append the big file
        with open(m, "ab") as f, open(big, "rb") as g:
            while True:
                b = g.read(1 << 20)
                if not b:
                    break
                f.write(b)
        # verify hashes the body and stops at "body hash mismatch"
        ts = []
        for _ in range(3):
            t = time.perf_counter()
            subprocess.run([DKIMPIPE, "verify", "-K", "/dev/null", m], stdout=DEVNULL)
            ts.append(time.perf_counter() - t)
        res[canon] = statistics.median(ts)
        os.unlink(m)
    sha = median_time(["sha256sum", big], None, 3)
    ossl = median_time(["openssl", "dgst", "-sha256", big], None, 3)
    mb = size / 1e6
    out.append("| stream | time | MB/s | vs openssl (SHA-NI) | vs sha256sum |")
    out.append("|---|---|---|---|---|")
    out.append("| openssl dgst -sha256 | %.2f s | %.0f | 1.00× | %.2f× |" % (
        ossl, mb / ossl, sha / ossl))
    out.append("| sha256sum | %.2f s | %.0f | %.2f× | 1.00× |" % (sha, mb / sha, ossl / sha))
    for canon in ("relaxed", "simple"):
        out.append("| dkimpipe %s body hash | %.2f s | %.0f | **%.2f×** | **%.2f×** |" % (
            canon, res[canon], mb / res[canon], ossl / res[canon], sha / res[canon]))
    return big


def peak_rss(out, big):
    out.append("\n### 3. Peak RSS of `dkimpipe sign` (rsa-2048)\n")
    out.append("| message | peak RSS |")
    out.append("|---|---|")
    for name, m in (("2 KB", W + "/msg-2048.eml"), ("10 MB", W + "/msg-10485760.eml"),
                    ("1 GB", big)):
        r = subprocess.run(["/usr/bin/time", "-f", "%M", DKIMPIPE, "sign", "-T", W, "-d",
                            "example.com", "-s", "s", "-k", W + "/rsa.pem", m],
                           stdout=DEVNULL, stderr=subprocess.PIPE, check=True)
        kib = int(r.stderr.decode().strip().splitlines()[-1])
        out.append("| %s | %.1f MiB |" % (name, kib / 1024))


def stored():
    d = W + "/many"
    os.makedirs(d)
    make_message(W + "/m4k.eml", 4096)
    data = open(W + "/m4k.eml", "rb").read()
    for i in range(10000):
        with open("%s/%05d.eml" % (d, i), "wb") as f:
            f.write(data)
    return d


def many(out):
    out.append("\n### 4. 10,000 stored 4 KB messages\n")
    d = stored()
    files = sorted(os.listdir(d))
    t = time.perf_counter()
    subprocess.run("ls | xargs -P 2 -n 1 %s sign -d example.com -s s -k %s/rsa.pem > /dev/null"
                   % (DKIMPIPE, W), shell=True, cwd=d, check=True)
    ours = time.perf_counter() - t
    script = ("import dkim,os,sys\nk=open(sys.argv[1],'rb').read()\nd=sys.argv[2]\n"
              "for f in sorted(os.listdir(d)):\n"
              "    m=open(os.path.join(d,f),'rb').read()\n"
              "    dkim.sign(m,b's',b'example.com',k,canonicalize=(b'relaxed',b'relaxed'))\n")
    t = time.perf_counter()
    subprocess.run([PY, "-c", script, W + "/rsa.pem", d], check=True)
    py = time.perf_counter() - t
    t = time.perf_counter()
    subprocess.run("ls | xargs -P 2 -n 1 %s/floor %s/rsa.pem > /dev/null" % (W, W),
                   shell=True, cwd=d, check=True)
    floor = time.perf_counter() - t
    out.append("| signer | total | messages/s | vs dkimpy |")
    out.append("|---|---|---|---|")
    out.append("| dkimpy, one Python process | %.1f s | %.0f | 1.00× |" % (py, 10000 / py))
    out.append("| dkimpipe, one process per message (`xargs -P 2`) | %.1f s | %.0f | **%.1f×** |"
               % (ours, 10000 / ours, py / ours))
    out.append("| floor, one process per message (`xargs -P 2`) | %.1f s | %.0f | %.1f× |"
               % (floor, 10000 / floor, py / floor))


def openssl_speed(alg, multi):
    """signatures per second from openssl speed on `multi` processes"""
    args = ["openssl", "speed", "-seconds", "2"]
    if multi > 1:
        args += ["-multi", str(multi)]
    r = subprocess.run(args + [alg], capture_output=True, text=True, check=True)
    for line in r.stdout.splitlines():
        f = line.split()
        if alg == "rsa2048" and f[:2] == ["rsa", "2048"]:
            return float(f[-2])
        if alg == "ed25519" and "(Ed25519)" in f:
            return float(f[-2])
    raise SystemExit("cannot read openssl speed %s" % alg)


def resign(out):
    """sign -I over 10,000 stored 4 KB messages (issue: batch re-signing)"""
    out.append("\n### 5. Re-signing 10,000 stored 4 KB messages in place (`sign -I`)\n")
    src = W + "/many"
    script = ("import dkim,os,sys\nk=open(sys.argv[1],'rb').read()\nd=sys.argv[2]\n"
              "for f in sorted(os.listdir(d)):\n"
              "    p=os.path.join(d,f); m=open(p,'rb').read()\n"
              "    s=dkim.sign(m,b's',b'example.com',k,canonicalize=(b'relaxed',b'relaxed'))\n"
              "    open(p,'wb').write(s+m)\n")
    subprocess.run(["cp", "-r", src, W + "/py"], check=True)
    os.sync()	# the copy's own writeback is not part of what is timed
    t = time.perf_counter()
    subprocess.run([PY, "-c", script, W + "/rsa.pem", W + "/py"], check=True)
    py = time.perf_counter() - t
    out.append("| signer | jobs | files/s | vs dkimpy | vs `openssl speed` signatures/s |")
    out.append("|---|---|---|---|---|")
    out.append("| dkimpy rsa-2048, one Python process (plain rewrite, no fsync) | 1 | %.0f | 1.00× | |"
               % (10000 / py))
    for key, alg in (("rsa.pem", "rsa2048"), ("ed.pem", "ed25519")):
        for jobs in (1, 2):
            d = "%s/ip-%s-%d" % (W, alg, jobs)
            subprocess.run(["cp", "-r", src, d], check=True)
            os.sync()
            t = time.perf_counter()
            subprocess.run([DKIMPIPE, "sign", "-I", "-q", "-j", str(jobs), "-d", "example.com",
                            "-s", "s", "-k", W + "/" + key, d], check=True)
            el = time.perf_counter() - t
            sp = openssl_speed(alg, jobs)
            out.append("| dkimpipe %s | %d | %.0f | **%.1f×** | %.2f of %.0f |" % (
                "rsa-2048" if alg == "rsa2048" else "ed25519", jobs, 10000 / el,
                py / el, 10000 / el / sp, sp))
            subprocess.run(["rm", "-rf", d], check=True)
    # --config: the keys come from a dkimpipe.conf, decoded once per worker
    conf = W + "/resign.conf"
    with open(conf, "w") as f:
        f.write("domain = example.com\nselector = s\nkeyfile = %s/rsa.pem\n" % W)
    d = W + "/ip-conf"
    subprocess.run(["cp", "-r", src, d], check=True)
    os.sync()
    t = time.perf_counter()
    subprocess.run([DKIMPIPE, "sign", "-I", "-q", "-j", "2", "--config", conf, d], check=True)
    el = time.perf_counter() - t
    sp = openssl_speed("rsa2048", 2)
    out.append("| dkimpipe rsa-2048, `--config` | 2 | %.0f | **%.1f×** | %.2f of %.0f |" % (
        10000 / el, py / el, 10000 / el / sp, sp))
    subprocess.run(["rm", "-rf", d], check=True)


def rotation(out):
    """deliver with rotate = on and off, runs interleaved"""
    os.makedirs(W + "/rot/keys/example.com", mode=0o700, exist_ok=True)
    os.makedirs(W + "/rot/st", mode=0o700, exist_ok=True)
    base = ("domain = example.com\nselector = s\nkeyfile = %s/rsa.pem\n"
            "sendmail_path = %s/sink\nlog_to = stderr\n" % (W, W))
    with open(W + "/rot/off.conf", "w") as f:
        f.write(base)
    with open(W + "/rot/on.conf", "w") as f:
        # a name server that is not there: the one check this makes (the
        # first run) fails at once; the runs measured only read the state
        f.write(base + "rotate = example.com\nrotate_dir = %s/rot/keys\n"
                "state_file = %s/rot/st/state\nnameservers = 127.0.0.1:9\n" % (W, W))
    m = "%s/msg-4096.eml" % W
    make_message(m, 4096)
    cmd = lambda c: [DKIMPIPE, "deliver", "-c", "%s/rot/%s.conf" % (W, c),
                     "-f", "a@example.com", "--", "b@example.org"]
    run(cmd("on"), m)
    run(cmd("off"), m)
    on, off = [], []
    for i in range(200):
        for c, ts in (("on", on), ("off", off)) if i % 2 else (("off", off), ("on", on)):
            t = time.perf_counter()
            run(cmd(c), m)
            ts.append(time.perf_counter() - t)
    a, b = statistics.median(off), statistics.median(on)
    out.append("\n### 6. Key rotation: per-message cost of `deliver` (4 KB, rsa-2048, "
               "median of 200 runs each, interleaved)\n")
    out.append("| rotation off | rotation on (state file read, no DNS per message) | on / off |")
    out.append("|---|---|---|")
    out.append("| %s | %s | **%.3f×** |" % (ms(a), ms(b), b / a))


def main():
    keys()
    cpu = "unknown CPU"
    for line in open("/proc/cpuinfo"):
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    out = ["## dkimpipe benchmark", "",
           "Machine: %s, %d cores, Linux %s; %s." % (cpu, os.cpu_count(), platform.release(),
                                                 time.strftime("%Y-%m-%d"))]
    if os.environ.get("BENCH_SECTION") == "resign":	# only section 5
        stored()
        resign(out)
        print("\n".join(out))
        return
    if os.environ.get("BENCH_SECTION") == "rotation":	# only section 6
        rotation(out)
        print("\n".join(out))
        return
    per_message(out)
    big = throughput(out)
    peak_rss(out, big)
    many(out)
    resign(out)
    rotation(out)
    print("\n".join(out))


main()
