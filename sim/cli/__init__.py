"""The command line: ``sim run``, ``sim explain``, ``sim params``, ``sim scenarios``, …

A bad input file or value never produces a traceback: the command prints every problem
(file, field, value, what is allowed) and exits with status 2, having written nothing.
"""

from importlib import import_module

from sim.cli.app import app

#: Each module registers its commands on the app as it is imported; this order is the
#: order of ``sim --help``: running one scenario first, then studies, fitting, blocs, play.
COMMAND_MODULES = ("run_commands", "study_commands", "calibration_commands",
                   "blocs_command", "seminar_commands")
for _name in COMMAND_MODULES:
    import_module(f"sim.cli.{_name}")

__all__ = ["app"]

if __name__ == "__main__":
    app()

