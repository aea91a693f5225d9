#!/usr/bin/python3
"""Summarize bench/ingest.sh's runs.jsonl: the ingestion table per file, the search latency,
the robustness check, the server's memory and the target ratios.

  summarize_ingest.py [--meta meta.txt] [--ratios ratios.json] runs.jsonl

Figures are medians [min-max] over the recorded reps. pages/s = the PDF's page count (mutool
info) / seconds. A ratio's bracket pairs the extremes: worst exammentor run / best reference
run, best / worst. An exammentor upload or CLI run that did not end "ready" is listed as
FAILED and kept out of the medians.
"""
import argparse
import json
import os
import re
import statistics
import sys
from collections import OrderedDict

TARGETS = {
    "upload_vs_mutool": 1.0,   # exammentor upload-to-searchable pages/s / mutool draw -F txt pages/s
    "upload_vs_pypdf": 6.0,    # exammentor upload-to-searchable pages/s / PyPDF in-process pages/s
}
OTHERS_WARN = 0.10             # others' CPU above this share of the machine during a system's runs
CORES = os.cpu_count() or 2


def med(v):
    return statistics.median(v) if v else None


def fmt(v, nd=3, grouping=False):
    if not v:
        return "-"
    f = (lambda x: f"{x:,.0f}") if grouping else (lambda x: f"{x:.{nd}f}")
    return f(med(v)) if len(v) == 1 else f"{f(med(v))} [{f(min(v))}-{f(max(v))}]"


def load(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.startswith("{")]


def busy_before(meta):
    if not meta or not os.path.exists(meta):
        return None
    with open(meta) as f:
        m = re.search(r"machine (\d+)% busy before the start", f.read())
    return int(m.group(1)) if m else None


SYSTEMS = OrderedDict([
    ("upload", "exammentor upload -> searchable (API: curl, worker, poll)"),
    ("cli", "exammentor ingest CLI (process wall)"),
    ("cli_inner", "exammentor ingest CLI, its own seconds= (extraction)"),
    ("mutool", "mutool draw -F txt (process wall)"),
    ("pypdf_inproc", "PyPDF in-process extract (peers' pypdf_extract.py)"),
    ("pypdf_cmd", "PyPDF whole command (python3 start + import)"),
])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--meta")
    ap.add_argument("--ratios")
    ap.add_argument("runs")
    a = ap.parse_args()
    rows = load(a.runs)
    out = {"targets": TARGETS, "files": {}, "ratios": [], "search": None, "robustness": {}, "memory": None}
    warnings, failed = [], []

    files = list(OrderedDict.fromkeys(r["file"] for r in rows if r.get("kind") in ("upload", "mutool")))
    reps = sorted({r["rep"] for r in rows if r.get("kind") == "upload"})
    busy = busy_before(a.meta)
    print(f"INGESTION BENCHMARK  {len(reps)} rep(s), interleaved (per rep and file: upload, CLI, mutool, PyPDF); "
          f"median [min-max]; pages/s = pages / seconds")
    gates = [r for r in rows if r.get("kind") == "busy"]
    print(f"  machine {busy if busy is not None else '?'}% busy before the start (meta.txt)"
          + ("; before each step (QUIET_WAIT): " + ", ".join(f"{g['before']} {g['busy_pct']}%" for g in gates)
             if gates else ""))

    secs = {}  # (file, system) -> list of seconds
    for f in files:
        rs = [r for r in rows if r.get("file") == f]
        pages = rs[0]["pages"]
        by = {k: [] for k in SYSTEMS}
        up_ok = []
        for r in rs:
            k = r.get("kind")
            if k == "upload":
                if r.get("status") != "ready":
                    failed.append(f"upload {f} rep {r['rep']}: status {r.get('status')} {r.get('error') or ''}")
                    continue
                if r.get("page_count") != pages:
                    warnings.append(f"upload {f} rep {r['rep']}: exammentor counted {r.get('page_count')} pages, "
                                    f"mutool {pages}")
                up_ok.append(r)
                by["upload"].append(r["e2e_s"])
            elif k == "cli":
                if r.get("status") != "ready" or r.get("rc") != 0:
                    failed.append(f"CLI {f} rep {r['rep']}: rc={r.get('rc')} status {r.get('status')} "
                                  f"{r.get('error_line', '')}")
                    continue
                by["cli"].append(r["wall_s"])
                if r.get("cli_seconds") is not None:
                    by["cli_inner"].append(r["cli_seconds"])
            elif k == "mutool":
                if r.get("rc") != 0:
                    failed.append(f"mutool {f} rep {r['rep']}: rc={r['rc']} {r.get('error_line', '')}")
                    continue
                by["mutool"].append(r["wall_s"])
            elif k == "pypdf":
                if r.get("rc") != 0:
                    failed.append(f"PyPDF {f} rep {r['rep']}: rc={r['rc']} {r.get('error_line', '')}")
                    continue
                by["pypdf_inproc"].append(r["extract_s"])
                by["pypdf_cmd"].append(r["wall_s"])
        for k, v in by.items():
            secs[(f, k)] = v
        print()
        print(f"{f}: {pages} pages")
        w = 58
        print(f"  {'system':{w}s} {'runs':>4s}  {'seconds':26s} {'pages/s':24s}")
        out["files"][f] = {"pages": pages}
        for k, label in SYSTEMS.items():
            v = by[k]
            rate = [pages / s for s in v if s > 0]
            print(f"  {label:{w}s} {len(v):>4d}  {fmt(v):26s} {fmt(rate, grouping=True):24s}")
            out["files"][f][k] = {"seconds": v, "pages_per_s_median": med(rate)}
        if up_ok:
            srv = [r["server_ms"] for r in up_ok if r.get("server_ms") is not None]
            up = [r["upload_s"] * 1000 for r in up_ok]
            curl_in = [r["curl_total_s"] * 1000 for r in up_ok]
            rest = [r["e2e_s"] * 1000 - r["upload_s"] * 1000 - r["server_ms"] for r in up_ok
                    if r.get("server_ms") is not None]
            polls = [r["polls"] for r in up_ok]
            dele = [r["delete_s"] * 1000 for r in up_ok if "delete_s" in r]
            print(f"  upload -> searchable, where the time goes (ms, medians): curl launch to 202 {med(up):.1f} "
                  f"(inside curl {med(curl_in):.1f}); worker extraction (log \"ms\") "
                  f"{med(srv) if srv else float('nan'):.1f}; the rest (queue pick-up, poll) "
                  f"{med(rest) if rest else float('nan'):.1f}; {med(polls):.0f} polls; DELETE {med(dele) if dele else 0:.1f}")
            if srv:
                print(f"  worker extraction alone: {fmt([pages / (x / 1000) for x in srv], grouping=True)} pages/s")
            out["files"][f]["upload_breakdown_ms"] = {"curl": med(up), "inside_curl": med(curl_in),
                                                      "extraction": med(srv), "rest": med(rest), "polls": med(polls)}
        cpu_line = []
        for k, label in (("upload", "uploads"), ("cli", "CLI"), ("mutool", "mutool"), ("pypdf", "PyPDF")):
            rr = [r for r in rs if r.get("kind") == k]
            if not rr:
                continue
            wall = sum(r.get("e2e_s", r.get("wall_s", 0)) for r in rr)
            others = sum(r.get("others_cpu_s", 0) for r in rr)
            own = sum(r.get("srv_cpu_s", 0) + r.get("client_cpu_s", 0) for r in rr)
            cpu_line.append(f"{label} {own / wall:.2f} own / {others / wall:.2f} others")
            if wall > 0 and others / (CORES * wall) > OTHERS_WARN:
                warnings.append(f"{f} {label}: other processes used {100 * others / (CORES * wall):.0f} % of the "
                                f"machine during these runs (others CPU {others:.2f} s over {wall:.2f} s): rerun when "
                                f"the machine is quiet")
        print(f"  CPU cores used during the runs (measured process(es) / everything else): {'; '.join(cpu_line)}")
        rss = []
        for k, label in (("cli", "CLI"), ("mutool", "mutool"), ("pypdf", "PyPDF command")):
            v = [r["maxrss_mb"] for r in rs if r.get("kind") == k and "maxrss_mb" in r]
            if v:
                rss.append(f"{label} {max(v):.1f}")
        print(f"  peak RSS MB: {', '.join(rss)} (the server's: MEMORY below)")

    # search
    corpus = [r for r in rows if r.get("kind") == "search_corpus"]
    srch = next((r for r in rows if r.get("kind") == "search"), None)
    wrk = next((r for r in rows if r.get("name") == "exammentor_search"), None)
    print()
    if srch:
        cp = sum(r.get("page_count") or 0 for r in corpus)
        print(f"SEARCH  {srch['pages_indexed']:,} pages indexed for one account ({len(corpus)} x "
              f"{corpus[0]['file'] if corpus else '?'}, {cp:,} pages counted by exammentor); "
              f"{srch['n']:,} sequential GET /api/search, one keep-alive connection, {srch['queries']} queries rotating")
        print(f"  latency ms: p50 {srch['p50_ms']:.2f}  p90 {srch['p90_ms']:.2f}  p95 {srch['p95_ms']:.2f}  "
              f"p99 {srch['p99_ms']:.2f}  max {srch['max_ms']:.2f}  mean {srch['mean_ms']:.2f}; "
              f"{srch['rps']:,.0f} req/s; errors {srch['errors']}; server CPU {srch['srv_cpu_us_per_req']:,.0f} us/req")
        print("  by query kind (p50 / p99 / max ms): " + "; ".join(
            f"{k} {v['p50_ms']:.2f} / {v['p99_ms']:.2f} / {v['max_ms']:.1f}" for k, v in srch["by_kind"].items()))
        if srch["zero_hit_queries"]:
            print(f"  queries without hits: {', '.join(srch['zero_hit_queries'])}")
        if srch["errors"]:
            warnings.append(f"search: {srch['errors']} non-200 answers")
        if srch.get("others_cpu_s", 0) > OTHERS_WARN * CORES * srch["elapsed_s"]:
            warnings.append(f"search: other processes used {100 * srch['others_cpu_s'] / (CORES * srch['elapsed_s']):.0f}"
                            f" % of the machine during the sequential run")
        out["search"] = {k: srch[k] for k in ("n", "queries", "pages_indexed", "p50_ms", "p90_ms", "p95_ms", "p99_ms",
                                              "max_ms", "mean_ms", "rps", "errors", "srv_cpu_us_per_req")}
    else:
        print("SEARCH  not run")
    if wrk:
        errs = sum(v for v in (wrk.get("errors") or {}).values() if isinstance(v, (int, float)))
        print(f"  wrk -t{wrk.get('threads', '?')} -c{wrk.get('conns', '?')} -d{wrk.get('secs', '?')}s: "
              f"{wrk['rps']:,.0f} req/s, p50 {wrk['p50_ms']:.2f} ms, p90 {wrk['p90_ms']:.2f} ms, "
              f"p99 {wrk['p99_ms']:.2f} ms, max {wrk['max_ms']:.1f} ms, errors {errs}, "
              f"server CPU {wrk['srv_cpu_us_per_req']:,.0f} us/req, wrk CPU {wrk.get('wrk_cpu_s', 0):.2f} s")
        out["search"] = dict(out["search"] or {}, wrk_conns=wrk.get("conns"), wrk_rps=wrk["rps"],
                             wrk_p99_ms=wrk["p99_ms"], wrk_errors=errs)
        if errs:
            warnings.append(f"search wrk: errors {wrk['errors']}")

    # robustness
    re_em = next((r for r in rows if r.get("kind") == "robust_exammentor"), None)
    re_py = next((r for r in rows if r.get("kind") == "robust_pypdf"), None)
    re_mu = next((r for r in rows if r.get("kind") == "robust_mutool"), None)
    if re_em or re_py:
        f = (re_em or re_py)["file"]
        print()
        print(f"ROBUSTNESS  {f}")
        if re_em:
            ok = re_em.get("status") == "ready"
            print(f"  exammentor (API): {re_em.get('status')} pages={re_em.get('page_count')} "
                  f"chunks={re_em.get('chunk_count')} in {re_em['e2e_s']:.3f} s"
                  f"{'' if ok else '  FAILED: ' + str(re_em.get('error'))}  {'PASS' if ok else 'MISS'} (must be ready)")
            out["robustness"]["exammentor_status"] = re_em.get("status")
            if not ok:
                failed.append(f"robustness: exammentor ended {re_em.get('status')}")
        if re_py:
            said = f"fails (rc={re_py['rc']}): {re_py.get('error_line', '')}" if re_py["rc"] else \
                f"extracted {re_py.get('pages')} page(s), {re_py.get('chars')} characters"
            print(f"  PyPDF: {said}")
            out["robustness"]["pypdf_rc"] = re_py["rc"]
            out["robustness"]["pypdf_error"] = re_py.get("error_line")
        if re_mu:
            print(f"  mutool draw -F txt: rc={re_mu['rc']}")

    # memory
    mems = [r for r in rows if r.get("kind") == "memory"]
    mem = None
    if mems:
        per_step = all(m.get("hwm_reset") for m in mems[:-1])
        mem = {"peak_kb": max(m["vmhwm_kb"] for m in mems), "end_rss_kb": mems[-1]["vmrss_kb"],
               "steps": mems, "per_step": per_step}
        top = max(mems, key=lambda m: m["vmhwm_kb"])
        print()
        print(f"MEMORY  exammentor serve (one process): peak RSS (VmHWM) {mem['peak_kb'] / 1024:.1f} MB over the whole run"
              + (f", set by: {top['after']}" if per_step else ""))
        print(f"  {'peak RSS of each step' if per_step else 'peak RSS so far'} / RSS at its end, MB: " + "; ".join(
            f"{m['after']} {m['vmhwm_kb'] / 1024:.1f} / {m['vmrss_kb'] / 1024:.1f}" for m in mems))
        out["memory"] = mem

    # ratios
    print()
    print("RATIOS (medians; [worst-best] pairs the extremes)")

    def ratio(name, num, den, target=None):
        if not num or not den:
            print(f"  {name:80s} n/a (missing runs)")
            return
        r = med(num) / med(den)
        lo, hi = min(num) / max(den), max(num) / min(den)
        verdict = "" if target is None else ("  PASS" if r >= target else "  MISS") + f" (target >= {target:g}x)"
        print(f"  {name:80s} {r:6.2f}x [{lo:.2f}-{hi:.2f}]{verdict}")
        out["ratios"].append({"name": name, "ratio": r, "min": lo, "max": hi, "target": target,
                              "pass": None if target is None else r >= target})

    for f in files:
        pages = out["files"][f]["pages"]
        rate = {k: [pages / s for s in secs[(f, k)] if s > 0] for k in SYSTEMS}
        short = f.replace(".pdf", "")
        ratio(f"{short}: exammentor upload-to-searchable / mutool pages/s", rate["upload"], rate["mutool"],
              TARGETS["upload_vs_mutool"])
        ratio(f"{short}: exammentor upload-to-searchable / PyPDF in-process pages/s", rate["upload"],
              rate["pypdf_inproc"], TARGETS["upload_vs_pypdf"])
        ratio(f"{short}: exammentor ingest CLI (process wall) / mutool pages/s", rate["cli"], rate["mutool"])
        ratio(f"{short}: exammentor ingest CLI (process wall) / PyPDF in-process pages/s", rate["cli"],
              rate["pypdf_inproc"])
    if srch:
        print(f"  {'search p99 over ' + format(srch['pages_indexed'], ',') + ' pages (sequential, keep-alive)':80s} "
              f"{srch['p99_ms']:6.2f} ms (p50 {srch['p50_ms']:.2f}, p95 {srch['p95_ms']:.2f}, max {srch['max_ms']:.1f})")
    if re_em:
        print(f"  {'robustness: ' + re_em['file'] + ' through the API':80s} {re_em.get('status')}"
              f"{' (PyPDF fails on it)' if re_py and re_py['rc'] else ''}")
    if mem:
        print(f"  {'exammentor serve peak RSS (VmHWM), whole run':80s} {mem['peak_kb'] / 1024:6.1f} MB")
        ing = [m for m in mem["steps"] if m["after"] == "ingestion reps"]
        if ing and mem["per_step"]:
            print(f"  {'exammentor serve peak RSS during the ingestion reps':80s} {ing[0]['vmhwm_kb'] / 1024:6.1f} MB")
    print(f"  {'machine busy before the start':80s} {busy if busy is not None else '?'} %")
    out["busy_before_pct"] = busy

    if warnings or failed:
        print()
    for w in warnings:
        print(f"WARNING: {w}")
    for w in failed:
        print(f"FAILED: {w}")
    out["warnings"], out["failed"] = warnings, failed
    if a.ratios:
        with open(a.ratios, "w") as f:
            json.dump(out, f, indent=1)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
