"""The hardened seminar server on a loopback port (issue 16, defect 1): a foreign origin
is refused, a hostile frame leaves the server's memory where it was, every asset route is
read-only, a missing asset is answered at once, a malformed request gets a 4xx."""

from __future__ import annotations

import struct
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import psutil
import pytest
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import connect

from sim.seminar.web.server import running_server

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def server(assets_dir, tmp_path_factory):
    from tests.e2e.conftest import REPO, SHORT_SCENARIO

    folder = tmp_path_factory.mktemp("guarded")
    with running_server(scenario=str(REPO / SHORT_SCENARIO), seed=1, folder=folder,
                        assets_dir=assets_dir) as url:
        port = url.rsplit(":", 1)[1]
        (proc,) = [p for p in psutil.process_iter(["cmdline"])
                   if "sim.seminar.web.asgi" in " ".join(p.info["cmdline"] or [])
                   and port in (p.info["cmdline"] or [])]
        yield url, proc


def _request(url: str, method: str = "GET") -> int:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, method=method),
                                    timeout=10) as resp:
            return resp.status
    except urllib.error.HTTPError as exc:
        return exc.code


def _channel(url: str) -> str:
    """A fresh kernel's channel: a page's socket (one kernel id per connection)."""
    kernel = uuid.uuid4().hex
    return url.replace("http://", "ws://") + f"/jupyter/api/kernels/{kernel}/channels" \
        f"?session_id={uuid.uuid4().hex}"


def test_a_foreign_origin_cannot_open_the_game_socket(server):
    url, _ = server
    with pytest.raises(InvalidStatus) as refused:
        connect(_channel(url), origin="http://evil.example", open_timeout=10)
    assert refused.value.response.status_code == 403
    with connect(_channel(url), origin=url, open_timeout=10):
        pass  # the app's own origin opens it


@pytest.mark.parametrize("frame", [struct.pack("!i", 2**31 - 1) + b"\0" * 4,
                                   struct.pack("!i", 500_000_000) + b"\0" * 2044,
                                   b"\0" * (3 * 2**20)])
def test_a_hostile_frame_is_refused_and_memory_stays(server, frame):
    url, proc = server
    before = proc.memory_info().rss
    with connect(_channel(url), open_timeout=10, max_size=None) as ws:
        ws.send(frame)
        with pytest.raises(ConnectionClosed) as closed:
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:  # the app may greet first; then it closes
                ws.recv(timeout=10)
    assert closed.value.rcvd is not None and closed.value.rcvd.code in (1007, 1009)
    time.sleep(0.5)
    assert proc.memory_info().rss - before < 50 * 2**20  # the issue: 0.4 GB to 1 or 5.9 GB
    assert _request(url + "/readyz") == 200  # the server still serves


def test_every_asset_route_is_read_only_and_a_missing_asset_is_answered_at_once(
        server, assets_dir):
    url, _ = server
    folder = next(p for p in Path(assets_dir).iterdir() if p.is_dir() and "@" in p.name
                  and any(c.is_dir() for c in p.iterdir()))
    sub = next(c for c in folder.iterdir() if c.is_dir())
    before = sorted(x.name for x in sub.iterdir())
    for method in ("GET", "POST", "DELETE", "PUT"):
        assert _request(f"{url}/_solara/cdn/{folder.name}/{sub.name}", method) in (404, 405)
    assert sorted(x.name for x in sub.iterdir()) == before  # nothing deleted
    started = time.monotonic()
    assert _request(f"{url}/_solara/cdn/{folder.name}/no-such-file.js") == 404
    assert time.monotonic() - started < 1.0  # not 7 s retrying a dead address
    assert _request(f"{url}/_solara/cdn/requirejs@2.3.6/require.js") == 200


def test_a_malformed_close_is_a_400_not_a_500(server):
    url, _ = server
    assert _request(url + "/_solara/api/close/x", "POST") == 400


def test_fuzzed_requests_and_frames_never_get_a_5xx_nor_grow_memory(server):
    """The fast form of the server fuzz (tests/fuzz/server_fuzz.py): 200 random requests
    and websocket connections; none answered 5xx, none hangs, memory grows < 50 MB."""
    from tests.fuzz.server_fuzz import run_server_cases

    url, proc = server
    tally = run_server_cases(url, proc, 200, seed=7)
    assert not tally.failures, tally.failures[:10]
    assert sum(tally.frames.values()) > 40 and tally.answers["4xx"] > 20
