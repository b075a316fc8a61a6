"""Generates csrc/core/vmath_tanh_table.h: the coefficient tables of the
table-driven tanh of csrc/core/vmath_impl.h (tanh for float64, tanh_f for
float32).

Method (SVML's and NumPy's, with the constant term split so that the last
add rounds once): |x| is clamped to TOP (above it tanh rounds to 1) and
split into N subintervals picked by its bits, i = min(max(bits(|x|) >> SHIFT
- BASE, 0), N - 1): the exponent and the top mantissa bits, so each
subinterval is a fraction of a binade (float32: a quarter, 32 entries, from
0.046875 to 8; float64: a half, 16 entries, from 0.125 to 16); entry 0 holds
everything below, the last entry everything up to TOP.  On each subinterval
tanh(c + r) is a polynomial of degree DEG in r = |x| - c around the
subinterval's centre c (mpmath.chebyfit at 60 digits: near-minimax), its
constant term stored as hi + lo.  Entry 0 is the odd series
x + x^3 Q(x^2) (centre 0, c0 = 0, c1 = 1, even terms 0), so tiny and
subnormal inputs give x exactly.

Run:  python tools/gen_tanh_table.py   (needs mpmath; rewrites the header;
deterministic: the same text on every run).
"""
import os
import struct
import sys

import mpmath as mp

mp.mp.dps = 60

# name, C type, struct code, unsigned code, entries, shift, top of the first
# regular entry's interval (as the clamp point), degree, clamp, last centre
FORMATS = [
    dict(name="nnc_vm_tanh_tab", tag="NNC_VM_TANH", ctype="double", fc="d", uc="Q", n=16,
         shift=51, top_lo=16.0, deg=16, clamp=19.0625, last_c=17.5),
    dict(name="nnc_vm_tanhf_tab", tag="NNC_VMF_TANH", ctype="float", fc="f", uc="I", n=32,
         shift=21, top_lo=8.0, deg=5, clamp=9.0625, last_c=8.5),
]


def rnd(fmt, v):
    """v rounded to the format (float32 or float64), as a Python float."""
    return struct.unpack("<" + fmt["fc"], struct.pack("<" + fmt["fc"], float(v)))[0]


def from_bits(fmt, b):
    return mp.mpf(struct.unpack("<" + fmt["fc"], struct.pack("<" + fmt["uc"], b))[0])


def base(fmt):
    b = struct.unpack("<" + fmt["uc"], struct.pack("<" + fmt["fc"], fmt["top_lo"]))[0]
    return (b >> fmt["shift"]) - (fmt["n"] - 1)


def literal(fmt, v):
    """A C literal that reads back as v exactly."""
    t = ("%.9g" if fmt["ctype"] == "float" else "%.17g") % v
    if "." not in t and "e" not in t and "inf" not in t:
        t += ".0"
    return t + ("f" if fmt["ctype"] == "float" else "")


def entry(fmt, i):
    """The row entries of subinterval i and its fit's relative error."""
    deg, sh, b0 = fmt["deg"], fmt["shift"], base(fmt)
    if i == 0:
        hi = from_bits(fmt, (b0 + 1) << sh)
        m = (deg - 1) // 2  # odd terms x^3 .. x^(2m+1)
        g = lambda z: ((mp.tanh(mp.sqrt(z)) - mp.sqrt(z)) / mp.sqrt(z) ** 3 if z
                       else mp.mpf(-1) / 3)
        p, err = mp.chebyfit(g, [0, hi ** 2], m, error=True)
        q = list(reversed(p))  # Q's coefficients, lowest first
        coef = [mp.mpf(0)] * (deg + 1)
        coef[1] = mp.mpf(1)
        for k, v in enumerate(q):
            coef[3 + 2 * k] = v
        return [0.0, 0.0, 0.0] + [rnd(fmt, v) for v in coef[1:]], err * hi ** 2
    lo = from_bits(fmt, (b0 + i) << sh)
    hi = from_bits(fmt, (b0 + i + 1) << sh)
    if i == fmt["n"] - 1:
        hi, c = mp.mpf(fmt["clamp"]), fmt["last_c"]
    else:
        c = rnd(fmt, (lo + hi) / 2)
        assert mp.mpf(c) == (lo + hi) / 2
    cm = mp.mpf(c)
    p, err = mp.chebyfit(lambda r: mp.tanh(cm + r), [lo - cm, hi - cm], deg + 1, error=True)
    coef = list(reversed(p))
    c0_hi = rnd(fmt, coef[0])
    c0_lo = rnd(fmt, coef[0] - c0_hi)
    return [c, c0_hi, c0_lo] + [rnd(fmt, v) for v in coef[1:]], err / mp.tanh(lo)


def table(fmt):
    n, deg = fmt["n"], fmt["deg"]
    # rows padded with zeros to a multiple of the AVX2 transpose (8 floats,
    # 4 doubles); the padding rows are read and never used
    step = 8 if fmt["ctype"] == "float" else 4
    rows = [[] for _ in range((deg + 3 + step - 1) // step * step)]
    worst = 0
    for i in range(n):
        e, rel = entry(fmt, i)
        worst = max(worst, rel)
        e = e + [0.0] * (len(rows) - len(e))
        for k, v in enumerate(e):
            rows[k].append(v)
    names = ["centre", "c0 (high part)", "c0 (low part)"] + ["c%d" % k for k in range(1, deg + 1)]
    names += ["(padding)"] * (len(rows) - len(names))
    per = 4 if fmt["ctype"] == "float" else 2
    tag = fmt["tag"]
    out = ["/* %s: %d subintervals, i = min(max(bits(|x|) >> %d - %d, 0), %d); degree %d;"
           % (fmt["ctype"], n, fmt["shift"], base(fmt), n - 1, deg),
           " * worst relative error of the polynomials before rounding: 2^%.1f */"
           % float(mp.log(worst, 2)),
           "#define %s_DEG %d" % (tag, deg),
           "#define %s_SHIFT %d" % (tag, fmt["shift"]),
           "#define %s_BASE %d" % (tag, base(fmt)),
           "#define %s_TOP %s" % (tag, literal(fmt, fmt["clamp"])),
           "#define %s_ROWS %d" % (tag, len(rows)),
           "static const %s %s[%d][%d] = {" % (fmt["ctype"], fmt["name"], len(rows), n)]
    for k, row in enumerate(rows):
        out.append("    /* %s */" % names[k])
        out.append("    {")
        for j in range(0, n, per):
            out.append("        " + " ".join(literal(fmt, v) + "," for v in row[j:j + per]))
        out.append("    },")
    out.append("};")
    # the same numbers entry by entry (a row of coefficients per subinterval,
    # padded to a multiple of 4): the AVX2 path loads a lane's row and
    # transposes, instead of gathering coefficient by coefficient
    width = len(rows)
    rname = fmt["name"].replace("_tab", "_rows")
    out.append("static const %s %s[%d][%d] = {" % (fmt["ctype"], rname, n, width))
    for j in range(n):
        vals = [rows[k][j] for k in range(width)]
        out.append("    {" + " ".join(literal(fmt, v) + "," for v in vals) + "},")
    out.append("};")
    print("%s: worst relative error 2^%.2f" % (fmt["name"], float(mp.log(worst, 2))),
          file=sys.stderr)
    return out


def main():
    out = ["/* Generated by tools/gen_tanh_table.py -- do not edit.  The tables of the",
           " * table-driven tanh (vmath_impl.h): per subinterval of |x|, the centre c and",
           " * tanh(c + r) = c0 + c1 r + ... + cDEG r^DEG, c0 as high + low part. */",
           "#ifndef NNC_VMATH_TANH_TABLE_H",
           "#define NNC_VMATH_TANH_TABLE_H"]
    for fmt in FORMATS:
        out += table(fmt)
    out.append("#endif")
    text = "\n".join(out) + "\n"
    if len(sys.argv) > 1 and sys.argv[1] == "--stdout":
        sys.stdout.write(text)
        return
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "csrc", "core",
                        "vmath_tanh_table.h")
    with open(path, "w") as fh:
        fh.write(text)


if __name__ == "__main__":
    main()
