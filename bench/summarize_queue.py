#!/usr/bin/python3
"""Summary of bench/queue.sh: exammentor's job queue against the peers' Celery + Redis and
Python SQLite-table queue.

  summarize_queue.py [--headline 2x1:1] [--ratios ratios.json] runs.jsonl [peers runs.jsonl ...]

exammentor lines carry "system": "exammentor" (written by bench/queue.sh); the other lines are
the peers' (queue/celery_bench.py, queue/sqlite_queue.py). Every figure is the median over
the runs, with [min-max]. A run that failed its exactly-once checks (or timed out) is left
out of the medians and listed as FAILED.
"""
import argparse
import json
import statistics
import sys
from collections import OrderedDict

TARGETS = {
    "sqlite_vs_celery": 20.0,     # exammentor SQLite e2e / Celery seed-style e2e
    "sqlite_abs": 25000.0,        # exammentor SQLite e2e jobs/s
    "postgres_vs_celery": 5.0,    # exammentor PostgreSQL e2e / Celery seed-style e2e
}


def load(paths):
    rows = []
    for p in paths:
        with open(p) as f:
            rows += [json.loads(line) for line in f if line.startswith("{")]
    return rows


def med(vals):
    return statistics.median(vals) if vals else None


def fmt_rate(vals):
    if not vals:
        return "-"
    m = med(vals)
    if len(vals) == 1:
        return f"{m:,.0f}"
    return f"{m:,.0f} [{min(vals):,.0f}-{max(vals):,.0f}]"


def fmt_num(vals, nd=3):
    if not vals:
        return "-"
    m = med(vals)
    if len(vals) == 1:
        return f"{m:.{nd}f}"
    return f"{m:.{nd}f} [{min(vals):.{nd}f}-{max(vals):.{nd}f}]"


def em_key(r):
    return (r["backend"], r["workers"], r["concurrency"], r["per_tx"], r.get("batch", 16))


def em_label(k):
    be, w, c, ptx, batch = k
    name = "SQLite" if be == "sqlite" else "PostgreSQL"
    return f"exammentor {name}, {w} workers x{c}, enqueue {ptx}/tx, batch {batch}"


def peer_kind(system):
    if system.startswith("celery-seedstyle"):
        return "celery-seedstyle"
    if system.startswith("celery-lean"):
        return "celery-lean"
    if system.startswith("sqlite-table queue"):
        return "python-sqlite"
    return system


PEER_LABEL = {
    "celery-seedstyle": "Celery+Redis seed-style (results, loglevel=info)",
    "celery-lean": "Celery+Redis lean (no results, loglevel=warning)",
    "python-sqlite": "Python SQLite-table queue (peers)",
}


def rates(rows, secs_key):
    return [r["n"] / r[secs_key] for r in rows if r.get(secs_key, 0) > 0]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--headline", default="2x1:1")
    ap.add_argument("--ratios")
    ap.add_argument("files", nargs="+")
    a = ap.parse_args()
    rows = load(a.files)
    em = [r for r in rows if r.get("system") == "exammentor"]
    peers = [r for r in rows if r.get("system") != "exammentor"]

    groups = OrderedDict()
    for r in em:
        groups.setdefault(em_key(r), []).append(r)
    pgroups = OrderedDict()
    for r in peers:
        pgroups.setdefault(peer_kind(r["system"]), []).append(r)

    n = (em or peers or [{"n": 0}])[0]["n"]
    print(f"QUEUE BENCHMARK  {n:,} no-op jobs per run; median [min-max] over runs; jobs/s = N / seconds")
    print("  end-to-end: workers already running, one producer enqueues, until the N-th job finished")
    print("  drain-only: N already queued, clock from the workers' launch to the last finish")
    print()
    w = 62
    print(f"{'system':{w}s} {'runs':>5s}  {'enqueue jobs/s':24s} {'end-to-end jobs/s':24s} {'e2e s':>6s}  {'drain-only jobs/s':24s}")
    table = OrderedDict()
    failed = []
    for k, rs in groups.items():
        good = [r for r in rs if r.get("ok")]
        failed += [r for r in rs if not r.get("ok")]
        e2e = rates(good, "e2e_s")
        table[k] = {"enqueue": rates(good, "enqueue_s"), "e2e": e2e, "drain": rates(good, "drain_s")}
        runs = f"{len(good)}" + (f"+{len(rs) - len(good)}F" if len(good) < len(rs) else "")
        e2e_s = med([r["e2e_s"] for r in good])
        print(f"{em_label(k):{w}s} {runs:>5s}  {fmt_rate(table[k]['enqueue']):24s} {fmt_rate(e2e):24s} "
              f"{(f'{e2e_s:.3f}' if e2e_s else '-'):>6s}  {fmt_rate(table[k]['drain']):24s}")
    ptable = {}
    for k, rs in pgroups.items():
        ptable[k] = {"enqueue": [r["enqueue_per_s"] for r in rs], "e2e": [r["e2e_per_s"] for r in rs],
                     "drain": [r["drain_per_s"] for r in rs]}
        e2e_s = med([r["e2e_s"] for r in rs])
        print(f"{PEER_LABEL.get(k, k):{w}s} {len(rs):>5d}  {fmt_rate(ptable[k]['enqueue']):24s} "
              f"{fmt_rate(ptable[k]['e2e']):24s} {e2e_s:>6.3f}  {fmt_rate(ptable[k]['drain']):24s}")

    if em:
        print()
        print("exammentor details (same runs; CPU from /proc, USER_HZ=100 so +-0.01 s)")
        print(f"{'configuration':{w}s} {'enq in-DB s':>12s} {'e2e from launch s':>18s} {'drain 1st claim s':>18s} "
              f"{'workers CPU us/job e2e':>23s} {'workers CPU us/job drain':>25s} {'box CPU s e2e/drain':>20s} {'busy before %':>14s} {'warn':>5s}")
        for k, rs in groups.items():
            good = [r for r in rs if r.get("ok")] or rs
            cpu_e = [r["e2e_workers_cpu_s"] / r["n"] * 1e6 for r in good]
            cpu_d = [r["drain_workers_cpu_s"] / r["n"] * 1e6 for r in good]
            box = f"{med([r['e2e_box_cpu_s'] for r in good]):.2f}/{med([r['drain_box_cpu_s'] for r in good]):.2f}"
            busy = max(max(r["busy_before_pct"]) for r in good)
            warn = sum(sum(r["worker_warnings"]) for r in good)
            print(f"{em_label(k):{w}s} {med([r['enqueue_db_s'] for r in good]):>12.3f} "
                  f"{med([r['e2e_wall_s'] for r in good]):>18.3f} {med([r['drain_claim_s'] for r in good]):>18.3f} "
                  f"{med(cpu_e):>23.0f} {med(cpu_d):>25.0f} {box:>20s} {busy:>14.1f} {warn:>5d}")
        dist = [r for r in em if r.get("disturbed")]
        if dist:
            print(f"WARNING: {len(dist)} run(s) were measured while another benchmark still ran (disturbed=true)")
        busy_runs = [r for r in em if max(r["busy_before_pct"]) > 15]
        if busy_runs:
            print(f"WARNING: the machine was more than 15 % busy just before {len(busy_runs)} run(s)")

    print()
    print("EXACTLY ONCE (per run and phase: count(job_runs) = N, count(DISTINCT job_id) = N, max(attempts) = 1, "
          "all succeeded)")
    ok_n = sum(1 for r in em if r.get("ok"))
    print(f"  {ok_n}/{len(em)} exammentor runs passed")
    for r in failed:
        print(f"  FAILED {em_label(em_key(r))} rep {r['rep']}: {r.get('fail', '').strip()}")

    # ratios
    hw, hrest = a.headline.split("x")
    hc, hptx = hrest.split(":")
    out = {"targets": TARGETS, "headline": a.headline, "ratios": [], "table": {}}
    for k, v in table.items():
        out["table"][em_label(k)] = {m: {"median": med(x), "min": min(x) if x else None, "max": max(x) if x else None}
                                     for m, x in v.items()}
    for k, v in ptable.items():
        out["table"][PEER_LABEL.get(k, k)] = {m: {"median": med(x), "min": min(x), "max": max(x)} for m, x in v.items()}

    def head(be):
        for k in table:
            if k[0] == be and k[1] == int(hw) and k[2] == int(hc) and k[3] == int(hptx):
                return k
        return None

    def ratio(name, num, den, target=None, metric="e2e"):
        if not num or not den:
            print(f"  {name:78s} n/a (missing runs)")
            return
        r = med(num) / med(den)
        lo, hi = min(num) / max(den), max(num) / min(den)
        verdict = "" if target is None else ("  PASS" if r >= target else "  MISS") + f" (target >= {target:g})"
        print(f"  {name:78s} {r:7.2f}x  [{lo:.2f}-{hi:.2f}]{verdict}")
        out["ratios"].append({"name": name, "metric": metric, "ratio": r, "min": lo, "max": hi, "target": target,
                              "pass": None if target is None else r >= target})

    print()
    print(f"RATIOS (medians; [worst-best] pairs the extremes) headline exammentor configuration: {a.headline} "
          f"= {hw} worker processes x concurrency {hc}, producer commits {hptx} job(s) per transaction")
    sq, pg = head("sqlite"), head("postgres")
    seed, lean, pys = ptable.get("celery-seedstyle"), ptable.get("celery-lean"), ptable.get("python-sqlite")
    if sq:
        v = med(table[sq]["e2e"])
        verdict = "n/a" if v is None else ("PASS" if v >= TARGETS["sqlite_abs"] else "MISS")
        print(f"  {'exammentor SQLite end-to-end jobs/s (absolute)':78s} {v or 0:7,.0f}   {verdict} (target >= 25,000)")
        out["ratios"].append({"name": "exammentor SQLite end-to-end jobs/s", "metric": "e2e", "ratio": v,
                              "target": TARGETS["sqlite_abs"], "pass": v is not None and v >= TARGETS["sqlite_abs"]})
        ratio("exammentor SQLite e2e / Celery seed-style e2e", table[sq]["e2e"], seed and seed["e2e"],
              TARGETS["sqlite_vs_celery"])
    if pg:
        ratio("exammentor PostgreSQL e2e / Celery seed-style e2e", table[pg]["e2e"], seed and seed["e2e"],
              TARGETS["postgres_vs_celery"])
    if sq:
        ratio("exammentor SQLite e2e / Celery lean e2e", table[sq]["e2e"], lean and lean["e2e"])
        ratio("exammentor SQLite e2e / Python SQLite queue e2e", table[sq]["e2e"], pys and pys["e2e"])
        ratio("exammentor SQLite enqueue / Python SQLite queue enqueue", table[sq]["enqueue"], pys and pys["enqueue"],
              metric="enqueue")
        ratio("exammentor SQLite drain-only / Python SQLite queue drain-only", table[sq]["drain"],
              pys and pys["drain"], metric="drain")
        ratio("exammentor SQLite drain-only / Celery seed-style drain-only", table[sq]["drain"],
              seed and seed["drain"], metric="drain")
    if pg:
        ratio("exammentor PostgreSQL drain-only / Celery seed-style drain-only", table[pg]["drain"],
              seed and seed["drain"], metric="drain")
    others = [k for k in table if k not in (sq, pg)]
    for k in others:
        ratio(f"{em_label(k)} e2e / Celery seed-style", table[k]["e2e"], seed and seed["e2e"])

    if a.ratios:
        with open(a.ratios, "w") as f:
            json.dump(out, f, indent=1)


if __name__ == "__main__":
    sys.exit(main())
