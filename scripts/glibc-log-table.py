"""Regenerates core/random/glibc-log-data.ts: the constants of the `log` that CPython calls through glibc
(glibc >= 2.28 ships ARM optimized-routines' log, whose data is MIT OR Apache-2.0 WITH LLVM-exception).
They are read from this machine's libm by locating the struct by its first two fields (ln 2 split in two).

Usage: python3 scripts/glibc-log-table.py [/lib/x86_64-linux-gnu/libm.so.6] > core/random/glibc-log-data.ts
       npx biome check --write core/random/glibc-log-data.ts
"""

import struct
import sys

path = sys.argv[1] if len(sys.argv) > 1 else "/lib/x86_64-linux-gnu/libm.so.6"
data = open(path, "rb").read()
head = struct.pack("<2d", float.fromhex("0x1.62e42fefa3800p-1"), float.fromhex("0x1.ef35793c76730p-45"))
off = data.find(head)
if off < 0:
    sys.exit(f"{path}: no log data found (glibc older than 2.28?)")
n = 2 + 5 + 11 + 256
v = struct.unpack_from(f"<{n}d", data, off)
# Sanity: the table's invc/logc pairs satisfy logc = -ln(invc) closely.
import math
for i in range(128):
    invc, logc = v[18 + 2 * i], v[19 + 2 * i]
    assert abs(logc + math.log(invc)) < 1e-15, (i, invc, logc)


def fmt(xs):
    return ",\n  ".join(repr(x) for x in xs)


print("/**")
print(" * Constants of glibc's `log` (ARM optimized-routines, MIT OR Apache-2.0 WITH LLVM-exception), read from libm by")
print(" * scripts/glibc-log-table.py. Generated: do not edit.")
print(" */")
print(f"export const LN2_HI = {v[0]!r};")
print(f"export const LN2_LO = {v[1]!r};")
print(f"/** poly: log1p(r) − r ≈ r²·A0 + r³·(A1 + …). */\nexport const A = [\n  {fmt(v[2:7])},\n];")
print(f"/** poly1: the polynomial used near 1. */\nexport const B = [\n  {fmt(v[7:18])},\n];")
print(f"/** tab: 128 pairs (invc, logc), interleaved. */\nexport const TAB = new Float64Array([\n  {fmt(v[18:n])},\n]);")
