"""The seminar server's guard: an ASGI layer in front of Solara's app.

Why here and not upstream: the seminar must protect itself whatever its web framework
does, and each of these is a defect of the Solara server this app runs on (decision record
0012 links the upstream code):

- **Cross-origin requests.** A websocket handshake or a POST from a foreign page (any web
  page the facilitator's browser has open) was accepted; the game hub is global to the
  process. Requests whose ``Origin`` is not this server's own are refused (403, or the
  handshake closed with 1008). Requests without an ``Origin`` (not from a browser) pass:
  the origin check protects browsers, the PINs protect the roles.
- **Frames decoded before they are checked.** A binary frame starts with a buffer count
  that Solara used unchecked to build a format string: eight bytes claiming two billion
  buffers took the server from 0.4 to 1 GB for good. Frames above `MAX_FRAME_BYTES`, and
  binary frames whose buffer table does not fit the frame, close the connection (1009,
  1007) before Solara sees them.
- **The asset route could delete and fetch.** ``GET /_solara/cdn/<package>@<version>/<dir>``
  deleted that folder of the packed assets, and a missing asset blocked the request for 7 s
  retrying a dead address. The route is served here, read-only: a regular file inside the
  asset folder, or 404 at once.
- **Malformed requests gave 500.** ``POST /_solara/api/close/<id>`` without a session id
  raised a KeyError; it is answered 400 here, and a websocket without one is refused.
- **A page per connection, kept for minutes.** Each websocket makes a page context that
  lives until it is culled (``--drop-after``); 600 connections in a minute held 200 MB.
  Beyond `MAX_PAGES` live pages a new one is refused (close 1013, try again later).
"""

from __future__ import annotations

import mimetypes
import os
import re
import stat
import struct
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

#: Largest websocket frame taken from a page (bytes): the app's messages are widget state
#: changes of a few kilobytes; a file upload is not among them.
MAX_FRAME_BYTES = 2 * 2**20
#: Most buffers a binary frame may carry (Solara's own frames carry a handful).
MAX_BUFFERS = 64
#: Most live page contexts: a room has a facilitator, a plenary, a dozen team laptops and a
#: few analysts; this leaves room for reloads within the drop-after window.
MAX_PAGES = 64
CDN_PREFIX = "/_solara/cdn/"
#: Routes that need a session id, and answered 400 without one.
SESSION_ROUTES = ("/_solara/api/close/", "/_solara/api/evict/")
_EXACT_VERSION = re.compile(r"@\d+\.\d+\.\d+(?:[-+][\w.]+)?/")

Scope = dict[str, Any]


def binary_frame_problem(frame: bytes) -> str | None:
    """Why a binary frame cannot be Solara's (None if it can): a buffer count, then that
    many offsets, each within the frame and in order."""
    if len(frame) < 4:
        return "shorter than its buffer count"
    (count,) = struct.unpack("!i", frame[:4])
    if not 0 < count <= MAX_BUFFERS:
        return f"buffer count {count} outside 1..{MAX_BUFFERS}"
    table = 4 * (count + 1)
    if table > len(frame):
        return f"{count} buffers do not fit a frame of {len(frame)} bytes"
    offsets = struct.unpack("!" + "I" * count, frame[4:table])
    if any(not table <= o <= len(frame) for o in offsets) or list(offsets) != sorted(offsets):
        return "buffer offsets outside the frame or out of order"
    return None


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return value.decode("latin-1")
    return None


def same_origin(scope: Scope) -> bool:
    """Whether a request may act: no ``Origin`` (not a browser) or this server's own."""
    origin = _header(scope, b"origin")
    if origin is None:
        return True
    host = _header(scope, b"host")
    try:
        parts = urlsplit(origin)
    except ValueError:
        return False
    return host is not None and parts.scheme in ("http", "https") and parts.netloc == host


async def _respond(send, status: int, text: str) -> None:
    body = text.encode("utf-8")
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"text/plain; charset=utf-8"),
                            (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


def _solara_pages() -> dict:
    from solara.server import kernel_context

    return kernel_context.contexts


def _kernel_id(path: str) -> str | None:
    parts = path.split("/")
    return parts[parts.index("kernels") + 1] if "kernels" in parts[:-1] else None


class Guard:
    """The ASGI app that wraps Solara's (see the module's docstring); ``pages`` gives the
    live page contexts by kernel id (Solara's, unless a test gives its own)."""

    def __init__(self, app, assets_dir: Path | str, pages=None):
        self.app = app
        self.assets = Path(assets_dir).resolve()
        self.pages = pages or _solara_pages

    async def __call__(self, scope: Scope, receive, send) -> None:
        kind = scope["type"]
        if kind == "http":
            await self._http(scope, receive, send)
        elif kind == "websocket":
            await self._websocket(scope, receive, send)
        else:
            await self.app(scope, receive, send)

    async def _http(self, scope: Scope, receive, send) -> None:
        path, method = scope.get("path", ""), scope.get("method", "GET")
        if path.startswith(CDN_PREFIX):
            await self._asset(path[len(CDN_PREFIX):], method, send)
            return
        if method not in ("GET", "HEAD", "OPTIONS") and not same_origin(scope):
            await _respond(send, 403, "cross-origin request refused")
            return
        if path.startswith(SESSION_ROUTES) and b"session_id=" not in scope.get(
                "query_string", b""):
            await _respond(send, 400, "session_id is required")
            return
        await self.app(scope, receive, send)

    async def _asset(self, rest: str, method: str, send) -> None:
        """A packed asset, read-only: a regular file inside the asset folder, else 404."""
        if method not in ("GET", "HEAD"):
            await _respond(send, 405, "assets are read-only")
            return
        rest = unquote(rest)
        parts = [p for p in rest.split("/") if p]
        if not parts or any(p in (".", "..") or "\x00" in p for p in parts):
            await _respond(send, 404, "no such asset")
            return
        if len(parts) == 1:  # a package's main file, as Solara stores it
            parts.append("__main.js")
        full = self.assets.joinpath(*parts)
        try:
            resolved = full.resolve()
            info = os.stat(resolved)
        except (OSError, ValueError):
            await _respond(send, 404, "no such asset")
            return
        if not resolved.is_relative_to(self.assets) or not stat.S_ISREG(info.st_mode):
            await _respond(send, 404, "no such asset")
            return
        kind = mimetypes.guess_type(resolved.name)[0] or "application/octet-stream"
        headers = [(b"content-type", kind.encode()),
                   (b"content-length", str(info.st_size).encode())]
        if _EXACT_VERSION.search(rest + "/"):
            headers.append((b"cache-control", b"public, max-age=31536000, immutable"))
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        if method == "HEAD":
            await send({"type": "http.response.body", "body": b""})
            return
        with open(resolved, "rb") as fh:
            while True:
                chunk = fh.read(256 * 1024)
                await send({"type": "http.response.body", "body": chunk,
                            "more_body": bool(chunk)})
                if not chunk:
                    break

    async def _websocket(self, scope: Scope, receive, send) -> None:
        kernel = _kernel_id(scope.get("path", ""))
        code = None
        if not same_origin(scope) or b"session_id=" not in scope.get("query_string", b""):
            code = 1008  # a foreign page, or not a page of this app
        elif kernel is not None and kernel not in self.pages() and \
                len(self.pages()) >= MAX_PAGES:
            code = 1013  # full: try again later, once dropped pages are culled
        if code is not None:
            message = await receive()  # the handshake: refuse it before it is accepted
            if message["type"] == "websocket.connect":
                await send({"type": "websocket.close", "code": code})
            return
        closed = False

        async def checked_receive():
            nonlocal closed
            message = await receive()
            if message["type"] != "websocket.receive" or closed:
                return message
            data = message.get("bytes")
            text = message.get("text")
            size = len(data) if data is not None else len(text or "")
            problem, code = None, 1009
            if size > MAX_FRAME_BYTES:
                problem = f"frame of {size} bytes"
            elif data is not None:
                problem, code = binary_frame_problem(data), 1007
            if problem is None:
                return message
            closed = True
            await send({"type": "websocket.close", "code": code})
            return {"type": "websocket.disconnect", "code": code}

        await self.app(scope, checked_receive, send)
