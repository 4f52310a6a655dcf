"""Fixtures driving the seminar web app in Debian's headless Chromium, with the network cut.

The server runs as a subprocess on a free loopback port (`sim.seminar.web.server`); every
page gets a browser context whose route allows only that server (http and its websocket),
``data:`` and ``blob:``. Anything else is aborted and recorded, as are responses >= 400 and
page errors, and a test using `offline_page` fails if any occurred. No browser is ever
downloaded: Chromium is Debian's package, and `make test` installs it and the asset folder.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from sim.seminar.web.assets import default_assets_dir
from sim.seminar.web.server import assets_problem, running_server

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "results" / "test-artifacts" / "e2e"
SHORT_SCENARIO = "tests/data/seminar/seminar_short.toml"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
VIEWPORT = {"width": 1400, "height": 1000}


def chromium_path() -> str:
    return shutil.which("chromium") or "/usr/bin/chromium"


@dataclass
class SeminarServer:
    url: str
    folder: Path
    log: Path


@dataclass
class NetworkLog:
    """What a page did that an offline page must not do."""

    blocked: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)  # responses >= 400
    errors: list[str] = field(default_factory=list)  # uncaught page errors

    def problems(self) -> list[str]:
        return ([f"blocked {u}" for u in self.blocked] + self.failed
                + [f"page error: {e}" for e in self.errors])


def _allow_only(base_url: str, log: NetworkLog) -> tuple[Callable, Callable]:
    """Route handlers for http(s) and websockets letting through only the server."""
    ws = re.sub(r"^http", "ws", base_url)
    allowed = (base_url + "/", ws + "/", "data:", "blob:")

    def ok(url: str) -> bool:
        return url.startswith(allowed) or url in (base_url, ws)

    def on_request(route) -> None:
        if ok(route.request.url):
            route.continue_()
        else:
            log.blocked.append(route.request.url)
            route.abort()

    def on_websocket(ws_route) -> None:
        if ok(ws_route.url):
            ws_route.connect_to_server()
        else:
            log.blocked.append(ws_route.url)
            ws_route.close()

    return on_request, on_websocket


@pytest.fixture(scope="session")
def assets_dir() -> Path:
    """The offline asset folder; the tests fail (not skip) without it."""
    d = default_assets_dir()
    problem = assets_problem(d)
    if problem:
        pytest.fail(f"{problem}. `make test` builds it before the tests.", pytrace=False)
    return d


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium, headless, launched once; fails (not skips) when missing.

    Every ``expect`` waits up to the step bound `pages.T`, not Playwright's 5 s: with the
    test files spread over the cores (decision record 0017), a first page load on a loaded
    machine took longer than 5 s, while its bound as a step is T."""
    from playwright.sync_api import expect, sync_playwright

    from tests.e2e.pages import T

    expect.set_options(timeout=T)

    exe = chromium_path()
    if not Path(exe).is_file():
        pytest.fail(f"Chromium not found at {exe}: `make test` installs Debian's chromium "
                    "(as root: apt-get install -y chromium)", pytrace=False)
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=exe, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def seminar_scenario() -> str:
    """The scenario the server offers; override in a module (or parametrize indirectly)."""
    return SHORT_SCENARIO


@pytest.fixture(scope="module")
def seminar_drop_after() -> float | None:
    """Seconds before the server drops a disconnected page (None: the app's default)."""
    return None


@pytest.fixture(scope="module")
def seminar_server(seminar_scenario, seminar_drop_after, assets_dir,
                   tmp_path_factory) -> Iterator[SeminarServer]:
    """The app, on a free loopback port, writing into a fresh folder."""
    folder = tmp_path_factory.mktemp("seminar")
    log = tmp_path_factory.mktemp("seminar_log") / "server.log"
    with running_server(scenario=str(REPO / seminar_scenario), seed=1, folder=folder,
                        assets_dir=assets_dir, log_path=log, settle_seconds=0.3,
                        drop_after=seminar_drop_after) as url:
        yield SeminarServer(url=url, folder=folder, log=log)


@pytest.fixture
def offline_page_factory(browser):
    """Make pages cut off from everything but ``base_url``; yields ``make(base_url)``.

    Closes what it made; asserts nothing (the negative control expects failures).
    """
    contexts = []

    def make(base_url: str, log: NetworkLog | None = None):
        log = NetworkLog() if log is None else log
        ctx = browser.new_context(viewport=VIEWPORT, service_workers="block")
        on_request, on_websocket = _allow_only(base_url, log)
        ctx.route("**/*", on_request)
        ctx.route_web_socket(re.compile(".*"), on_websocket)
        page = ctx.new_page()
        page.on("response", lambda r: r.status >= 400 and log.failed.append(
            f"{r.status} {r.url}"))
        page.on("pageerror", lambda e: log.errors.append(str(e)))
        page.set_default_timeout(30_000)
        contexts.append(ctx)
        return page, log

    yield make
    for ctx in contexts:
        ctx.close()


@pytest.fixture
def network_log() -> NetworkLog:
    """What the test's `offline_page` did (asking for it lets a test assert early)."""
    return NetworkLog()


@pytest.fixture
def offline_page(seminar_server, offline_page_factory, network_log):
    """A page on the seminar server (not yet navigated); fails the test on any network use,
    response >= 400 or page error."""
    page, log = offline_page_factory(seminar_server.url, network_log)
    yield page
    assert not log.problems(), "offline page misbehaved:\n" + "\n".join(log.problems())


@pytest.fixture
def shot() -> Callable:
    """``shot(page, name)``: a full-page screenshot kept in results/test-artifacts/e2e/."""

    def take(page, name: str) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take
