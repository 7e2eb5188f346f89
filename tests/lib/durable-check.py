#!/usr/bin/env python3
"""durable-check.py - read strace -ff logs of "sign -I" (one file per
process) and check that every signed copy was on disk before it replaced
its original: each rename of one of our temporary files comes after an
fsync of that file, or a syncfs, issued after the file's last write.
Prints "renames N syncs M unsynced K" and exits 1 when K > 0."""
import re, sys

CALL = re.compile(r'^(\w+)\((.*)\)\s+=\s+(-?\d+)')
renames = syncs = unsynced = 0
for log in sys.argv[1:]:
    fds = {}        # fd -> temporary file name
    dirty = set()   # temporary files written since their last sync
    for line in open(log, errors="replace"):
        m = CALL.match(line)
        if not m or int(m.group(3)) < 0:
            continue
        name, args, ret = m.group(1), m.group(2), int(m.group(3))
        if name == "openat" and ".dkimpipe-resign." in args:
            fds[ret] = re.search(r'"([^"]+)"', args).group(1)
        elif name in ("write", "pwrite64", "writev"):
            fd = int(args.split(",")[0])
            if fd in fds:
                dirty.add(fds[fd])
        elif name in ("fsync", "fdatasync"):
            fd = int(args.split(",")[0])
            syncs += 1
            dirty.discard(fds.get(fd))
        elif name == "syncfs":
            syncs += 1
            dirty.clear()
        elif name == "close":
            fds.pop(int(args), None)
        elif name in ("rename", "renameat", "renameat2"):
            src = re.search(r'"([^"]+)"', args).group(1)
            if ".dkimpipe-resign." in src:
                renames += 1
                if src in dirty:
                    unsynced += 1
                    print("renamed before a sync:", src)
print("renames %d syncs %d unsynced %d" % (renames, syncs, unsynced))
sys.exit(1 if unsynced else 0)
