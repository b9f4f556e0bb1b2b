#!/usr/bin/env python3
"""Appends one section to bench/RESULTS.md from a hyperfine --export-json file.

section.py JSON RESULTS TITLE NOTE FIGURE...
FIGURE = "numerator / denominator | bar" where bar is "<= 0.3", "< 1" or "-" (for reference);
numerator and denominator are hyperfine command names (-n) from the same run.
"""
import json, sys

json_file, results, title, note, *figures = sys.argv[1:]
res = {r["command"]: r for r in json.load(open(json_file))["results"]}
med = lambda n: res[n]["median"] * 1000
rows = "\n".join(f"| {n} | {r['median']*1000:.1f} | {r['mean']*1000:.1f} ± {r['stddev']*1000:.1f} | {r['min']*1000:.1f} |" for n, r in res.items())
lines = []
for f in figures:
    names, bar = (p.strip() for p in f.split("|"))
    num, den = (p.strip() for p in names.split(" / "))
    ratio = med(num) / med(den)
    if bar == "-":
        verdict, shown = "", "(for reference)"
    else:
        op, limit = bar.split()
        ok = ratio <= float(limit) if op == "<=" else ratio < float(limit)
        verdict, shown = ("met" if ok else "NOT met"), f"{op.replace('<=', '≤')} {limit}×"
    lines.append(f"| {num} / {den} | {ratio:.3f}× | {shown} | {verdict} |")
out = f"""
## {title}
{note}
| command | median ms | mean ± σ ms | min ms |
|---|---|---|---|
{rows}

| figure | measured | bar | |
|---|---|---|---|
""" + "\n".join(lines) + "\n"
open(results, "a").write(out)
print(out)
