#!/usr/bin/python3
# layers.py [TOP] - the include rules of TOP/src (default: this tree).
# The layers are the directories that the Makefile's LAYERS line names,
# bottom up; a file may include the headers of its own layer and of the
# layers below it, never above, and the modules (a .c with its .h) may
# not include each other in a cycle. Prints one line per broken rule and
# a TAP-style summary; exits 1 on any. With --graph, prints each
# module's includes instead, layer by layer (for the README).
import os
import re
import sys

args = [a for a in sys.argv[1:] if not a.startswith("--")]
top = args[0] if args else os.path.join(os.path.dirname(__file__), "..")
mk = open(os.path.join(top, "Makefile")).read()
layers = re.search(r"^LAYERS\s*=\s*(.*)$", mk, re.M).group(1).split()
rank = {l: i for i, l in enumerate(layers)}

where = {}                       # header or source name -> layer
files = []
for l in layers:
    d = os.path.join(top, "src", l)
    for f in sorted(os.listdir(d)):
        if f.endswith((".c", ".h")):
            where[f] = l
            files.append((l, f))
stray = [f for f in os.listdir(os.path.join(top, "src"))
         if f.endswith((".c", ".h"))]

bad = ["src/%s: outside every layer" % f for f in stray]
deps = {}                        # module -> modules it includes
for l, f in files:
    mod = f.rsplit(".", 1)[0]
    deps.setdefault(mod, set())
    path = os.path.join(top, "src", l, f)
    for n, line in enumerate(open(path), 1):
        m = re.match(r'\s*#\s*include\s+"([^"]+)"', line)
        if not m:
            continue
        h = m.group(1)
        hl = where.get(h)
        if hl is None:
            bad.append("src/%s/%s:%d: includes %s, which is in no layer" % (l, f, n, h))
        elif rank[hl] > rank[l]:
            bad.append("src/%s/%s:%d: includes %s of the higher layer %s"
                       % (l, f, n, h, hl))
        hm = h.rsplit(".", 1)[0]
        if hm != mod:
            deps[mod].add(hm)

# cycles among modules (depth-first search, colours)
state, stack = {}, []


def visit(m):
    state[m] = 1
    stack.append(m)
    for d in sorted(deps.get(m, ())):
        if state.get(d) == 1:
            cyc = stack[stack.index(d):] + [d]
            bad.append("include cycle: " + " -> ".join(cyc))
        elif d not in state:
            visit(d)
    stack.pop()
    state[m] = 2


for m in sorted(deps):
    if m not in state:
        visit(m)

if "--graph" in sys.argv:
    for l in layers:
        mods = sorted({f.rsplit(".", 1)[0] for fl, f in files if fl == l})
        print("%s:" % l)
        for m in mods:
            print("    %-10s -> %s" % (m, " ".join(sorted(deps[m])) or "-"))
    sys.exit(0)
for b in bad:
    print(b)
if bad:
    print("not ok layers: %d include rule%s broken" % (len(bad), "" if len(bad) == 1 else "s"))
    sys.exit(1)
print("ok layers: %s, includes point down, no cycle" % " < ".join(layers))
