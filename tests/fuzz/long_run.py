"""The long fuzz run: at least 10,000 mutated files across scenarios, experiments, sessions
and matrices, with the figures recorded (issue 16).

Prints the outcome counts per kind and every failure, and appends them with the machine to
``benchmarks/results/fuzz.jsonl`` and ``benchmarks/RESULTS.md`` (not with ``--no-record``).
Run: ``.venv/bin/python tests/fuzz/long_run.py [--cases 10000] [--seed 1]``.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

from machine import machine  # noqa: E402

from tests.fuzz.harness import HANG_SECONDS, KINDS, MEMORY_LIMIT, run_cases  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=10_000, help="cases in all, split evenly")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--server-cases", type=int, default=2000,
                        help="requests and websocket connections against a live server")
    parser.add_argument("--no-record", dest="record", action="store_false")
    args = parser.parse_args(argv)
    per_kind = -(-args.cases // len(KINDS))
    started = time.time()
    counts, failures, seconds = {}, [], {}
    with tempfile.TemporaryDirectory(prefix="sim-fuzz-") as folder:
        for kind in KINDS:
            t0 = time.time()
            tally = run_cases(kind, per_kind, args.seed, Path(folder))
            seconds[kind] = round(time.time() - t0, 1)
            counts.update(tally.counts())
            failures += [vars(o) for o in tally.failures()]
            print(f"{kind}: {tally.counts()[kind]} in {seconds[kind]} s", flush=True)
    server = run_server(args.server_cases, args.seed) if args.server_cases else None
    if server and server["failures"]:
        failures += [{"kind": "server", "result": "failure", "mutation": "", "detail": f}
                     for f in server["failures"]]
    total = {r: sum(c.get(r, 0) for c in counts.values())
             for r in ("accepted", "refused", "unnamed", "traceback", "hang", "memory")}
    record = {"benchmark": "fuzz", "machine": machine(), "cases": per_kind * len(KINDS),
              "seed": args.seed, "hang_seconds": HANG_SECONDS,
              "memory_limit_mib": MEMORY_LIMIT // 2**20, "counts": counts, "total": total,
              "seconds": seconds, "wall_seconds": round(time.time() - started, 1),
              "server": server, "failures": failures[:50]}
    print(json.dumps({k: record[k] for k in ("cases", "total", "seconds")}, indent=1))
    for f in failures[:50]:
        print(f"  {f['kind']} {f['result']}: {f['mutation'][:80]} -> {f['detail'][:200]}")
    if args.record:
        out = REPO / "benchmarks"
        (out / "results").mkdir(exist_ok=True)
        with open(out / "results" / "fuzz.jsonl", "a") as fh:
            fh.write(json.dumps(record) + "\n")
        with open(out / "RESULTS.md", "a") as fh:
            fh.write(results_md(record))
    return 1 if failures else 0


def run_server(cases: int, seed: int) -> dict:
    """The server part: a live seminar server on a loopback port, fuzzed."""
    import psutil

    from sim.seminar.web.assets import default_assets_dir
    from sim.seminar.web.server import running_server
    from tests.fuzz.server_fuzz import run_server_cases

    with tempfile.TemporaryDirectory(prefix="sim-fuzz-server-") as folder, \
            running_server(scenario=str(REPO / "tests/data/seminar/seminar_short.toml"),
                           seed=1, folder=Path(folder), assets_dir=default_assets_dir()) as url:
        port = url.rsplit(":", 1)[1]
        (proc,) = [p for p in psutil.process_iter(["cmdline"])
                   if "sim.seminar.web.asgi" in " ".join(p.info["cmdline"] or [])
                   and port in (p.info["cmdline"] or [])]
        t0 = time.time()
        tally = run_server_cases(url, proc, cases, seed)
    out = {"cases": cases, "answers": dict(tally.answers), "websockets": dict(tally.frames),
           "failures": tally.failures, "seconds": round(time.time() - t0, 1)}
    print(f"server: {out['answers']} {out['websockets']} in {out['seconds']} s", flush=True)
    return out


def results_md(r: dict) -> str:
    m = r["machine"]
    lines = [f"\n## Fuzz run, {m['when_utc']}\n",
             f"Machine: {m['cpu']}, {m['cores']} cores, {m['memory_gib']} GiB; Python "
             f"{m['python']}. {r['cases']:,} mutated files (seed {r['seed']}), each loaded "
             f"as its command loads it; a hang is over {r['hang_seconds']} s, a memory "
             f"blow-up a peak growth over {r['memory_limit_mib']} MiB.\n",
             "| kind | accepted | refused, naming the file | refused, not naming it | "
             "traceback | hang | memory | seconds |",
             "|---|---|---|---|---|---|---|---|"]
    for kind, c in r["counts"].items():
        lines.append(f"| {kind} | {c.get('accepted', 0)} | {c.get('refused', 0)} | "
                     f"{c.get('unnamed', 0)} | {c.get('traceback', 0)} | {c.get('hang', 0)} "
                     f"| {c.get('memory', 0)} | {r['seconds'][kind]} |")
    t = r["total"]
    lines.append(f"| all | {t['accepted']} | {t['refused']} | {t['unnamed']} | "
                 f"{t['traceback']} | {t['hang']} | {t['memory']} | {r['wall_seconds']} |\n")
    sv = r.get("server")
    if sv:
        a = dict(sv["answers"])
        grew = a.pop("memory growth MiB", None)
        lines.append(f"The seminar server on a loopback port: {sv['cases']:,} random requests "
                     f"and websocket connections in {sv['seconds']} s. HTTP answers "
                     f"{a}; websockets {sv['websockets']}; memory grew by {grew} MiB; "
                     f"failures (5xx, hangs, growth over 50 MiB, no health check): "
                     f"{len(sv['failures'])}.\n")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
