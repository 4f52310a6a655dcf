"""Where the package, its data and the repository are, named once.

Why one module: the layered packages sit at different depths, and a path counted in
``parents[k]`` from each file breaks whenever a module moves.
"""

from __future__ import annotations

from pathlib import Path

#: the ``sim`` package folder
PACKAGE_ROOT = Path(__file__).resolve().parents[1]
#: the package's own data: roster, dynamics table, history targets and episodes
DATA_DIR = PACKAGE_ROOT / "data"
#: the repository (a source checkout) or site-packages (an installed wheel)
REPO_ROOT = PACKAGE_ROOT.parent
