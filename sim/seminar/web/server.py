"""Starting the seminar app's Solara server, offline, in the foreground or for tests.

Why a subprocess: `solara run` owns its event loop and reloads the app module in its own
process; `sim seminar` hands its choices over as ``SIM_SEMINAR_*`` variables (read there by
`sim.seminar.web.settings`) and switches off everything in Solara that would reach the
network (record 0007): assets come from a local folder, the CDN is a dead loopback port,
no telemetry, no version check, production mode, no browser opened.
"""

from __future__ import annotations

import contextlib
import ipaddress
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Iterator, Mapping
from functools import cache
from pathlib import Path

from sim.seminar.web.assets import PINNED, default_assets_dir, missing_assets
from sim.seminar.web.settings import SeminarSettings

#: seconds before a disconnected page is dropped (`SeminarSettings.drop_after`)
DEFAULT_DROP_AFTER = SeminarSettings.model_fields["drop_after"].default
APP_FILE = Path(__file__).resolve().with_name("app.py")
#: Nothing listens on port 9 (discard): an asset missing from the folder fails at once,
#: locally, instead of being fetched from a public CDN.
DEAD_CDN = "http://127.0.0.1:9/npm/"
READY_TIMEOUT = 60.0
STOP_GRACE = 10.0


class ServerError(RuntimeError):
    """The server could not be started (assets missing, exited early, never ready)."""


def assets_problem(assets_dir: Path) -> str | None:
    """Why the asset folder cannot serve the app, or None when it can."""
    missing = missing_assets(assets_dir)
    if not missing:
        return None
    what = "none of the" if len(missing) == len(PINNED) else ", ".join(missing) + " of the"
    return (f"the seminar app's offline assets are incomplete: {what} pinned entries "
            f"are in {assets_dir}; run `make seminar-assets` or "
            f"`python -m sim.seminar.web.assets {assets_dir}` (needs npm, once)")


def _absolute_scenario(scenario: str) -> str:
    """A scenario file given relative to here must still be found from the server's folder."""
    p = Path(scenario)
    if p.suffix == ".toml" or p.is_file():
        return str(p.resolve())
    return scenario


@cache
def compile_kernels(scenario: str) -> None:
    """Compile the model's kernels here, once per process, before a server starts.

    numba writes them to its on-disk cache, which the server process then loads in a moment.
    On a fresh install the cache is empty, and the server would otherwise compile inside the
    first turn or cone a facilitator asks for: a long stall in front of the room, and on a
    slow host longer than a browser step waits. A scenario that cannot be built is left to
    the app, which reports it on the page."""
    from sim.core.config_errors import ConfigError
    from sim.runs.cone import cone_of_futures
    from sim.seminar import Session

    try:
        s = Session.create(scenario, 1)
    except ConfigError:
        return
    s.advance_phase()
    s.advance_phase()
    s.resolve_turn()
    cone_of_futures(s.state, s.world, replicates=8, months=2, parameter_sets=2)


def solara_env(*, scenario: str, seed: int | None, session: Path | None,
               folder: Path | None, assets_dir: Path, home: Path,
               base: Mapping[str, str] | None = None,
               drop_after: float | None = None, pins: Path | None = None) -> dict[str, str]:
    """The server's environment: this one, plus the offline switches and the app's choices.

    None leaves a ``SIM_SEMINAR_*`` variable as inherited (the settings' default otherwise).
    """
    env = dict(os.environ if base is None else base)
    env.update(
        SOLARA_TELEMETRY_MIXPANEL_ENABLE="False",
        SOLARA_ASSETS_PROXY_CACHE_DIR=str(Path(assets_dir).resolve()),
        SOLARA_ASSETS_CDN=DEAD_CDN,
        SOLARA_HOME=str(Path(home).resolve()),  # never the user's ~/.solara
        SIM_SEMINAR_SCENARIO=_absolute_scenario(scenario),
        # Plain http on localhost is the intended set-up; Solara's advice about https
        # cookies would only alarm a facilitator reading the console.
        PYTHONWARNINGS="ignore:Cookies with samesite=none require https:UserWarning",
    )
    if seed is not None:
        env["SIM_SEMINAR_SEED"] = str(seed)
    if session is not None:
        env["SIM_SEMINAR_SESSION"] = str(Path(session).resolve())
    if folder is not None:
        env["SIM_SEMINAR_FOLDER"] = str(Path(folder).resolve())
    if drop_after is not None:
        env["SIM_SEMINAR_DROP_AFTER"] = str(drop_after)
    if pins is not None:
        env["SIM_SEMINAR_PINS"] = str(Path(pins).resolve())
    # Solara keeps a disconnected page's context (and its watcher) for this long; its
    # default of a day let dropped laptops slow every click (issue 15).
    env["SOLARA_KERNEL_CULL_TIMEOUT"] = "{:g}s".format(
        float(env.get("SIM_SEMINAR_DROP_AFTER", DEFAULT_DROP_AFTER)))
    return env


def solara_command(host: str, port: int) -> list[str]:
    """The app on Solara's server behind the guard (`sim.seminar.web.asgi`), with every
    network-reaching default switched off by the environment (`solara_env`)."""
    return [sys.executable, "-m", "sim.seminar.web.asgi", "--host", host, "--port", str(port)]


def is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _display_host(host: str) -> str:
    if host in ("0.0.0.0", "::", ""):
        host = socket.gethostname()
    return f"[{host}]" if ":" in host else host


def view_urls(host: str, port: int) -> dict[str, str]:
    """The four views, as the people in the room type them."""
    base = f"http://{_display_host(host)}:{port}"
    return {"facilitator": f"{base}/", "plenary": f"{base}/plenary",
            "team": f"{base}/team/NAME", "analyst": f"{base}/analyst"}


def _stop(proc: subprocess.Popen, first: signal.Signals = signal.SIGTERM) -> int:
    """Signal the server's process group, then kill it if it does not stop in time."""
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, first)
        try:
            proc.wait(STOP_GRACE)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    return proc.returncode


def serve(scenario: str, seed: int | None, session: Path | None, folder: Path | None,
          host: str = "127.0.0.1", port: int = 8765, assets_dir: Path | None = None,
          drop_after: float | None = None, pins: Path | None = None) -> int:
    """Run the app in the foreground until Ctrl-C; the exit status (0 when stopped by Ctrl-C).

    The server runs in its own process group and Ctrl-C (or SIGTERM) is forwarded to it as
    SIGINT, so it shuts down cleanly and is never left running behind this process.
    """
    assets = Path(assets_dir or default_assets_dir())
    problem = assets_problem(assets)
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        return 2
    if not is_loopback(host) and pins is None:
        print(f"error: --host {host} opens the seminar to the network: give a PIN file "
              "with --pins FILE (white, viewer and each team's PIN; see docs/seminar.md)",
              file=sys.stderr)
        return 2
    busy = port_problem(host, port)
    if busy:
        print(f"error: {busy}", file=sys.stderr)
        return 2
    if not is_loopback(host):
        print(f"serving on {host}: pages ask for the PINs of {pins}", file=sys.stderr)
    compile_kernels(_absolute_scenario(scenario))
    for view, url in view_urls(host, port).items():
        print(f"{view:>12}: {url}", flush=True)
    with tempfile.TemporaryDirectory(prefix="sim-solara-home-") as home:
        env = solara_env(scenario=scenario, seed=seed, session=session, folder=folder,
                         assets_dir=assets, home=Path(home), drop_after=drop_after, pins=pins)
        proc = subprocess.Popen(solara_command(host, port), env=env, start_new_session=True)
        return _wait_foreground(proc)


def _wait_foreground(proc: subprocess.Popen) -> int:
    def on_term(signum, frame):
        raise KeyboardInterrupt

    main = threading.current_thread() is threading.main_thread()
    old = signal.signal(signal.SIGTERM, on_term) if main else None
    try:
        return proc.wait()
    except KeyboardInterrupt:
        _stop(proc, signal.SIGINT)
        return 0
    finally:
        if main:
            signal.signal(signal.SIGTERM, old)
        _stop(proc)


def port_problem(host: str, port: int) -> str | None:
    """Why the server could not listen there (checked first: the URLs printed must work)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn does
        try:
            s.bind((host, port))
        except OSError as exc:
            return f"cannot listen on {host}:{port} ({exc.strerror}); choose another --port"
    return None


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def _log_tail(path: Path, chars: int = 3000) -> str:
    try:
        return path.read_text(errors="replace")[-chars:]
    except OSError:
        return "(no server log)"


def wait_ready(url: str, proc: subprocess.Popen, log_path: Path,
               timeout: float = READY_TIMEOUT) -> None:
    """Poll ``/readyz``, never through a proxy from the environment; fail fast on exit."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise ServerError(f"the seminar server exited with status {proc.returncode} "
                              f"before it was ready; its log ends:\n{_log_tail(log_path)}")
        try:
            with opener.open(f"{url}/readyz", timeout=1) as resp:
                if resp.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.1)
    raise ServerError(f"the seminar server was not ready at {url} after {timeout:.0f} s; "
                      f"its log ends:\n{_log_tail(log_path)}")


@contextlib.contextmanager
def running_server(scenario: str = "baseline", seed: int | None = None,
                   session: Path | None = None, folder: Path | None = None,
                   assets_dir: Path | None = None, port: int | None = None,
                   log_path: Path | None = None, check_assets: bool = True,
                   drop_after: float | None = None,
                   settle_seconds: float | None = None,
                   pins: Path | None = None) -> Iterator[str]:
    """A server on 127.0.0.1 (a free port unless given) for tests; yields its base URL.

    ``check_assets=False`` starts it even with an incomplete asset folder: the negative
    control showing the page's assets really come from that folder.
    """
    assets = Path(assets_dir or default_assets_dir())
    problem = assets_problem(assets) if check_assets else None
    if problem:
        raise ServerError(problem)
    port = port or free_port()
    url = f"http://127.0.0.1:{port}"
    compile_kernels(_absolute_scenario(scenario))
    with contextlib.ExitStack() as stack:
        home = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="sim-solara-")))
        log_path = Path(log_path or home / "server.log")
        log = stack.enter_context(open(log_path, "w"))
        env = solara_env(scenario=scenario, seed=seed, session=session, folder=folder,
                         assets_dir=assets, home=home, drop_after=drop_after, pins=pins)
        if settle_seconds is not None:  # tests click faster than people
            env["SIM_SEMINAR_SETTLE_SECONDS"] = str(settle_seconds)
        proc = subprocess.Popen(solara_command("127.0.0.1", port), env=env, stdout=log,
                                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                start_new_session=True)
        stack.callback(_stop, proc)
        wait_ready(url, proc, log_path)
        yield url
