"""Running the seminar web app: Solara's server behind `sim.seminar.web.guard`.

Why not ``solara run``: it serves Solara's app as it is, and the guard must sit in front of
every request. This does what ``solara run --production`` does for this app (the app file,
production mode, the server's name and port for Solara's own use) and runs uvicorn on the
guarded app, with websocket frames capped at the protocol level too.

Run by `sim.seminar.web.server` as ``python -m sim.seminar.web.asgi --host H --port P``, in
the environment `sim.seminar.web.server.solara_env` builds.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

APP_FILE = Path(__file__).resolve().with_name("app.py")


def build_app():
    """The guarded app; the environment (``SOLARA_*``) must be set before this is called."""
    from solara.server import settings

    from sim.seminar.web.guard import Guard

    settings.main.mode = "production"
    from solara.server.starlette import app as solara_app

    return Guard(solara_app, os.environ["SOLARA_ASSETS_PROXY_CACHE_DIR"])


def main(argv: list[str] | None = None) -> None:
    import uvicorn

    from sim.seminar.web.guard import MAX_FRAME_BYTES

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args(argv)
    # as `solara run` sets them: the app to serve, and the server's address (CGI names)
    os.environ["SOLARA_APP"] = str(APP_FILE)
    os.environ["SERVER_NAME"] = args.host
    os.environ["SERVER_PORT"] = str(args.port)
    print(f"Seminar server is starting at http://{args.host}:{args.port}", flush=True)
    uvicorn.run(build_app(), host=args.host, port=args.port, ws_max_size=MAX_FRAME_BYTES,
                log_level="warning", lifespan="on")


if __name__ == "__main__":
    main()
