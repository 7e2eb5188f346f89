#!/usr/bin/env bats
# dkimpipe.conf(5) documents exactly the parameters of the table in
# src/conf/params.c: the names the unit driver prints (params_test.bin
# --names, built by make unit) against the names the man page lists as
# ".It Cm NAME" items, counting each of ".It Cm domain , Cm selector ,
# Cm keyfile". Lists every name missing from either side.

load helper

# man_names - the parameter names of the man page's .It Cm items
man_names() {
	awk '$1 == ".It" && $2 == "Cm" {
		for (i = 3; i <= NF; i += 3) {
			print $i
			if ($(i + 1) != "," || $(i + 2) != "Cm")
				break
		}
	}' "$TOP/man/dkimpipe.conf.5" | sort -u
}

@test "dkimpipe.conf(5) documents every parameter and no other" {
	local bin=$TOP/tests/unit/params_test.bin
	[ -x "$bin" ] || { echo "no $bin: run make unit"; false; }
	"$bin" --names | sort -u > "$BATS_TEST_TMPDIR/table"
	man_names > "$BATS_TEST_TMPDIR/man"
	[ "$(wc -l < "$BATS_TEST_TMPDIR/table")" -ge 20 ]
	missing=$(comm -23 "$BATS_TEST_TMPDIR/table" "$BATS_TEST_TMPDIR/man")
	unknown=$(comm -13 "$BATS_TEST_TMPDIR/table" "$BATS_TEST_TMPDIR/man")
	for n in $missing; do echo "not in dkimpipe.conf(5): $n"; done
	for n in $unknown; do echo "documented but no such parameter: $n"; done
	[ -z "$missing" ] && [ -z "$unknown" ]
}

@test "the man page's item lines are read as parameter names" {
	man_names > "$BATS_TEST_TMPDIR/man"
	for n in domain selector keyfile sign_headers oversign_headers \
	    subdomains log_to reinject; do
		grep -qx "$n" "$BATS_TEST_TMPDIR/man" || { echo "not read: $n"; false; }
	done
	! grep -v '^[a-z_]*$' "$BATS_TEST_TMPDIR/man"
}
