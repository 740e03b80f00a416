"""`seatkeeper demo` and `seatkeeper sandbox`: the app with a local Slack sandbox in place of
Slack, served on loopback, with the job worker and the scheduler as `serve` runs them."""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import errno
import logging
import os
import shutil
import signal
import socket
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import uvicorn
from anyio import to_thread

from bot.cli.config_file import config_file, refusing_invalid_config
from bot.cli.failures import CONFIGURATION, Refusal
from bot.config.settings import Settings
from bot.sandbox.demo import seed, write_demo
from bot.sandbox.server import is_loopback
from bot.sandbox.setup import SandboxApp, base_url, open_sandbox
from workflows.commands import SyncPeople
from workflows.directory import sync_people
from workflows.ports import ConnectorError

GRACE_SECONDS = 3
Prepare = Callable[[SandboxApp], str | None]  # fills the database; says what is off, if any


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """`--host`, `--port` and `--allow-remote`."""
    parser.add_argument(
        "--host", default="127.0.0.1", help="the address to listen on (default: 127.0.0.1)"
    )
    parser.add_argument(
        "--port", type=int, default=8000, help="the port to listen on (default: 8000)"
    )
    parser.add_argument(
        "--allow-remote",
        action="store_true",
        help="listen and answer beyond this machine (it signs requests as Slack for anyone)",
    )


def demo(args: argparse.Namespace, settings: Settings) -> int:
    """Acme, the demo organisation, in a throwaway folder, in the sandbox."""
    _check_host(args)
    with _throwaway("seatkeeper-demo-") as folder:
        today = dt.datetime.now(dt.UTC).date()
        files = write_demo(folder, today=today)
        env = dict(os.environ) | files.env
        database_url = f"sqlite:///{folder / 'seatkeeper.db'}"

        def prepare(app: SandboxApp) -> str | None:
            seed(app.container.runner, today)  # its people, seats and last days' requests
            return None

        return _run(args, files.config, database_url, env, prepare)


def sandbox(args: argparse.Namespace, settings: Settings) -> int:
    """Your own config and directory in the sandbox, vendor calls in dry run."""
    _check_host(args)
    config_file(settings)  # a named file must exist; the starter config is used only when said
    with _throwaway("seatkeeper-sandbox-") as folder:
        own = os.environ.get("SEATKEEPER_DATABASE_URL")
        database_url = own or f"sqlite:///{folder / 'seatkeeper.db'}"
        prepare = _nothing if own else _read_directory
        return _run(args, settings.config_path, database_url, dict(os.environ), prepare)


def _run(
    args: argparse.Namespace,
    config: Path,
    database_url: str,
    env: Mapping[str, str],
    prepare: Prepare,
) -> int:
    logging.getLogger("apscheduler").setLevel(logging.WARNING)  # a line per job run otherwise
    url = base_url(args.host, args.port)
    # The port is taken before anything starts: the app calls Slack's Web API there with the
    # sandbox's bot token, so it must never be someone else's server.
    listener = _listen(args.host, args.port)
    try:
        with refusing_invalid_config():
            app = open_sandbox(config, database_url, url=url, env=env)
    except BaseException:
        listener.close()
        raise
    # A database that cannot be used propagates: `main` says so in one line (exit code 3).
    try:
        problem = prepare(app)
        if problem:
            print(f"seatkeeper: {problem}", file=sys.stderr)
        if not app.add_people():
            print("seatkeeper: nobody in the directory has a Slack user id", file=sys.stderr)
        asgi = app.asgi(background=True, allow_remote=args.allow_remote)
        _exit_on_sigterm()
        # An open page keeps a long poll waiting; on Ctrl-C it is cut short, not waited for.
        served = uvicorn.Config(
            asgi,
            host=args.host,
            port=args.port,
            log_level="warning",  # not a line per request of the page's polling
            log_config=None,  # through the one handler `logs.configure` set up
            timeout_graceful_shutdown=GRACE_SECONDS,
        )
        line = f"Seatkeeper sandbox: {url}/sandbox/ (Ctrl-C stops it)"
        server = _SandboxServer(served, line, stop_first=app.container.background.stop)
        with contextlib.suppress(KeyboardInterrupt):  # Ctrl-C, raised again once it stopped
            server.run(sockets=[listener])
    finally:
        listener.close()
        app.close()
    return 0


def _listen(host: str, port: int) -> socket.socket:
    """A socket bound to `host` and `port` and listening, as uvicorn would bind it; a port in
    use or an address this machine lacks stops the command (exit code 2)."""
    address = host.strip("[]")
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # not refused in TIME_WAIT
        sock.bind((address, port))
        sock.listen()
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise Refusal(
                CONFIGURATION, f"port {port} on {host} is in use; choose another with --port"
            ) from None
        reason = exc.strerror or str(exc)
        raise Refusal(CONFIGURATION, f"cannot listen on {host} port {port}: {reason}") from None
    return sock


class _SandboxServer(uvicorn.Server):
    """A server that says where it is once it listens, so the URL it prints answers at once,
    and that stops the job worker and the scheduler before it stops listening: the app's
    running jobs call the sandbox's Web API on this very server."""

    def __init__(
        self, config: uvicorn.Config, line: str, *, stop_first: Callable[[], None]
    ) -> None:
        super().__init__(config)
        self.line = line
        self.stop_first = stop_first

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        if self.started:
            print(self.line, flush=True)

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        # The lifespan stops them again after the listener closed; by then nothing runs.
        await to_thread.run_sync(self.stop_first)
        await super().shutdown(sockets)


def _exit_on_sigterm() -> None:
    """uvicorn stops gracefully on SIGTERM, then raises it again under the handler it found:
    this one makes that an ordinary exit, so the throwaway folder is still removed."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))


def _check_host(args: argparse.Namespace) -> None:
    """Loopback, or a warning with --allow-remote; else the command stops (exit code 2)."""
    if is_loopback(args.host):
        return
    if not args.allow_remote:
        raise Refusal(
            CONFIGURATION,
            f"the sandbox signs requests as Slack for anyone who can reach it, so it listens on "
            f"this machine only (127.0.0.1), not {args.host}; add --allow-remote to listen there "
            "anyway",
        )
    print(
        f"seatkeeper: warning: anyone who can reach {args.host}:{args.port} can act as any "
        "person in the sandbox and make Slack requests to the app",
        file=sys.stderr,
    )


def _nothing(app: SandboxApp) -> str | None:
    return None


def _read_directory(app: SandboxApp) -> str | None:
    """A fresh database gets its people from the config's directory source (read only)."""
    directory = app.container.directory
    if directory is None:
        return "the config names no directory, so the sandbox has nobody in it"
    try:
        listing = directory.list_people()
    except ConnectorError as exc:
        return f"could not read the directory: {exc}"
    cmd = SyncPeople(listing, provides_org=directory.provides_org, complete=True)
    app.container.runner(sync_people, cmd)
    return None


@contextmanager
def _throwaway(prefix: str) -> Iterator[Path]:
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)
