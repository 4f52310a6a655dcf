"""The command line: ``sim run``, ``sim explain``, ``sim params``, ``sim scenarios``, …

A bad input file or value never produces a traceback: the command prints every problem
(file, field, value, what is allowed) and exits with status 2, having written nothing.
"""

from sim.cli import (  # noqa: F401  (each module registers its commands on the app)
    blocs_command,
    calibration_commands,
    run_commands,
    seminar_commands,
    study_commands,
)
from sim.cli.app import app

__all__ = ["app"]

if __name__ == "__main__":
    app()

