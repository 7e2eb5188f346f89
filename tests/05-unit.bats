#!/usr/bin/env bats
# The table-driven C drivers (tests/unit/*_test.c, built by make unit
# with the signer's own objects): each checks one module's logic case by
# case, prints "not ok" with the case for every mismatch and exits 1.

load helper

@test "every unit driver passes" {
	n=0
	for t in "$TOP"/tests/unit/*_test.bin; do
		[ -x "$t" ] || continue
		n=$((n + 1))
		run "$t"
		echo "$(basename "$t"): $output"
		[ "$status" -eq 0 ]
	done
	[ "$n" -ge 1 ]
}
