"""The seminar app loads with no network at all, and its assets really come from the folder.

Three ways: a browser route that lets through only the server; the whole server and browser
inside a network namespace that has only loopback; and, as the negative control, an empty
asset folder, with which the server refuses to start and, forced, the page does not load.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from playwright.sync_api import expect

from sim.seminar.web.server import ServerError, running_server, serve

pytestmark = pytest.mark.e2e

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
OUTER = "test_page_loads_in_network_namespace"
INNER = "SIM_E2E_NETNS_INNER"  # set for the pytest run inside the network namespace
HEADING = "Seminar — facilitator"


def _load_facilitator(page, url: str) -> None:
    page.goto(url + "/")
    expect(page.get_by_role("heading", name=HEADING)).to_be_visible()
    expect(page.get_by_role("button", name="Start session")).to_be_visible()
    page.wait_for_load_state("networkidle")  # late fonts and scripts count too


def test_page_loads_with_network_blocked(seminar_server, offline_page, network_log, shot):
    _load_facilitator(offline_page, seminar_server.url)
    shot(offline_page, "offline_facilitator")
    assert network_log.blocked == []
    assert network_log.failed == []
    assert network_log.errors == []


def _only_loopback() -> bool:
    return [name for _, name in socket.if_nameindex()] == ["lo"]


@pytest.mark.skipif(not os.environ.get(INNER),
                    reason="runs inside `unshare -n`, started for the namespace test (last)")
def test_netns_inner_page_loads(seminar_server, offline_page, network_log, shot):
    assert _only_loopback(), f"not in a loopback-only namespace: {socket.if_nameindex()}"
    _load_facilitator(offline_page, seminar_server.url)
    shot(offline_page, "offline_facilitator_netns")
    assert network_log.problems() == []


def test_empty_asset_folder_refused(tmp_path, capsys):
    empty = tmp_path / "no-assets"
    empty.mkdir()
    assert serve("baseline", 1, None, tmp_path, port=0, assets_dir=empty) == 2
    assert "make seminar-assets" in capsys.readouterr().err
    with pytest.raises(ServerError, match="make seminar-assets"), \
            running_server(assets_dir=empty, folder=tmp_path):
        pass


def test_empty_asset_folder_page_does_not_load(tmp_path, offline_page_factory):
    empty = tmp_path / "no-assets"
    empty.mkdir()
    with running_server(scenario=str(REPO / "tests/data/seminar/seminar_short.toml"),
                        folder=tmp_path / "seminar", assets_dir=empty,
                        check_assets=False) as url:
        page, log = offline_page_factory(url)
        with page.expect_response(lambda r: "/_solara/cdn/" in r.url and r.status >= 400,
                                  timeout=20_000):
            page.goto(url + "/")
        expect(page.get_by_role("heading", name=HEADING)).not_to_be_visible()
    assert log.blocked == []  # it failed because the folder is empty, not the route
    assert list(empty.iterdir()) == []  # and nothing was fetched into it


class NetnsRun:
    """The inner pytest run, in a new network namespace where only loopback is up."""

    def __init__(self, out: Path):
        self.out, self.proc, self.problem = out, None, None
        unshare, ip = shutil.which("unshare"), shutil.which("ip") or "/usr/sbin/ip"
        probe = subprocess.run([unshare, "-n", "true"], capture_output=True, text=True,
                               check=False) if unshare else None
        if probe is None or probe.returncode != 0:
            self.problem = ("cannot make a network namespace (`unshare -n` needs root or user "
                            "namespaces): "
                            + (probe.stderr.strip() if probe else "unshare not found"))
            return
        cmd = [unshare, "-n", "sh", "-c", f'"{ip}" link set lo up && exec "$@"', "sh",
               sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
               "--confcutdir", str(HERE), str(Path(__file__).relative_to(REPO)),
               "-k", "netns_inner"]
        with open(out, "w") as f:
            self.proc = subprocess.Popen(cmd, cwd=REPO, env=dict(os.environ, **{INNER: "1"}),
                                         stdout=f, stderr=subprocess.STDOUT,
                                         start_new_session=True)

    def result(self, timeout: float = 120) -> tuple[int, str]:
        assert self.proc is not None
        try:
            code = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.stop()
            code = -1
        return code, self.out.read_text(errors="replace")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()


@pytest.fixture(scope="module", autouse=True)
def netns_run(request, tmp_path_factory):
    """Started before this module's first test and read by the namespace test (last), so
    its ~12 s overlap the other tests instead of adding to them. Never raises here: a
    problem is reported by the namespace test itself."""
    wanted = any(item.name == OUTER for item in request.session.items)
    if os.environ.get(INNER) or not wanted:
        yield None
        return
    run = NetnsRun(tmp_path_factory.mktemp("netns") / "pytest.out")
    yield run
    run.stop()


@pytest.mark.skipif(bool(os.environ.get(INNER)), reason="already inside the namespace")
def test_page_loads_in_network_namespace(netns_run):
    if netns_run.problem:
        pytest.fail(netns_run.problem, pytrace=False)
    code, out = netns_run.result()
    assert code == 0, f"inner run failed (exit {code}):\n{out[-4000:]}"
    assert re.search(r"\b1 passed\b", out) and "skipped" not in out, out[-4000:]
