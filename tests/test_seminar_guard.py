"""The seminar server's guard (issue 16, defect 1): foreign origins refused, frames checked
before Solara decodes them, the asset route read-only and quick, malformed requests 4xx.

The guard is tested as an ASGI app around a stand-in for Solara's (fast, exact), and on a
real server on a loopback port (tests/e2e/test_seminar_server_guard.py)."""

from __future__ import annotations

import asyncio
import struct
from concurrent.futures import ThreadPoolExecutor

import pytest

from sim.seminar.web.guard import MAX_FRAME_BYTES, Guard, binary_frame_problem


class Inner:
    """Stands in for Solara's app: records what reached it."""

    def __init__(self):
        self.calls: list[str] = []
        self.received: list[dict] = []

    async def __call__(self, scope, receive, send):
        self.calls.append(scope["type"] + " " + scope.get("path", ""))
        if scope["type"] == "websocket":
            while True:
                message = await receive()
                self.received.append(message)
                if message["type"] == "websocket.disconnect":
                    return
        else:
            await send({"type": "http.response.start", "status": 200, "headers": []})
            await send({"type": "http.response.body", "body": b"inner"})


def _scope(kind: str, path: str, *, origin: str | None = None, method: str = "GET",
           query: bytes | None = None) -> dict:
    if query is None:  # a page's socket carries its session id
        query = b"session_id=p1" if kind == "websocket" else b""
    headers = [(b"host", b"127.0.0.1:8765")]
    if origin is not None:
        headers.append((b"origin", origin.encode()))
    scope = {"type": kind, "path": path, "headers": headers, "query_string": query}
    if kind == "http":
        scope["method"] = method
    return scope


def _run(guard, scope, incoming: list[dict]) -> list[dict]:
    sent: list[dict] = []
    queue = list(incoming)

    async def receive():
        return queue.pop(0) if queue else {"type": "websocket.disconnect", "code": 1000}

    async def send(message):
        sent.append(message)

    # in a thread of its own: the browser tests leave an event loop running in this one
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, guard(scope, receive, send)).result()
    return sent


@pytest.fixture
def assets(tmp_path):
    pkg = tmp_path / "assets" / "requirejs@2.3.6"
    pkg.mkdir(parents=True)
    (pkg / "require.js").write_text("var require;")
    (pkg / "sub").mkdir()
    (pkg / "sub" / "a.css").write_text("a{}")
    (tmp_path / "secret.txt").write_text("secret")
    return tmp_path / "assets"


def _status(sent):
    return next(m["status"] for m in sent if m["type"] == "http.response.start")


def _body(sent):
    return b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")


def test_a_foreign_origin_is_refused_and_the_own_one_passes(assets):
    inner = Inner()
    guard = Guard(inner, assets, pages=dict)
    sent = _run(guard, _scope("websocket", "/jupyter/api/kernels/k/channels",
                              origin="http://evil.example"), [{"type": "websocket.connect"}])
    assert sent == [{"type": "websocket.close", "code": 1008}] and inner.calls == []
    sent = _run(guard, _scope("http", "/_solara/api/close/k", origin="http://evil.example",
                              method="POST", query=b"session_id=s"), [])
    assert _status(sent) == 403 and inner.calls == []
    _run(guard, _scope("websocket", "/jupyter/api/kernels/k/channels",
                       origin="http://127.0.0.1:8765"), [{"type": "websocket.connect"}])
    _run(guard, _scope("websocket", "/jupyter/api/kernels/k/channels"), [])  # no Origin
    assert inner.calls == ["websocket /jupyter/api/kernels/k/channels"] * 2
    sent = _run(guard, _scope("websocket", "/jupyter/api/kernels/k/channels", query=b""),
                [{"type": "websocket.connect"}])
    assert sent == [{"type": "websocket.close", "code": 1008}]  # no session id: not a page


def test_beyond_the_page_limit_a_new_page_is_refused(assets):
    from sim.seminar.web.guard import MAX_PAGES

    live = {f"k{n}": object() for n in range(MAX_PAGES)}
    inner = Inner()
    guard = Guard(inner, assets, pages=lambda: live)
    sent = _run(guard, _scope("websocket", "/jupyter/api/kernels/new/channels"),
                [{"type": "websocket.connect"}])
    assert sent == [{"type": "websocket.close", "code": 1013}] and inner.calls == []
    _run(guard, _scope("websocket", "/jupyter/api/kernels/k3/channels"), [])  # a known page
    assert inner.calls == ["websocket /jupyter/api/kernels/k3/channels"]


def test_binary_frames_are_checked_before_decoding():
    assert binary_frame_problem(struct.pack("!i", 2**31 - 1) + b"\0" * 4) is not None
    assert binary_frame_problem(b"\x00\x01") is not None
    assert binary_frame_problem(struct.pack("!iI", 1, 999) + b"{}") is not None
    good = struct.pack("!iI", 1, 8) + b"{}"
    assert binary_frame_problem(good) is None


@pytest.mark.parametrize("frame, code", [
    ({"bytes": struct.pack("!i", 2**31 - 1) + b"\0" * 4}, 1007),  # the 8-byte frame
    ({"bytes": b"\0" * (MAX_FRAME_BYTES + 1)}, 1009),
    ({"text": "x" * (MAX_FRAME_BYTES + 1)}, 1009),
])
def test_a_bad_frame_closes_the_connection_before_solara_sees_it(assets, frame, code):
    inner = Inner()
    sent = _run(Guard(inner, assets, pages=dict),
                _scope("websocket", "/jupyter/api/kernels/k/channels"),
                [{"type": "websocket.connect"}, {"type": "websocket.receive", **frame}])
    assert {"type": "websocket.close", "code": code} in sent
    assert [m["type"] for m in inner.received] == ["websocket.connect", "websocket.disconnect"]


def test_good_frames_reach_solara(assets):
    inner = Inner()
    good = {"type": "websocket.receive", "bytes": struct.pack("!iI", 1, 8) + b"{}"}
    _run(Guard(inner, assets, pages=dict), _scope("websocket", "/x"),
         [{"type": "websocket.connect"}, good, {"type": "websocket.receive", "text": "{}"}])
    assert good in inner.received and len(inner.received) == 4


def test_the_asset_route_serves_files_read_only(assets):
    guard = Guard(Inner(), assets)
    sent = _run(guard, _scope("http", "/_solara/cdn/requirejs@2.3.6/require.js"), [])
    assert _status(sent) == 200 and _body(sent) == b"var require;"
    headers = dict(next(m for m in sent if m["type"] == "http.response.start")["headers"])
    assert b"immutable" in headers[b"cache-control"]
    for path in ("/_solara/cdn/requirejs@2.3.6/sub",  # a folder: used to be deleted
                 "/_solara/cdn/requirejs@2.3.6/../../secret.txt",
                 "/_solara/cdn/requirejs@2.3.6/%2e%2e/%2e%2e/secret.txt",
                 "/_solara/cdn/requirejs@2.3.6/missing.js", "/_solara/cdn/"):
        assert _status(_run(guard, _scope("http", path), [])) == 404, path
    assert (assets / "requirejs@2.3.6" / "sub" / "a.css").is_file()  # nothing deleted
    sent = _run(guard, _scope("http", "/_solara/cdn/requirejs@2.3.6/require.js",
                              method="DELETE"), [])
    assert _status(sent) == 405


def test_a_close_without_a_session_id_is_a_400(assets):
    inner = Inner()
    guard = Guard(inner, assets)
    assert _status(_run(guard, _scope("http", "/_solara/api/close/x", method="POST"), [])) == 400
    assert inner.calls == []
    _run(guard, _scope("http", "/_solara/api/close/x", method="POST",
                       query=b"session_id=abc"), [])
    assert inner.calls == ["http /_solara/api/close/x"]
