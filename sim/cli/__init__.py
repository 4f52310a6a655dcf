"""The command line: ``sim run``, ``sim explain``, ``sim params``, ``sim scenarios``, …

A bad input file or value never produces a traceback: the command prints every problem
(file, field, value, what is allowed) and exits with status 2, having written nothing.
"""

from importlib import import_module

from sim.cli import ui
from sim.cli.app import app
from sim.core.config_errors import ConfigError

#: Each module registers its commands on the app as it is imported; this order is the
#: order of ``sim --help``: running one scenario first, then studies, fitting, blocs, play.
COMMAND_MODULES = ("run_commands", "study_commands", "calibration_commands",
                   "blocs_command", "seminar_commands")
for _name in COMMAND_MODULES:
    import_module(f"sim.cli.{_name}")

__all__ = ["app", "main"]


def main() -> None:
    """The ``sim`` command: the app, with a last line of defence.

    Every command turns the problems it expects into messages. What it did not expect must
    not reach the user as a traceback either: a failure of the file system (a full disk, a
    folder made read-only, a path that is a file) is reported with its path, and anything
    else with a one-line summary, the traceback going to a log file for a bug report.
    """
    import sys

    try:
        app()
    except ConfigError as exc:  # raised outside a command's own handling (the settings)
        ui.error(str(exc))
        sys.exit(2)
    except OSError as exc:
        where = exc.filename or "a file"
        ui.error(f"{where}: {exc.strerror or exc}; nothing more was written")
        sys.exit(1)
    except (KeyboardInterrupt, SystemExit):
        raise
    except Exception as exc:  # the last line of defence: no traceback on the terminal
        log = _write_crash_log()
        ui.error(f"an internal error stopped the command ({type(exc).__name__}: "
                 f"{str(exc)[:200]}). Please report it with the details in {log}.")
        sys.exit(1)


def _write_crash_log() -> str:
    import tempfile
    import traceback

    fd, path = tempfile.mkstemp(prefix="sim-crash-", suffix=".log")
    with open(fd, "w", encoding="utf-8") as fh:
        fh.write(traceback.format_exc())
    return path


if __name__ == "__main__":
    main()

