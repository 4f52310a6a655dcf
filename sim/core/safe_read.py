"""Reading a user's file without hanging, exhausting memory or leaking a traceback.

Why one reader: a path in a configuration can name anything. ``/dev/zero`` read whole ends
in a MemoryError after seconds; a FIFO blocks forever; a folder raises IsADirectoryError.
Every configuration, session, matrix and data file goes through `read_bounded`, which
opens only regular files, reads at most a stated size, and turns every failure into a
`ConfigError` naming the file and the reason.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from sim.core.problems import ConfigError

MIB = 2**20

#: The largest file of each kind that is read (bytes), and why that size.
LIMITS: dict[str, int] = {
    # a scenario with 40,000 events is about 10 MB: four times that is no hand-written file
    "configuration": 40 * MIB,
    # a seminar of several days logs a few thousand records: well under this
    "session": 64 * MIB,
    # a 1,000 x 1,000 matrix in CSV is about 10 MB
    "matrix": 32 * MIB,
    # the UNGA file is 0.1 MB; a full Voeten export of every dyad-year is about 50 MB
    "data": 128 * MIB,
}


def _size(n: int) -> str:
    return f"{n / MIB:.1f} MiB" if n >= MIB else f"{n} bytes"


def shown(path: Path | str) -> str:
    """The path as a message shows it: at most 200 characters."""
    text = str(path)
    return text if len(text) <= 200 else text[:197] + "..."


def read_bounded(path: Path | str, kind: str = "configuration") -> bytes:
    """The bytes of ``path`` if it is a regular file of at most ``LIMITS[kind]`` bytes;
    otherwise `ConfigError` naming the file and saying why.

    The file is opened non-blocking and checked again once open, so a path swapped for a
    FIFO between the look and the open still cannot block."""
    path = Path(path)
    limit = LIMITS[kind]
    name = shown(path)

    def refuse(reason: str) -> ConfigError:
        return ConfigError(name, [f"{name}: {reason}"])

    try:
        info = path.stat()
    except FileNotFoundError:
        raise refuse("file not found") from None
    except (OSError, ValueError) as exc:  # too long, NUL byte, permissions, a loop ...
        raise refuse(f"cannot be read: {exc}") from None
    if stat.S_ISDIR(info.st_mode):
        raise refuse("is a folder, not a file")
    if not stat.S_ISREG(info.st_mode):
        raise refuse("is not a regular file (a device, FIFO or socket): only regular files "
                     "are read")
    if info.st_size > limit:
        raise refuse(f"is {_size(info.st_size)}: {kind} files above {_size(limit)} are "
                     "refused")
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except (OSError, ValueError) as exc:
        raise refuse(f"cannot be read: {exc}") from None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise refuse("is not a regular file: only regular files are read")
        chunks, total = [], 0
        while True:
            chunk = os.read(fd, min(MIB, limit + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
            if total > limit:
                raise refuse(f"grew beyond {_size(limit)} while being read: {kind} files "
                             "above that are refused")
    except OSError as exc:
        raise refuse(f"cannot be read: {exc}") from None
    finally:
        os.close(fd)
    return b"".join(chunks)


def read_text_bounded(path: Path | str, kind: str = "configuration") -> str:
    """`read_bounded` decoded as UTF-8; a byte-order mark is accepted and dropped (editors
    on Windows write one)."""
    data = read_bounded(path, kind)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        name = shown(path)
        raise ConfigError(name, [f"{name}: not a UTF-8 text file: {exc}"]) from None
