"""The fast form of the fuzzing harness (tests/fuzz/harness.py): a few hundred mutated
scenario, experiment, session and matrix files each, every one accepted or refused with a
message naming its file; none gives a traceback, a hang or a memory blow-up. The long form
is tests/fuzz/long_run.py (10,000 cases or more, figures recorded in benchmarks/)."""

from __future__ import annotations

import time

import pytest

from sim.core.config_errors import ConfigError
from tests.fuzz.harness import KINDS, run_case, run_cases

#: Cases per kind under `make test`: about 15 s in all on the 2-core machine.
CASES = 250
SEED = 20261128


@pytest.mark.parametrize("kind", KINDS)
def test_every_mutated_file_is_accepted_or_refused_with_its_name(kind, tmp_path):
    tally = run_cases(kind, CASES, SEED, tmp_path)
    failures = tally.failures()
    assert not failures, "\n".join(f"{o.result}: {o.mutation} -> {o.detail}"
                                   for o in failures[:10])
    counts = tally.counts()[kind]
    assert sum(counts.values()) == CASES
    # the mutations reach both sides: some cases pass validation, most are refused
    assert counts.get("accepted", 0) >= 5 and counts.get("refused", 0) >= CASES // 2


def test_the_harness_sees_tracebacks_hangs_and_unnamed_refusals(tmp_path):
    """The oracle itself: a loader that fails in each way is judged so (a harness that
    could not fail would prove nothing)."""
    f = tmp_path / "x.toml"
    f.write_text("x = 1")

    def crash(p):
        raise KeyError("boom")

    def hang(p):
        time.sleep(5)

    def unnamed(p):
        raise ConfigError("elsewhere", ["something is wrong"])

    def named(p):
        raise ConfigError(p, [f"{p}: bad value"])

    assert run_case("scenario", f, crash, "m").result == "traceback"
    assert run_case("scenario", f, hang, "m", limit=1).result == "hang"
    assert run_case("scenario", f, unnamed, "m").result == "unnamed"
    assert run_case("scenario", f, named, "m").result == "refused"
    assert run_case("scenario", f, lambda p: None, "m").result == "accepted"
