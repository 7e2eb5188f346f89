#!/bin/sh
# fuzz.sh SECONDS FUZZER... - run each libFuzzer target for SECONDS from
# its seed corpus tests/fuzz/corpus/NAME (new inputs go to the scratch
# directory tests/fuzz/work/NAME, the seeds stay as checked in), print
# its final statistics, and fail at the first crash, leak, sanitizer
# report or differential mismatch (the crashing input is kept as
# tests/fuzz/work/crash-*). Prints one TAP-style line per target.
set -u
secs=$1
shift
status=0
for f in "$@"; do
	name=$(basename "$f")
	short=${name#fuzz_}
	work=tests/fuzz/work/$short
	mkdir -p "$work"
	log=tests/fuzz/work/$short.log
	if "$f" -max_total_time="$secs" -max_len=65536 -timeout=10 -rss_limit_mb=1024 \
	    -print_final_stats=1 -artifact_prefix=tests/fuzz/work/crash-$short- \
	    "$work" "tests/fuzz/corpus/$short" > "$log" 2>&1; then
		runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
		cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1)
		echo "ok fuzz $short: $runs runs in ${secs}s, $cov, no crash"
	else
		echo "not ok fuzz $short: see $log"
		tail -n 30 "$log" | sed 's/^/# /'
		status=1
	fi
done
exit $status
