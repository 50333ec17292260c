#!/usr/bin/env python3
"""Turns the two benchmark outputs (system OpenSSL, sesscache) into bench/results.md (a table
with the ratio sesscache/OpenSSL) and bench/results.svg (ops/s by operation and library).

usage: report.py [--tcp OPENSSL_TCP.tsv SESSCACHE_TCP.tsv] [--nginx OPENSSL.tsv SESSCACHE.tsv]
                 [--apache OPENSSL.tsv SESSCACHE.tsv]
                 OPENSSL.tsv SESSCACHE.tsv MEM_OPENSSL MEM_SESSCACHE COMMAND...
       report.py [--tcp ...] [--nginx ...] --keep-main COMMAND...

--tcp adds the table of bench/tcp.sh (openssl s_time against bench/tcp_server.c), --nginx the
table of bench/nginx.sh (openssl s_time through nginx); --keep-main takes everything else
from the current bench/results.md (for `make bench-tcp` or `make bench-nginx` alone)."""
import datetime
import html
import io
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


def load_tcp(path):
    """tcp rows: name, conns/s, server CPU us/conn, ...: the best of each over the runs."""
    rows, order = {}, []
    for line in open(path):
        parts = line.rstrip("\n").split("\t")
        if parts[0] != "tcp" or len(parts) < 4:
            continue
        name, rate, cpu_us = parts[1], float(parts[2]), float(parts[3])
        if name in rows:
            rate, cpu_us = max(rate, rows[name][0]), min(cpu_us, rows[name][1])
            runs = rows[name][2] + 1
        else:
            order.append(name)
            runs = 1
        rows[name] = (rate, cpu_us, runs)
    return rows, order


def kept_sections():
    """The TCP, nginx and Apache sections of the current bench/results.md ("" when absent)."""
    try:
        text = open("bench/results.md").read()
    except OSError:
        return "", "", ""
    text = text.split("\n![ops/s")[0]

    def section(title):
        if title not in text:
            return ""
        rest = text[text.index(title) + 1 :]
        ends = [rest.index(t) for t in SECTIONS if t in rest]
        return rest[: min(ends)].rstrip("\n") + "\n" if ends else rest.rstrip("\n") + "\n"

    return section("\n## Over TCP"), section("\n## Through nginx"), section("\n## Through Apache")


SECTIONS = ("\n## Over TCP", "\n## Through nginx", "\n## Through Apache")


def kept_main():
    """The main part of the current bench/results.md (up to its TCP section or chart) and the
    speed rows of its table, for the chart."""
    text = open("bench/results.md").read()
    for end in SECTIONS + ("\n![ops/s",):
        if end in text:
            text = text[: text.index(end)]
    speed = []
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip("|").split("|")]
        if line.startswith("| ") and len(cells) == 4 and " ns (" in cells[1] and " ns (" in cells[2]:
            speed.append((cells[0], 1e9 / float(cells[1].split(" ns")[0]), 1e9 / float(cells[2].split(" ns")[0])))
    return text.rstrip("\n") + "\n", speed


def nginx_section(ossl, ours, order, command, date):
    out = ["## Through nginx: `openssl s_time` against Debian's nginx on each library\n\n"]
    out.append(f"Date: {date}. Command: `{command}`. ")
    out.append("`bench/nginx.sh` runs Debian 12's nginx 1.22.1, unmodified, once on the system OpenSSL and once on ")
    out.append("the drop-in `libssl.so.3` (one worker, `ssl_session_cache shared:SSL:20m`, `ssl_session_tickets off` ")
    out.append("so that TLS 1.2 resumes by session id and TLS 1.3 by stateful tickets, both through nginx's shared zone ")
    out.append("and its session callbacks; `return 200`), and drives both with the same client, ")
    out.append("`openssl s_time -new|-reuse -tls1_2|-tls1_3 -www /` over 127.0.0.1. Connections/s: s_time's count over ")
    out.append("the wall time around it. nginx CPU: user+system time of its master and worker from /proc over the run, ")
    out.append("divided by s_time's connections. The resumed rows are checked to resume (s_time's marks). ")
    out.append(table(ossl, ours, order, "nginx CPU", "nginx CPU"))
    return "".join(out)


def apache_section(ossl, ours, order, command, date):
    out = ["## Through Apache: `openssl s_time` against Debian's Apache httpd on each library\n\n"]
    out.append(f"Date: {date}. Command: `{command}`. ")
    out.append("`bench/apache.sh` runs Debian 12's Apache httpd (apache2-bin, mod_ssl), unmodified, on the system ")
    out.append("OpenSSL and on the drop-in `libssl.so.3` (event MPM, `SSLSessionTickets off` so that TLS 1.2 resumes ")
    out.append("by session id and TLS 1.3 by stateful tickets, both through mod_ssl's session callbacks; one instance ")
    out.append("with `SSLSessionCache shmcb`, one with `SSLSessionCache redis:` on a real redis-server; a static page), ")
    out.append("and drives both with the same client, `openssl s_time -new|-reuse -tls1_2|-tls1_3 -www /` over ")
    out.append("127.0.0.1. Connections/s: s_time's count over the wall time around it. Apache CPU: user+system time of ")
    out.append("its parent and children from /proc over the run, divided by s_time's connections. The resumed rows ")
    out.append("are checked to resume (s_time's marks). ")
    out.append(table(ossl, ours, order, "Apache CPU", "Apache CPU"))
    return "".join(out)


def table(ossl, ours, order, column, who):
    out = []
    runs = max(r[2] for r in ossl.values())
    out.append(f"The libraries alternate, {runs} run{'s' if runs > 1 else ''} each; the table keeps each library's best ")
    out.append("connections/s and best (lowest) CPU per connection over its runs. Ratios: connections/s sesscache over ")
    out.append("OpenSSL (higher is better), CPU sesscache over OpenSSL (lower is better).\n\n")
    out.append(f"| handshake | OpenSSL conns/s | sesscache conns/s | ratio | OpenSSL {column} µs/conn | sesscache {column} µs/conn | ratio |\n")
    out.append("|---|---|---|---|---|---|---|\n")
    slower, cpu_targets = [], []
    for name in order:
        if name not in ours:
            continue
        (ar, ac, _), (br, bc, _) = ossl[name], ours[name]
        r = br / ar
        label = f"{r:.2f}× faster" if r >= 1 else f"{1 / r:.2f}× slower"
        out.append(f"| {name} | {ar:,.0f} | {br:,.0f} | {label} | {ac:.1f} | {bc:.1f} | {bc / ac:.2f}× |\n")
        if r < 1:
            slower.append(name)
        if "resumed" in name:
            cpu_targets.append(f"{name} {bc / ac:.2f}× ({'met' if bc / ac <= 2 / 3 else 'NOT met'})")
    out.append("\nTargets (reported, not asserted):\n\n")
    n = sum(1 for name in order if name in ours)
    out.append(f"- sesscache never slower than OpenSSL in wall time on any row: "
               + ("met on every row.\n" if not slower else f"NOT met on {len(slower)} of {n} rows ({'; '.join(slower)}).\n"))
    out.append(f"- {who} per resumed handshake at most ⅔ of OpenSSL's: " + "; ".join(cpu_targets) + ".\n")
    return "".join(out)


def tcp_section(ossl, ours, order, command, date):
    out = ["## Over TCP: `openssl s_time` against a server on each library\n\n"]
    out.append(f"Date: {date}. Command: `{command}`. ")
    out.append("`bench/tcp.sh` runs `bench/tcp_server.c` (one thread, blocking sockets, internal session cache, ")
    out.append("`SSL_OP_NO_TICKET` so TLS 1.2 resumes by session id and TLS 1.3 by stateful tickets, both through the cache, ")
    out.append("`SSL_OP_IGNORE_UNEXPECTED_EOF`, one HTTP/1.0 request and reply per connection) built against each library, ")
    out.append("and drives both with the same client, the system's `openssl s_time -new|-reuse -tls1_2|-tls1_3 -www /` ")
    out.append("over 127.0.0.1. Connections/s: s_time's count over the wall time around it, as the client sees it ")
    out.append("(client and server share the machine's cores). Server CPU: the server's getrusage user+system time ")
    out.append("over the run divided by the connections it handled (for `-reuse` that includes s_time's one full ")
    out.append("handshake before the resumed ones). The resumed rows are checked to resume, by s_time's marks and ")
    out.append("by the server's `SSL_session_reused` count. ")
    out.append(table(ossl, ours, order, "CPU", "server CPU"))
    return "".join(out)


def kept_tcp_rows(section):
    """The chart rows of a kept TCP section's table."""
    rows = []
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip("|").split("|")]
        if line.startswith("| ") and len(cells) == 7 and cells[1].replace(",", "").isdigit():
            num = lambda c: float(c.replace(",", ""))
            rows.append((cells[0], (num(cells[1]), num(cells[4]), 1), (num(cells[2]), num(cells[5]), 1)))
    return rows


def cpu():
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def main():
    args = sys.argv[1:]
    tcp, nginx, apache, keep = None, None, None, False
    while args and args[0].startswith("--"):
        if args[0] == "--tcp":
            tcp, args = (args[1], args[2]), args[3:]
        elif args[0] == "--nginx":
            nginx, args = (args[1], args[2]), args[3:]
        elif args[0] == "--apache":
            apache, args = (args[1], args[2]), args[3:]
        elif args[0] == "--keep-main":
            keep, args = True, args[1:]
        else:
            sys.exit(f"report.py: unknown option {args[0]}")
    date = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    if keep:
        command = " ".join(args)
        head, speed = kept_main()
    else:
        command = " ".join(args[4:])
        head, speed = main_part(args, date)
    tcp_rows = None
    kept_tcp, kept_nginx, kept_apache = kept_sections() if keep else ("", "", "")
    if tcp:
        (t_ossl, t_order), (t_ours, _) = load_tcp(tcp[0]), load_tcp(tcp[1])
        tcp_rows = [(n, t_ossl[n], t_ours[n]) for n in t_order if n in t_ours]
        head += "\n" + tcp_section(t_ossl, t_ours, t_order, command, date)
    elif kept_tcp:
        head += "\n" + kept_tcp
        tcp_rows = kept_tcp_rows(kept_tcp)
    if nginx:
        (n_ossl, n_order), (n_ours, _) = load_tcp(nginx[0]), load_tcp(nginx[1])
        head += "\n" + nginx_section(n_ossl, n_ours, n_order, command, date)
    elif kept_nginx:
        head += "\n" + kept_nginx
    if apache:
        (a_ossl, a_order), (a_ours, _) = load_tcp(apache[0]), load_tcp(apache[1])
        head += "\n" + apache_section(a_ossl, a_ours, a_order, command, date)
    elif kept_apache:
        head += "\n" + kept_apache
    with open("bench/results.md", "w") as f:
        f.write(head)
        f.write("\n![ops/s by operation and library](results.svg)\n")
    chart(speed, tcp_rows)
    print(open("bench/results.md").read())


def main_part(args, date):
    ossl, order = load(args[0])
    ours, _ = load(args[1])
    for extra in args[2:4]:
        o, extra_order = load(extra)
        (ossl if extra == args[2] else ours).update(o)
        if extra == args[2]:
            order += [k for k in extra_order if k not in order]
    command = " ".join(args[4:])
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
    ossl_version = subprocess.run(["openssl", "version"], capture_output=True, text=True).stdout.strip()
    f = io.StringIO()
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
    speed = [(n, 1e9 / float(a.split(" ns")[0]), 1e9 / float(b.split(" ns")[0])) for n, a, b, r, k in rows if k == "speed"]
    return f.getvalue(), speed


def chart(speed, tcp_rows):
    """Horizontal bars: ops/s on a log scale; then, with TCP rows, connections/s and server CPU
    per connection on linear scales."""
    bar, gap, left, width = 9, 8, 430, 420
    height = 40 + len(speed) * (2 * bar + gap) + 30
    if tcp_rows:
        height += 2 * (30 + len(tcp_rows) * (2 * bar + gap))
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
    if tcp_rows:
        panels = (("over TCP, openssl s_time as the client: connections per second (longer is better)", 0, "{:,.0f}"),
                  ("over TCP: server CPU µs per connection (shorter is better)", 1, "{:,.1f}"))
        for title, i, fmt in panels:
            y += 20
            out.append(f'<text x="10" y="{y}" font-size="13" font-weight="bold">{html.escape(title)}</text>')
            y += 10
            peak = max(max(a[i], b[i]) for _, a, b in tcp_rows) * 1.1
            for name, a, b in tcp_rows:
                out.append(f'<text x="{left - 6}" y="{y + bar + 3}" text-anchor="end">{html.escape(name)}</text>')
                for v, color in ((a[i], "#999"), (b[i], "#2a6fdb")):
                    w = width * v / peak
                    out.append(f'<rect x="{left}" y="{y}" width="{w:.1f}" height="{bar}" fill="{color}"/>')
                    out.append(f'<text x="{left + w + 4:.1f}" y="{y + bar - 1}">{fmt.format(v)}</text>')
                    y += bar
                y += gap
    out.append("</svg>")
    open("bench/results.svg", "w").write("\n".join(out) + "\n")


main()
