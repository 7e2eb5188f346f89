#!/bin/sh
# bench.sh - dkimpipe's benchmark: per-message cost against dkimpy's and
# Mail::DKIM's command-line signers and against the hardware floor, body
# canonicalization throughput against sha256sum and openssl, peak RSS,
# many-message throughput against dkimpy in one process, and the cost of
# key rotation for deliver (rotation on versus off). Prints a
# Markdown table (also written to bench-results.md). Run by "make bench".
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
work=${BENCH_DIR:-$(mktemp -d /tmp/dkimpipe-bench.XXXXXX)}
trap 'rm -rf "$work"' EXIT
cc -O2 -o "$work/floor" "$top/scripts/floor.c" $(pkg-config --cflags --libs libcrypto)
printf 'int main(void) { return 0; }\n' > "$work/true.c"
cc -O2 -o "$work/true" "$work/true.c"
printf '#include <unistd.h>\nint main(void) { char b[65536]; while (read(0, b, sizeof(b)) > 0) continue; return 0; }\n' > "$work/sink.c"
cc -O2 -o "$work/sink" "$work/sink.c"
/usr/bin/python3 "$top/scripts/bench.py" "$top/dkimpipe" "$work" | tee "$top/bench-results.md"
