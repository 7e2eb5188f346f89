#!/usr/bin/env bats
# The source layout's rules (scripts/layers.py, run by make lint): the
# tree keeps them, and the check catches an upward include and an
# include cycle in a copy of the tree.

load helper

setup() {
	C=$BATS_TEST_TMPDIR/tree
	mkdir -p "$C"
	cp -r "$TOP/src" "$TOP/Makefile" "$C/"
	find "$C/src" -name '*.o' -delete
}

@test "the tree keeps the layer rules: includes point down, no cycle" {
	run $PY "$TOP/scripts/layers.py" "$TOP"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == "ok layers: base < dkim < conf < signer < postfix < batch < cmd"* ]]
}

@test "an upward include fails the check, naming the file, the line and the layer" {
	run $PY "$TOP/scripts/layers.py" "$C"
	[ "$status" -eq 0 ]
	sed -i '0,/^#include "buf.h"/s//&\n#include "signer.h"/' "$C/src/base/buf.c"
	n=$(grep -n '#include "signer.h"' "$C/src/base/buf.c" | cut -d: -f1)
	run $PY "$TOP/scripts/layers.py" "$C"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"src/base/buf.c:$n: includes signer.h of the higher layer signer"* ]]
}

@test "an include cycle inside one layer fails the check" {
	printf '#include "wrap.h"\n' >> "$C/src/dkim/eol.h"
	printf '#include "eol.h"\n' >> "$C/src/dkim/wrap.h"
	run $PY "$TOP/scripts/layers.py" "$C"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"include cycle: "*eol*wrap* ]] || [[ "$output" == *"include cycle: "*wrap*eol* ]]
}

@test "a source file outside the layers fails the check" {
	printf 'int stray;\n' > "$C/src/stray.c"
	run $PY "$TOP/scripts/layers.py" "$C"
	[ "$status" -eq 1 ]
	[[ "$output" == *"src/stray.c: outside every layer"* ]]
}
