#!/usr/bin/env python3
"""Turns the two benchmark outputs (system OpenSSL, sesscache) into bench/results.md (a table
with the ratio sesscache/OpenSSL) and bench/results.svg (ops/s by operation and library).

usage: report.py OPENSSL.tsv SESSCACHE.tsv MEM_OPENSSL MEM_SESSCACHE COMMAND..."""
import datetime
import html
import math
import platform
import subprocess
import sys


def load(path):
    ops = {}
    order = []
    for line in open(path):
        parts = line.rstrip("\n").split("\t")
        if parts[0] == "op" and len(parts) == 4:
            name = parts[1].split(" [stopped")[0]
            # A measurement run several times: its fastest run counts.
            if name not in ops or float(parts[2]) < ops[name][0]:
                ops[name] = (float(parts[2]), float(parts[3]), parts[1])
            if name not in order:
                order.append(name)
        elif parts[0] == "mem" and len(parts) == 3:
            ops[parts[1]] = (float(parts[2]), None, parts[1])
            order.append(parts[1])
    return ops, order


def cpu():
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def main():
    ossl, order = load(sys.argv[1])
    ours, _ = load(sys.argv[2])
    for extra in sys.argv[3:5]:
        o, extra_order = load(extra)
        (ossl if extra == sys.argv[3] else ours).update(o)
        if extra == sys.argv[3]:
            order += [k for k in extra_order if k not in order]
    command = " ".join(sys.argv[5:])
    rows = []
    for name in order:
        if name not in ours:
            continue
        a, b = ossl[name], ours[name]
        if a[1] is None:  # memory: smaller is better, ratio = ours / theirs
            rows.append((name, f"{a[0]:.0f} B", f"{b[0]:.0f} B", b[0] / a[0], "memory"))
        else:  # time: ratio = speed-up (OpenSSL time / sesscache time)
            note = " (OpenSSL stopped early)" if "stopped" in a[2] else ""
            rows.append((name + note, f"{a[0]:.1f} ns ({a[1]:,.0f}/s)", f"{b[0]:.1f} ns ({b[1]:,.0f}/s)", a[0] / b[0], "speed"))
    kernel = platform.release()
    date = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    ossl_version = subprocess.run(["openssl", "version"], capture_output=True, text=True).stdout.strip()
    with open("bench/results.md", "w") as f:
        f.write("# Benchmark: sesscache against the system OpenSSL\n\n")
        f.write(f"Date: {date}. Machine: {cpu()}, {__import__('os').cpu_count()} CPUs, Linux {kernel}. ")
        f.write(f"OpenSSL: {ossl_version}. Command: `{command}`.\n\n")
        f.write("The same C program (`bench/bench.c`) built against each library; each measurement runs for one ")
        f.write("library then the other, three times over, and the fastest run of each counts. ")
        f.write("Speed-up is OpenSSL's time per operation divided by sesscache's (higher is better); ")
        f.write("for memory the ratio is sesscache's bytes over OpenSSL's (lower is better). ")
        f.write("Lookups are `SSL_has_matching_session_id`; with 2 threads the time is per lookup across both. ")
        f.write("The Redis rows come from `bench/redis_bench.c`: the farm-wide cache of `examples/redis_cache/` ")
        f.write("(new/get/remove callbacks, i2d/d2i, a local redis-server) and, in the same loop, the internal cache.\n\n")
        f.write("| operation | OpenSSL | sesscache | ratio |\n|---|---|---|---|\n")
        for name, a, b, r, kind in rows:
            label = f"{r:.2f}× faster" if kind == "speed" and r >= 1 else (f"{1/r:.2f}× slower" if kind == "speed" else f"{r:.2f}×")
            f.write(f"| {name} | {a} | {b} | {label} |\n")
        f.write("\n![ops/s by operation and library](results.svg)\n")
    # Chart: horizontal bars, ops/s on a log scale.
    speed = [(n, 1e9 / float(a.split(" ns")[0]), 1e9 / float(b.split(" ns")[0])) for n, a, b, r, k in rows if k == "speed"]
    bar, gap, left, width = 9, 8, 430, 420
    height = 40 + len(speed) * (2 * bar + gap) + 30
    top = max(max(x, y) for _, x, y in speed)
    scale = lambda v: width * math.log10(max(v, 1)) / math.log10(top * 1.2)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{left + width + 120}" height="{height}" font-family="sans-serif" font-size="11">',
           f'<text x="10" y="18" font-size="13" font-weight="bold">operations per second (log scale): OpenSSL 3.0 (grey) and sesscache (blue)</text>']
    y = 34
    for name, a, b in speed:
        out.append(f'<text x="{left - 6}" y="{y + bar + 3}" text-anchor="end">{html.escape(name)}</text>')
        for v, color in ((a, "#999"), (b, "#2a6fdb")):
            out.append(f'<rect x="{left}" y="{y}" width="{scale(v):.1f}" height="{bar}" fill="{color}"/>')
            out.append(f'<text x="{left + scale(v) + 4:.1f}" y="{y + bar - 1}">{v:,.0f}</text>')
            y += bar
        y += gap
    out.append("</svg>")
    open("bench/results.svg", "w").write("\n".join(out) + "\n")
    print(open("bench/results.md").read())


main()
