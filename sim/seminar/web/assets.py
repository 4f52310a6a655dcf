"""The seminar app's front-end assets, packed from npm into a local folder (record 0007).

Why: Solara fetches its JavaScript, CSS and fonts from a public CDN the first time a page asks
for them. The seminar must work with no network, so the exact packages Solara asks for are
packed once, at setup time, into a folder laid out like the CDN (``<name>@<version>/<file>``);
the server is pointed at it (``SOLARA_ASSETS_PROXY_CACHE_DIR``) and at a dead CDN.

Usage: ``python -m sim.seminar.web.assets [DEST]`` (default: inside the virtualenv).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

#: Folder name (the exact string in Solara's asset URLs) -> npm spec packed into it. These are
#: the versions solara 1.64 with ipyvue/ipyvuetify 1.x asks for; vega, vega-lite and
#: vega-embed are asked for by major version only, so a fixed release of that major is packed.
PINNED: dict[str, str] = {
    "@widgetti/solara-vuetify-app@10.1.1": "@widgetti/solara-vuetify-app@10.1.1",
    "requirejs@2.3.6": "requirejs@2.3.6",
    "font-awesome@4.5.0": "font-awesome@4.5.0",
    "@widgetti/vue-grid-layout@2.3.13-alpha.2": "@widgetti/vue-grid-layout@2.3.13-alpha.2",
    "katex@0.16.9": "katex@0.16.9",
    "mermaid@10.8.0": "mermaid@10.8.0",
    "vega@5": "vega@5.33.1",
    "vega-lite@5": "vega-lite@5.23.0",
    "vega-embed@6": "vega-embed@6.29.0",
}

#: Written last, listing the pinned entries; `make` uses it as the folder's target file.
STAMP = ".complete"
#: Inside each entry's folder: the npm spec it was packed from (a changed spec repacks it).
ENTRY_MARK = ".sim-npm-spec"


class AssetsError(RuntimeError):
    """The asset folder could not be built (npm missing or failing, a bad tarball)."""


def default_assets_dir() -> Path:
    """Inside the virtualenv, so one `make clean` removes it with everything else installed."""
    return Path(sys.prefix) / "share" / "sim-solara-cdn"


def stamp_text(pinned: dict[str, str] = PINNED) -> str:
    return "".join(f"{folder} {spec}\n" for folder, spec in pinned.items())


def _entry_complete(dest: Path, folder: str, spec: str) -> bool:
    mark = dest / folder / ENTRY_MARK
    return mark.is_file() and mark.read_text().strip() == spec


def missing_assets(dest: Path, pinned: dict[str, str] = PINNED) -> list[str]:
    """Entries (folder names) not packed, or packed from another spec; empty when usable."""
    return [f for f, spec in pinned.items() if not _entry_complete(Path(dest), f, spec)]


def _npm_pack(spec: str, workdir: Path) -> Path:
    """`npm pack SPEC` into workdir; the tarball's path. Fails naming the package."""
    npm = shutil.which("npm")
    if npm is None:
        raise AssetsError(f"cannot pack {spec}: npm is not installed "
                          "(Debian: apt-get install npm)")
    proc = subprocess.run([npm, "pack", "--silent", spec], cwd=workdir,
                          capture_output=True, text=True, check=False)
    names = proc.stdout.split()
    if proc.returncode != 0 or not names or not (workdir / names[-1]).is_file():
        detail = (proc.stderr.strip() or proc.stdout.strip())[-1500:]
        raise AssetsError(f"npm pack {spec} failed (exit {proc.returncode}): {detail}")
    return workdir / names[-1]


def _extract(tarball: Path, into: Path) -> None:
    """Like `tar xzf --strip-components=1`: npm tarballs hold everything under `package/`."""
    with tarfile.open(tarball, "r:gz") as tar:
        members = []
        for m in tar.getmembers():
            parts = Path(m.name).parts
            if len(parts) < 2:
                continue
            m.name = str(Path(*parts[1:]))
            if m.islnk():  # a hard link names another member, also under `package/`
                m.linkname = str(Path(*Path(m.linkname).parts[1:]))
            members.append(m)
        # the "data" filter refuses absolute paths, "..", links out of the folder, devices
        tar.extractall(into, members=members, filter="data")


def _pack_entry(dest: Path, folder: str, spec: str, workdir: Path) -> None:
    """Pack and extract one entry next to its place, then move it in: never half there."""
    tarball = _npm_pack(spec, workdir)
    target = dest / folder
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=target.parent))
    try:
        try:
            _extract(tarball, staging)
        except (tarfile.TarError, OSError) as exc:
            raise AssetsError(f"unpacking {tarball.name} (from {spec}) failed: {exc}") from exc
        (staging / ENTRY_MARK).write_text(spec + "\n")
        if target.exists():
            shutil.rmtree(target)
        os.replace(staging, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        tarball.unlink(missing_ok=True)


def _remove_dropped(dest: Path, pinned: dict[str, str]) -> list[str]:
    """Entries an older stamp listed that the pinned list no longer has."""
    stamp = dest / STAMP
    old = [ln.split()[0] for ln in stamp.read_text().splitlines() if ln.strip()] \
        if stamp.is_file() else []
    dropped = [f for f in old if f not in pinned and (dest / f / ENTRY_MARK).is_file()]
    for f in dropped:
        shutil.rmtree(dest / f)
    return dropped


def build_assets(dest: Path | None = None, pinned: dict[str, str] = PINNED,
                 log=print) -> Path:
    """Fill ``dest`` with every pinned entry still missing; idempotent; returns ``dest``.

    The stamp is rewritten at the end even when nothing was packed, so `make` sees the folder
    as newer than this file after any edit of the list.
    """
    dest = Path(dest or default_assets_dir()).resolve()
    dest.mkdir(parents=True, exist_ok=True)
    for f in _remove_dropped(dest, pinned):
        log(f"removed {f} (no longer pinned)")
    todo = missing_assets(dest, pinned)
    if todo:
        (dest / STAMP).unlink(missing_ok=True)
        with tempfile.TemporaryDirectory(prefix="sim-npm-pack-") as tmp:
            for folder in todo:
                t0 = time.monotonic()
                _pack_entry(dest, folder, pinned[folder], Path(tmp))
                log(f"{folder} <- {pinned[folder]} ({time.monotonic() - t0:.1f} s)")
    tmp_stamp = dest / f"{STAMP}.tmp"
    tmp_stamp.write_text(stamp_text(pinned))
    os.replace(tmp_stamp, dest / STAMP)
    return dest


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) > 1 or (args and args[0] in ("-h", "--help")):
        print(__doc__.strip().splitlines()[-1])
        return 0 if args and args[0] in ("-h", "--help") else 2
    dest = Path(args[0]) if args else default_assets_dir()
    before = len(missing_assets(dest))
    t0 = time.monotonic()
    try:
        out = build_assets(dest)
    except AssetsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if before:
        print(f"packed {before} of {len(PINNED)} entries into {out} "
              f"in {time.monotonic() - t0:.1f} s")
    else:
        print(f"nothing to do: all {len(PINNED)} entries present in {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
