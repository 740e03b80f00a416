"""The servers the ack benchmark loads, each in its own process, served by uvicorn for real.

- ours:     `seatkeeper serve`'s stack: the composition root, `bot.web.app.create_app` with the
            job worker and scheduler in its lifespan, on a database and the fake Slack.
- baseline: a bare Bolt app on the same uvicorn + FastAPI stack whose listeners only ack.

The parent reads each server's CPU time and memory from /proc: the figures are the server
process's own, not the load generator's.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import socket
import threading
from multiprocessing.connection import Connection

from fastapi import FastAPI, Request, Response
from slack_bolt import Ack, App
from slack_bolt.adapter.fastapi import SlackRequestHandler
from slack_sdk import WebClient

from messages import ids

HOST = "127.0.0.1"
SIGNING_SECRET = "bench-signing-secret"
ADMIN = "U0BENCH00"
START_LIMIT = 60.0  # seconds a server may take to start


def config_text(seats: int) -> str:
    """The benchmarks' `seatkeeper.yml`: one manual app of `seats` seats, owned by the admin."""
    return f"""
slack: {{it_channel: C0BENCH01}}
admins: [{ADMIN}]
apps:
  - key: miro
    name: Miro
    owner: {ADMIN}
    connector: {{type: manual}}
    tiers: [{{key: standard, name: Standard, monthly_price: 10}}]
    contract: {{seats: {seats}, renews_on: 2026-12-31, notice_days: 30}}
"""


CONFIG = config_text(1_000_000)


def environment(database_url: str, slack_url: str, token: str) -> dict[str, str]:
    """The settings a server (and the seeding) reads."""
    return {
        "SLACK_BOT_TOKEN": token,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": slack_url,
        "SEATKEEPER_DATABASE_URL": database_url,
        "SEATKEEPER_LOG_LEVEL": "WARNING",
    }


def _ours(env: dict[str, str]) -> object:
    from bot.bootstrap import build
    from bot.config.loader import parse_config
    from bot.config.settings import settings_from_env
    from bot.web.app import create_app

    config = parse_config(CONFIG, source="bench.yml", env=env)
    container = build(settings_from_env(env), config, env=env)
    return create_app(container, background=True)


def _bare_bolt(env: dict[str, str]) -> FastAPI:
    client = WebClient(token=env["SLACK_BOT_TOKEN"], base_url=env["SLACK_API_URL"])
    bolt = App(
        client=client,
        signing_secret=SIGNING_SECRET,
        process_before_response=True,
        token_verification_enabled=False,
    )

    def only_ack(ack: Ack) -> None:
        ack()

    bolt.action(ids.STEP_APPROVE)(only_ack)
    bolt.command("/license")(only_ack)
    bolt.event("app_home_opened")(only_ack)
    handler = SlackRequestHandler(bolt)
    api = FastAPI(docs_url=None, redoc_url=None)

    @api.post("/slack/events")
    async def slack_events(request: Request) -> Response:
        return await handler.handle(request)

    return api


def _server_main(conn: Connection, kind: str, env: dict[str, str]) -> None:
    """Child process: build the app, serve it on a free port, stop when the parent says so."""
    import logging

    import uvicorn

    logging.basicConfig(level=logging.WARNING)
    app = _ours(env) if kind == "ours" else _bare_bolt(env)
    # IPPROTO_TCP: asyncio sets TCP_NODELAY on accepted sockets only then (no Nagle delays).
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((HOST, 0))
    sock.listen(2048)  # connections made before uvicorn is up wait in the backlog
    config = uvicorn.Config(
        app,  # type: ignore[arg-type]
        log_level="warning",
        access_log=False,
        lifespan="on",
        timeout_keep_alive=60,
    )
    server = uvicorn.Server(config)

    def wait_for_stop() -> None:
        with contextlib.suppress(EOFError, OSError):
            conn.recv()
        server.should_exit = True

    threading.Thread(target=wait_for_stop, daemon=True).start()
    conn.send(sock.getsockname()[1])
    server.run(sockets=[sock])
    sock.close()


class Server:
    """One server in a child process: its port, CPU seconds and memory, read from /proc."""

    def __init__(self, kind: str, env: dict[str, str], start: str = "spawn") -> None:
        """`start` is the multiprocessing start method: "spawn" gives a process that imported
        only what it serves (true memory figures), "fork" one that starts at once."""
        context = multiprocessing.get_context(start)
        self._conn, child = context.Pipe()
        self._process = context.Process(
            target=_server_main, args=(child, kind, env), name=f"server-{kind}", daemon=True
        )
        self._process.start()
        child.close()
        if not self._conn.poll(START_LIMIT):
            self.stop()
            raise RuntimeError(f"the {kind} server did not start")
        self.port: int = self._conn.recv()
        self.pid = self._process.pid or 0

    def cpu(self) -> float:
        """CPU seconds (user + system) the server process used so far."""
        with open(f"/proc/{self.pid}/stat", encoding="ascii") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def memory(self, which: str = "VmRSS") -> float:
        """Resident memory in MB: VmRSS now, or VmHWM (the peak so far)."""
        with open(f"/proc/{self.pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith(which + ":"):
                    return int(line.split()[1]) / 1024
        return float("nan")

    def stop(self) -> None:
        with contextlib.suppress(OSError):
            self._conn.send("stop")
        self._process.join(timeout=15)
        if self._process.is_alive():
            self._process.terminate()
            self._process.join(timeout=5)
        self._conn.close()
