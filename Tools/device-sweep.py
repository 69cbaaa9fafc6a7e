#!/usr/bin/env python3
"""Reads the matvec sweep of Tools/device-check.sh (one JSON line per AUGUR_MATVEC value, each
with its verify-cost curve, kernel by kernel), prints a table to stderr and the configuration with
the cheapest 1-token plus 6-token passes on stdout's last line."""
import json
import sys


def main(path):
    rows = []
    for line in open(path):
        try:
            entry = json.loads(line)
        except json.JSONDecodeError:
            continue
        points = {p["tokens"]: p for p in (entry.get("curve") or {}).get("points", [])}
        if 1 not in points or 6 not in points:
            continue
        one = points[1]
        kernels = {}
        for k in one.get("kernels") or []:
            name = k["kernel"].split(" ")[0]
            kernels[name] = kernels.get(name, 0) + k["milliseconds"]
        rows.append((points[1]["seconds"] + points[6]["seconds"], entry["config"], points, kernels))
    if not rows:
        print("no sweep results", file=sys.stderr)
        return
    header = "config | 1 tok ms | ratio 2/4/6/8/12/16 | 1-token GPU ms by kernel"
    print(header, file=sys.stderr)
    for _, config, points, kernels in sorted(rows):
        ratios = "/".join("%.2f" % points[n]["ratio"] for n in (2, 4, 6, 8, 12, 16) if n in points)
        top = ", ".join("%s %.2f" % (k.split("/")[-1], v) for k, v in sorted(kernels.items(), key=lambda kv: -kv[1])[:4])
        print("%s | %.2f | %s | %s" % (config, points[1]["seconds"] * 1000, ratios, top), file=sys.stderr)
    print(min(rows)[1])


if __name__ == "__main__":
    main(sys.argv[1])
