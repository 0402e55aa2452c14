#!/usr/bin/env python3
"""Turns a bench/run results folder into markdown tables with ratios and targets.

    report.py RESULTS_DIR           the side-by-side run
    report.py --scale RESULTS_DIR   the scale run
"""

import json
import os
import sys

OPS = [
    ("get_model", "get model", "read"),
    ("get_latest", "get latest version", "read"),
    ("list_filtered", "list, name filter, first 100", "list"),
    ("create_model", "create model", "write"),
    ("register_version", "register version", "write"),
    ("merge_metadata", "metadata merge", "write"),
]
MLFLOW_OP = {
    "get_model": "registered-models/get",
    "get_latest": "registered-models/get-latest-versions",
    "list_filtered": "registered-models/search (name ILIKE)",
    "create_model": "registered-models/create",
    "register_version": "model-versions/create",
    "merge_metadata": "registered-models/set-tag",
}


def load(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def ms(us):
    return "%.2f" % (us / 1000.0)


def mark(ok):
    return "met" if ok else "**missed**"


def repeats(out, system, op):
    """The c=32 measurements of one operation: the main one, then its repeats."""
    runs = [load(os.path.join(out, system, "%s-c32.json" % op))]
    while True:
        run = load(os.path.join(out, system, "%s-c32-r%d.json" % (op, len(runs) + 1)))
        if not run:
            break
        runs.append(run)
    return [r for r in runs if r]


def spread(runs, key, fmt):
    values = sorted(r[key] for r in runs)
    if not values:
        return "-"
    return "%s / %s / %s" % (fmt(values[0]), fmt(values[len(values) // 2]), fmt(values[-1]))


def print_spread(out):
    """How much rps and p99 at c=32 move between measurements of the same build."""
    rows = []
    rps = lambda v: "%.0f" % v
    for op, label, _ in OPS:
        mine, ceil = repeats(out, "modelreg", op), repeats(out, "ceiling", op)
        if len(mine) > 1 or len(ceil) > 1:
            bad = sum(r["errors"]["status"] + r["errors"]["timeout"] for r in mine)
            rows.append("| %s | %d%s | %s | %s | %d | %s | %s |" % (
                label, len(mine), " (%d errors)" % bad if bad else "",
                spread(mine, "rps", rps), spread(mine, "p99_us", ms),
                len(ceil), spread(ceil, "rps", rps), spread(ceil, "p99_us", ms)))
    noise = load(os.path.join(out, "jitter.json"))
    if not rows and not noise:
        return
    print("\n### Run-to-run spread at c=32, and the machine's noise\n")
    if rows:
        print("The same build measured several times in this run, one after another "
              "(min / median / max):\n")
        print("| operation | modelreg runs | rps | p99 ms | ceiling runs | ceiling rps | ceiling p99 ms |")
        print("|---|---|---|---|---|---|---|")
        for row in rows:
            print(row)
    if noise:
        print("\nCPU noise on the idle machine before the run (`bench-jitter`: %d timed chunks of "
              "fixed CPU work): p50 %.1f us, p90 %.1f, p99 %.1f, p99.9 %.1f, max %.1f us; "
              "%.2f%% of chunks took over 5x the median." % (
                  noise["chunks"], noise["p50_us"], noise["p90_us"], noise["p99_us"],
                  noise["p999_us"], noise["max_us"], 100 * noise["over_5x_median"]))


def main_report(out):
    machine = load(os.path.join(out, "machine.json")) or {}
    print("## Side-by-side run\n")
    print("Machine: %s cores (`nproc`), %s GiB, %s; kernel %s; %s; %s; load average at start %s. "
          "Date: %s. Commit %s%s.\n" % (
        machine.get("nproc"), machine.get("mem_gib"), machine.get("cpu"), machine.get("kernel"),
        machine.get("rustc"), machine.get("wrk"), " ".join(machine.get("loadavg_at_start", [])),
        machine.get("date"), machine.get("commit"),
        " (with uncommitted changes)" if machine.get("dirty") else ""))
    print("| operation | c | modelreg rps | p50 ms | p99 ms | ceiling rps | vs ceiling | "
          "MLflow rps | MLflow p50 ms | MLflow p99 ms | vs MLflow |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    targets = []
    for op, label, kind in OPS:
        for c in (1, 32):
            r = load(os.path.join(out, "modelreg", "%s-c%d.json" % (op, c)))
            ceil = load(os.path.join(out, "ceiling", "%s-c%d.json" % (op, c)))
            ml = load(os.path.join(out, "mlflow", "%s-c%d.json" % (op, c)))
            if not r:
                print("| %s | %d | (no result) |||||||||" % (label, c))
                continue
            bad = r["errors"]["status"] + r["errors"]["timeout"]
            cells = [label, str(c), "%.0f%s" % (r["rps"], " (%d errors)" % bad if bad else ""),
                     ms(r["p50_us"]), ms(r["p99_us"])]
            if ceil:
                cells += ["%.0f" % ceil["rps"], "%.0f%%" % (100 * r["rps"] / ceil["rps"])]
            else:
                cells += ["-", "-"]
            if ml:
                mbad = ml["errors"]["status"] + ml["errors"]["timeout"]
                cells += ["%.1f%s" % (ml["rps"], " (%d errors)" % mbad if mbad else ""),
                          ms(ml["p50_us"]), ms(ml["p99_us"]),
                          "%.0fx" % (r["rps"] / ml["rps"]) if ml["rps"] else "-"]
            else:
                cells += ["-", "-", "-", "-"]
            print("| " + " | ".join(cells) + " |")
            if kind == "read" and ceil:
                targets.append(("%s c=%d: >= 50%% of ceiling rps" % (label, c),
                                "%.0f%%" % (100 * r["rps"] / ceil["rps"]), r["rps"] >= 0.5 * ceil["rps"]))
            if kind in ("read", "write") and ml and ml["rps"]:
                targets.append(("%s c=%d: >= 100x MLflow rps" % (label, c),
                                "%.0fx" % (r["rps"] / ml["rps"]), r["rps"] >= 100 * ml["rps"]))
            if c == 32:
                p99s = [x["p99_us"] for x in repeats(out, "modelreg", op)]
                value = ms(p99s[0]) + " ms"
                if len(p99s) > 1:
                    value += " (all %d runs: %s)" % (len(p99s), ", ".join(ms(p) for p in p99s))
                targets.append(("%s c=32: p99 < 10 ms" % label, value, max(p99s) < 10000))
    print_spread(out)
    print("\nMLflow endpoints: " + "; ".join("%s = `%s`" % (label, MLFLOW_OP[op]) for op, label, _ in OPS) + ".\n")

    print("### Footprint\n")
    print("| what | modelreg | reference |")
    print("|---|---|---|")
    idle = load(os.path.join(out, "modelreg-rss-idle.json"))
    after = load(os.path.join(out, "modelreg-rss-after.json"))
    mlidle = load(os.path.join(out, "mlflow-rss-idle.json"))
    mlafter = load(os.path.join(out, "mlflow-rss-after.json"))
    peaks = []
    for op, _, _ in OPS:
        try:
            peaks.append(int(open(os.path.join(out, "modelreg", "%s-c32.json.rss" % op)).read()))
        except (OSError, ValueError):
            pass
    mlpeaks = []
    for op, _, _ in OPS:
        try:
            mlpeaks.append(int(open(os.path.join(out, "mlflow", "%s-c32.json.rss" % op)).read()))
        except (OSError, ValueError):
            pass
    if idle:
        mib = idle["vmrss_kb"] / 1024
        print("| RSS idle (after start and login) | %.1f MiB | MLflow (all processes): %s |" % (
            mib, "%.0f MiB" % (mlidle["vmrss_kb"] / 1024) if mlidle else "-"))
        targets.append(("RSS idle < 30 MiB", "%.1f MiB" % mib, mib < 30))
    if peaks or after:
        peak = max(peaks + ([after["vmhwm_kb"]] if after else [])) / 1024
        print("| RSS at c=32 (peak VmRSS sampled under load; VmHWM) | %.1f MiB (VmHWM %.1f MiB) | MLflow: %s |" % (
            max(peaks) / 1024 if peaks else 0, after["vmhwm_kb"] / 1024 if after else 0,
            "%.0f MiB" % (max(mlpeaks) / 1024) if mlpeaks else "-"))
        targets.append(("RSS at c=32 < 150 MiB", "%.1f MiB" % peak, peak < 150))
    ml_start = load(os.path.join(out, "mlflow-start.json"))
    for name, label in (("coldstart-empty.json", "cold start to /health, empty data dir (migrations)"),
                        ("coldstart-bench.json", "cold start to /health, benchmark database")):
        cs = load(os.path.join(out, name))
        if cs:
            print("| %s | median %.1f ms (min %.1f, max %.1f) | MLflow: %s |" % (
                label, cs["median_ms"], cs["min_ms"], cs["max_ms"],
                "%.1f s" % (ml_start["cold_start_ms"] / 1000) if ml_start else "-"))
            targets.append(("%s < 200 ms" % label, "%.1f ms" % cs["median_ms"], cs["median_ms"] < 200))
    cli = load(os.path.join(out, "cli.json"))
    if cli:
        for res in cli["results"]:
            print("| CLI `%s` | mean %.1f ms (min %.1f, max %.1f) | |" % (
                res["command"], res["mean"] * 1000, res["min"] * 1000, res["max"] * 1000))
            if res["command"].startswith("model list"):
                targets.append(("CLI %s < 30 ms" % res["command"], "%.1f ms" % (res["mean"] * 1000),
                                res["mean"] < 0.030))

    print("\n### Targets\n")
    print("| target | measured | |")
    print("|---|---|---|")
    for what, value, ok in targets:
        print("| %s | %s | %s |" % (what, value, mark(ok)))


def scale_report(out):
    machine = load(os.path.join(out, "machine.json")) or {}
    print("## Scale run\n")
    print("Machine: %s cores, %s GiB, %s; load average at start %s. Date: %s. Commit %s%s.\n" % (
        machine.get("nproc"), machine.get("mem_gib"), machine.get("cpu"),
        " ".join(machine.get("loadavg_at_start", [])), machine.get("date"),
        machine.get("commit"), " (with uncommitted changes)" if machine.get("dirty") else ""))
    sizes = sorted(int(d.split("-", 1)[1]) for d in os.listdir(out) if d.startswith("scale-") and d[6:].isdigit())
    print("| models (versions) | seed time (growing from the previous size) | db size | cold start median | RSS after the runs (VmHWM) |")
    print("|---|---|---|---|---|")
    for n in sizes:
        d = os.path.join(out, "scale-%d" % n)
        st = load(os.path.join(d, "seed-time.json")) or {}
        cs = load(os.path.join(d, "coldstart.json")) or {}
        rss = load(os.path.join(d, "rss.json")) or {}
        print("| %d (%d) | %.1f s | %.0f MiB | %s ms | %.1f MiB (%.1f MiB) |" % (
            n, n * 10, st.get("ms", 0) / 1000, st.get("db_bytes", 0) / 1048576,
            "%.1f" % cs["median_ms"] if cs else "-",
            rss.get("vmrss_kb", 0) / 1024, rss.get("vmhwm_kb", 0) / 1024))
    print()
    print("| operation | c | " + " | ".join("%d: rps / p50 / p99 ms" % n for n in sizes) + " |")
    print("|---|---|" + "---|" * len(sizes))
    for op, label in (("get_latest", "get latest version"),
                      ("list_broad", "list `name=bert` (1 in 16), first 100"),
                      ("list_selective", "list `name=-0000420` (1 match)")):
        for c in (1, 32):
            cells = []
            for n in sizes:
                r = load(os.path.join(out, "scale-%d" % n, "%s-c%d.json" % (op, c)))
                if r:
                    bad = r["errors"]["status"] + r["errors"]["timeout"]
                    cells.append("%.0f / %s / %s%s" % (r["rps"], ms(r["p50_us"]), ms(r["p99_us"]),
                                                       " (%d errors)" % bad if bad else ""))
                else:
                    cells.append("-")
            print("| %s | %d | %s |" % (label, c, " | ".join(cells)))


if __name__ == "__main__":
    if sys.argv[1] == "--scale":
        scale_report(sys.argv[2])
    else:
        main_report(sys.argv[1])
