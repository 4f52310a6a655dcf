"""The machine a benchmark ran on, recorded beside its figures."""

from __future__ import annotations

import os
import platform
from datetime import UTC, datetime
from importlib.metadata import version

import numpy as np


def baseline_experiment(replicates: int, points: int, name: str = "bench") -> str:
    """A sweep of the baseline split into ``points`` tasks of ``replicates`` runs each (the
    points differ only in a dummy parameter, so every task is the same model run)."""
    values = [float(v) for v in range(points)]
    return (f'name = "{name}"\nscenarios = ["baseline"]\nseed = 1\nreplicates = {replicates}\n'
            '[design]\nkind = "grid"\n[[parameters]]\nname = "dummy.control"\n'
            f'values = {values}\n[outputs]\ntimes = [12, 60, 120]\ntrajectories = "chosen"\n')


def machine() -> dict:
    cpu = ""
    try:
        with open("/proc/cpuinfo") as fh:
            cpu = next((ln.split(":", 1)[1].strip() for ln in fh if ln.startswith("model name")),
                       "")
    except OSError:
        pass
    mem_gib = None
    try:
        with open("/proc/meminfo") as fh:
            kb = int(next(ln for ln in fh if ln.startswith("MemTotal")).split()[1])
            mem_gib = round(kb / 2**20, 1)
    except (OSError, StopIteration):
        pass
    return {"when_utc": datetime.now(UTC).isoformat(timespec="seconds"),
            "cpu": cpu, "cores": os.cpu_count(), "memory_gib": mem_gib,
            "platform": platform.platform(), "python": platform.python_version(),
            "numpy": np.__version__, "mesa": version("mesa"),
            "package": version("rusiran-sim")}
