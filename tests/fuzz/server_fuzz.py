"""Fuzzing the seminar server's HTTP and websocket routes on a loopback port.

Random requests (methods, paths with traversal and odd encodings, long paths, foreign
origins, bodies) and random websocket frames (bytes, text, binary frames with made-up
buffer tables, oversized frames) are sent, a bounded number of each. The oracle: no answer
is a 5xx, every request is answered within the hang limit, the server still answers its
health check afterwards, and its memory (RSS) grows by less than `MEMORY_GROWTH`.
"""

from __future__ import annotations

import contextlib
import http.client
import random
import struct
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field

MEMORY_GROWTH = 50 * 2**20
HANG_SECONDS = 20

PATHS = ["/", "/plenary", "/team/blue", "/analyst", "/readyz", "/resourcez",
         "/_solara/cdn/", "/_solara/cdn/requirejs@2.3.6/require.js",
         "/_solara/cdn/requirejs@2.3.6/bin", "/_solara/cdn/@widgetti/",
         "/_solara/cdn/../../../etc/passwd", "/_solara/cdn/%2e%2e/%2e%2e/etc/passwd",
         "/_solara/api/close/x", "/_solara/api/evict/x", "/jupyter/api/kernels/x",
         "/static/../../etc/passwd", "/static/public/x", "/static/assets/x",
         "/jupyter/nbextensions/x.js", "/_solara/auth/login"]
METHODS = ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "FOO"]


@dataclass
class ServerTally:
    answers: Counter = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)
    frames: Counter = field(default_factory=Counter)


def _random_path(rng: random.Random) -> str:
    path = rng.choice(PATHS)
    roll = rng.random()
    if roll < 0.2:
        path += "/" + "a" * rng.choice([10, 1000, 7000])
    elif roll < 0.35:
        path += rng.choice(["?session_id=", "?session_id=x", "?%ff=%00", "?" + "a=1&" * 200])
    elif roll < 0.45:
        path += "/" + "".join(rng.choice("%./\\~@:;") for _ in range(rng.randint(1, 40)))
    return path


def http_case(host: str, port: int, rng: random.Random, tally: ServerTally) -> None:
    method, path = rng.choice(METHODS), _random_path(rng)
    headers = {}
    if rng.random() < 0.3:
        headers["Origin"] = rng.choice(["http://evil.example", "null", f"http://{host}:{port}",
                                        "x" * 300])
    if rng.random() < 0.2:
        headers["Content-Type"] = rng.choice(["application/json", "text/plain", "x/y"])
    body = rng.choice([None, b"", b"{}", b"\x00" * 100, b"a" * 100_000]) \
        if method in ("POST", "PUT", "PATCH") else None
    started = time.monotonic()
    conn = http.client.HTTPConnection(host, port, timeout=HANG_SECONDS)
    try:
        conn.request(method, path, body=body, headers=headers)
        status = conn.getresponse().status
    except (OSError, http.client.HTTPException) as exc:
        status = None
        if time.monotonic() - started >= HANG_SECONDS:
            tally.failures.append(f"hang: {method} {path[:80]}")
        else:
            tally.answers[f"connection {type(exc).__name__}"] += 1
    finally:
        conn.close()
    if status is not None:
        tally.answers[f"{status // 100}xx"] += 1
        if status >= 500:
            tally.failures.append(f"{status}: {method} {path[:80]} {headers}")


def _frame(rng: random.Random) -> bytes | str:
    roll = rng.random()
    if roll < 0.25:
        count = rng.choice([0, 1, 2, 64, 65, 2**20, 2**31 - 1, -1])
        table = struct.pack("!i", count) + bytes(rng.randrange(256) for _ in range(
            rng.choice([0, 4, 8, 2044])))
        return table
    if roll < 0.45:
        return bytes(rng.randrange(256) for _ in range(rng.choice([1, 7, 100, 5000])))
    if roll < 0.6:
        return "x" * rng.choice([10, 100_000, 3 * 2**20])
    if roll < 0.8:
        return rng.choice(['{}', '{"header": {}}', '[]', 'null', '{"msg_type": "comm_msg"}',
                           '{"header": {"msg_type": "comm_open"}, "content": {"data": 1}}'])
    return "{" * rng.choice([10, 1000, 100_000])


def websocket_case(url: str, rng: random.Random, tally: ServerTally) -> None:
    from websockets.exceptions import ConnectionClosed, InvalidStatus
    from websockets.sync.client import connect

    ws_url = url.replace("http://", "ws://") + \
        f"/jupyter/api/kernels/{uuid.uuid4().hex}/channels?session_id={uuid.uuid4().hex}"
    origin = rng.choice([None, None, url, "http://evil.example"])
    try:
        with connect(ws_url, origin=origin, open_timeout=HANG_SECONDS, max_size=None,
                     close_timeout=2) as ws:
            for _ in range(rng.randint(1, 3)):
                ws.send(_frame(rng))
            with contextlib.suppress(TimeoutError):
                ws.recv(timeout=0.3)
            tally.frames["connection kept"] += 1
    except InvalidStatus as exc:
        code = exc.response.status_code
        tally.frames[f"handshake {code}"] += 1
        if code >= 500:
            tally.failures.append(f"handshake {code} (origin {origin})")
    except ConnectionClosed as exc:
        code = exc.rcvd.code if exc.rcvd else None
        tally.frames[f"closed {code}"] += 1
    except (OSError, TimeoutError) as exc:
        tally.failures.append(f"websocket {type(exc).__name__}: {exc}")


def run_server_cases(url: str, proc, cases: int, seed: int) -> ServerTally:
    """``cases`` requests and websocket connections against a running server; ``proc`` is
    its psutil process (for its memory)."""
    host, port = url.replace("http://", "").split(":")
    rng = random.Random(seed)
    tally = ServerTally()
    before = proc.memory_info().rss
    for _ in range(cases):
        if rng.random() < 0.6:
            http_case(host, int(port), rng, tally)
        else:
            websocket_case(url, rng, tally)
    time.sleep(1.0)
    grew = proc.memory_info().rss - before
    if grew > MEMORY_GROWTH:
        tally.failures.append(f"memory grew by {grew / 2**20:.0f} MiB")
    conn = http.client.HTTPConnection(host, int(port), timeout=10)
    conn.request("GET", "/readyz")
    if conn.getresponse().status != 200:
        tally.failures.append("the server stopped answering its health check")
    conn.close()
    tally.answers["memory growth MiB"] = round(grew / 2**20)
    return tally
