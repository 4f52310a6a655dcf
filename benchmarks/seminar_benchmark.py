"""How long the room waits: a seminar turn in the engine and on the page.

Measures, on this machine:
- the engine: one turn (a team's move, the proposals with expected effects, the
  resolution) and its parts, the cone of futures the pages draw, and reopening a session
  of 24 turns by replaying its log;
- the web app, in Debian's headless Chromium against a real server (as tests/e2e): from a
  click on the facilitator's turn control to the facilitator's page showing the next step,
  and to the plenary page (another connection) showing it.

Prints the figures and appends them, with the machine, to ``benchmarks/results/
seminar.jsonl`` and ``benchmarks/RESULTS.md``. Needs `make seminar-assets` and Chromium
(`make test` installs both). Run: ``.venv/bin/python benchmarks/seminar_benchmark.py``.
"""

from __future__ import annotations

import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from machine import machine  # noqa: E402

from sim.seminar import Session  # noqa: E402
from sim.seminar.web.assets import default_assets_dir  # noqa: E402
from sim.seminar.web.server import running_server  # noqa: E402

TURNS = 24
CLICKS = 16


def _ms(seconds: float) -> float:
    return round(1000 * seconds, 1)


def engine(folder: Path) -> dict:
    s = Session.create("baseline", seed=7, path=folder / "bench.json")
    s.assign("IRN", "blue")
    parts: dict[str, list[float]] = {"move": [], "proposals": [], "resolve": [], "turn": []}
    for _ in range(TURNS):
        t0 = time.perf_counter()
        s.submit_move("blue", "IRN", {"RUS": "deepen"})
        t1 = time.perf_counter()
        s.advance_phase()
        s.proposals("blue")
        t2 = time.perf_counter()
        s.advance_phase()
        s.advance_phase()  # resolves and saves
        t3 = time.perf_counter()
        s.advance_phase()  # next turn
        parts["move"].append(t1 - t0)
        parts["proposals"].append(t2 - t1)
        parts["resolve"].append(t3 - t2)
        parts["turn"].append(t3 - t0)
    t0 = time.perf_counter()
    s.cone(replicates=100, months=12)
    cone = time.perf_counter() - t0
    t0 = time.perf_counter()
    Session.load(folder / "bench.json")
    reopen = time.perf_counter() - t0
    out = {f"{k}_median_ms": _ms(statistics.median(v)) for k, v in parts.items()}
    out["turn_max_ms"] = _ms(max(parts["turn"]))
    out["cone_100x12_ms"] = _ms(cone)
    out[f"reopen_{TURNS}_turns_ms"] = _ms(reopen)
    return out


def page(folder: Path) -> dict:
    from playwright.sync_api import expect, sync_playwright

    exe = shutil.which("chromium") or "/usr/bin/chromium"
    # Each view is a window of its own in the room (another laptop, the projector): keep
    # Chromium from throttling the pages that are not in front, as it does hidden tabs.
    args = ["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
            "--disable-background-networking", "--disable-background-timer-throttling",
            "--disable-renderer-backgrounding", "--disable-backgrounding-occluded-windows"]
    with running_server(scenario="baseline", seed=7, folder=folder,
                        assets_dir=default_assets_dir()) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=exe, headless=True, args=args)
        ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
        fac = ctx.new_page()
        t0 = time.perf_counter()
        fac.goto(url)
        start = fac.get_by_role("button", name="Start session")
        expect(start).to_be_visible(timeout=30_000)
        first_load = time.perf_counter() - t0
        start.click()
        control = fac.locator(".turn-control")
        expect(control).to_be_visible(timeout=30_000)
        plenary = ctx.new_page()
        plenary.goto(url + "/plenary")
        status = plenary.locator(".plenary-status")
        expect(status).to_be_visible(timeout=30_000)
        # The facilitator's page in front, as on the facilitator's screen: Chromium delays a
        # tab behind another by about two seconds whatever the flags (measured: 2.1 s).
        fac.bring_to_front()
        own, other = [], []
        for _ in range(CLICKS):
            before = control.text_content()
            shown = status.text_content()
            t0 = time.perf_counter()
            control.click()
            expect(control).not_to_have_text(before, timeout=30_000)
            own.append(time.perf_counter() - t0)
            expect(status).not_to_have_text(shown, timeout=30_000)
            other.append(time.perf_counter() - t0)
        browser.close()
    return {"first_load_ms": _ms(first_load), "clicks": CLICKS,
            "click_to_own_page_median_ms": _ms(statistics.median(own)),
            "click_to_own_page_max_ms": _ms(max(own)),
            "click_to_plenary_median_ms": _ms(statistics.median(other)),
            "click_to_plenary_max_ms": _ms(max(other))}


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        record = {"benchmark": "seminar", "machine": machine(),
                  "engine": engine(Path(tmp)), "page": page(Path(tmp) / "app")}
    print(json.dumps(record, indent=2))
    (HERE / "results").mkdir(exist_ok=True)
    with open(HERE / "results" / "seminar.jsonl", "a") as fh:
        fh.write(json.dumps(record) + "\n")
    e, pg, m = record["engine"], record["page"], record["machine"]
    with open(HERE / "RESULTS.md", "a") as fh:
        fh.write(
            f"\n## Seminar benchmark, {m['when_utc']}\n\n"
            f"Machine: {m['cpu']}, {m['cores']} cores, {m['memory_gib']} GiB; Python "
            f"{m['python']}, NumPy {m['numpy']}.\n\n"
            "| measurement | figure |\n|---|---|\n"
            f"| one turn in the engine (move, proposals with effects, resolution, save), "
            f"median / max of {TURNS} | {e['turn_median_ms']} / {e['turn_max_ms']} ms |\n"
            f"| of which: move / proposals / resolution and save | {e['move_median_ms']} / "
            f"{e['proposals_median_ms']} / {e['resolve_median_ms']} ms |\n"
            f"| cone of futures, 100 continuations x 12 months | {e['cone_100x12_ms']} ms |\n"
            f"| reopening a {TURNS}-turn session (replay of its log) | "
            f"{e[f'reopen_{TURNS}_turns_ms']} ms |\n"
            f"| first load of the facilitator's page (offline assets) | "
            f"{pg['first_load_ms']} ms |\n"
            f"| click on the turn control to the facilitator's page updated, median / max "
            f"of {CLICKS} | {pg['click_to_own_page_median_ms']} / "
            f"{pg['click_to_own_page_max_ms']} ms |\n"
            f"| the same click to the plenary page (another connection) updated | "
            f"{pg['click_to_plenary_median_ms']} / {pg['click_to_plenary_max_ms']} ms |\n")


if __name__ == "__main__":
    main()
