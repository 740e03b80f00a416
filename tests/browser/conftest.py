"""Browser tests: the real `seatkeeper demo` in a child process, driven through Debian's
Chromium with Playwright, as a person would use the page. Any JavaScript error or console
error fails the test; screenshots are kept under the test's tmp path (and in
SEATKEEPER_SCREENSHOTS when set). `opened` opens such a page on any sandbox, one served in the
test's own process included."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest

playwright = pytest.importorskip("playwright.sync_api")
from playwright.sync_api import Browser, Page, sync_playwright  # noqa: E402

from tests.integration.sandbox_harness import free_port  # noqa: E402

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
VIEWPORT = {"width": 1000, "height": 700}
START_SECONDS = 60
WAIT_MS = 15_000


# Module scope: Playwright's sync API keeps an event loop running in this thread while it is
# open, so it must be closed before other tests call asyncio.run().
@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: apt-get install -y chromium")
    with sync_playwright() as driver:
        launched = driver.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield launched
        launched.close()


@dataclass
class Demo:
    """`seatkeeper demo` running in a child process."""

    url: str
    process: subprocess.Popen[str]
    output: list[str] = field(default_factory=list)


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[Demo]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "SEATKEEPER_"))}
    command = [sys.executable, "-c", "from bot.cli.main import main; raise SystemExit(main())"]
    process = subprocess.Popen(
        [*command, "demo", "--port", str(port)],
        cwd=tmp_path,
        env=env | {"SEATKEEPER_LOG_LEVEL": "WARNING"},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    running = Demo("", process)
    try:
        running.url = _wait_for_url(running)
        yield running
    finally:
        process.send_signal(signal.SIGINT)  # Ctrl-C
        try:
            code = process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            code = process.wait()
        rest = _rest(running)
        if process.stdout is not None:
            process.stdout.close()
        assert code == 0, f"the demo did not stop cleanly ({code}):\n{rest}"


def _wait_for_url(demo: Demo) -> str:
    deadline = time.monotonic() + START_SECONDS
    assert demo.process.stdout is not None
    while time.monotonic() < deadline:
        line = demo.process.stdout.readline()
        if not line and demo.process.poll() is not None:
            raise RuntimeError("the demo exited:\n" + "".join(demo.output))
        demo.output.append(line)
        if "http://127.0.0.1:" in line:
            return line.split()[2]
    raise TimeoutError("the demo printed no URL:\n" + "".join(demo.output))


def _rest(demo: Demo) -> str:
    out = demo.process.stdout.read() if demo.process.stdout else ""
    return "".join(demo.output) + out


class Screenshots:
    """Small screenshots of the page, kept as test artifacts."""

    def __init__(self, page: Page, folders: list[Path], test: str) -> None:
        self.page, self.folders, self.test = page, folders, test
        self.count = 0

    def __call__(self, name: str) -> None:
        self.count += 1
        for folder in self.folders:
            folder.mkdir(parents=True, exist_ok=True)
            self.page.screenshot(path=folder / f"{self.test}-{self.count:02d}-{name}.png")


@contextmanager
def opened(browser: Browser, url: str) -> Iterator[Page]:
    """A new page at `url`; any JavaScript or console error in it fails the test at the end."""
    context = browser.new_context(viewport=VIEWPORT)
    context.set_default_timeout(WAIT_MS)
    opened = context.new_page()
    problems: list[str] = []
    opened.on("pageerror", lambda error: problems.append(f"JavaScript error: {error}"))
    opened.on(
        "console",
        lambda message: (
            problems.append(f"console {message.type}: {message.text}")
            if message.type in ("error", "assert")
            else None
        ),
    )
    opened.goto(url)
    yield opened
    context.close()
    assert problems == [], problems


@pytest.fixture
def page(browser: Browser, demo: Demo) -> Iterator[Page]:
    with opened(browser, demo.url) as running:
        yield running


@pytest.fixture
def shot(page: Page, tmp_path: Path, request: pytest.FixtureRequest) -> Screenshots:
    folders = [tmp_path / "screenshots"]
    if os.environ.get("SEATKEEPER_SCREENSHOTS"):
        folders.append(Path(os.environ["SEATKEEPER_SCREENSHOTS"]))
    return Screenshots(page, folders, request.node.name.removeprefix("test_")[:60])
