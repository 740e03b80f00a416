"""A lean HTTP/1.1 load generator over asyncio streams: open loop at a rate, or closed loop.

httpx costs ~5.6 ms of CPU per request on the benchmark machine, more than the requests it
measures; this client costs ~0.2 ms, so the generator is never what limits the figures. It
speaks only what `POST /slack/events` needs: keep-alive connections, a body with a
Content-Length, and answers with a Content-Length or chunked.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

Request = tuple[bytes, dict[str, str]]  # body, headers
TIMEOUT = 10.0  # seconds one request may take before it counts as an error (Slack waits 3)


@dataclass
class Outcome:
    """What one load phase measured: latencies (s) of the answers 200, errors, its length."""

    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    first_error: str = ""
    wall: float = 0.0

    def fail(self, why: str) -> None:
        self.errors += 1
        self.first_error = self.first_error or why


class Connections:
    """Keep-alive connections to one server, opened as needed and reused when idle."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []

    async def post(self, path: str, request: Request) -> int:
        """POST `request` and return the status; a broken connection is dropped, not reused."""
        reader, writer = self.idle.pop() if self.idle else await self._open()
        try:
            writer.write(_encode(self.host, path, request))
            status = await _answer(reader)
        except BaseException:
            writer.close()
            raise
        self.idle.append((reader, writer))
        return status

    async def _open(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        return await asyncio.open_connection(self.host, self.port)

    def close(self) -> None:
        for _, writer in self.idle:
            writer.close()
        self.idle.clear()


def _encode(host: str, path: str, request: Request) -> bytes:
    body, headers = request
    lines = [f"POST {path} HTTP/1.1", f"Host: {host}", f"Content-Length: {len(body)}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


async def _answer(reader: asyncio.StreamReader) -> int:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    headers = {k.strip().lower(): v.strip() for k, _, v in (h.partition(":") for h in lines[1:])}
    if headers.get("transfer-encoding", "").lower() == "chunked":
        await _chunks(reader)
    else:
        await reader.readexactly(int(headers.get("content-length", "0")))
    return status


async def _chunks(reader: asyncio.StreamReader) -> None:
    while True:
        size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
        await reader.readexactly(size + 2)
        if size == 0:
            return


async def _one(pool: Connections, path: str, request: Request, since: float, out: Outcome) -> None:
    try:
        status = await asyncio.wait_for(pool.post(path, request), TIMEOUT)
    except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError) as exc:
        out.fail(f"{type(exc).__name__}: {exc}")
        return
    if status == 200:
        out.latencies.append(time.perf_counter() - since)
    else:
        out.fail(f"HTTP {status}")


async def open_loop(
    host: str, port: int, path: str, requests: Sequence[Request], rate: float
) -> Outcome:
    """Send each request at its own time (i / rate), whatever the server's answers; a latency
    runs from when the request was due, so a server falling behind shows in full."""
    pool, out, tasks = Connections(host, port), Outcome(), []
    started = time.perf_counter()
    for index, request in enumerate(requests):
        due = started + index / rate
        await asyncio.sleep(max(0.0, due - time.perf_counter()))
        tasks.append(asyncio.create_task(_one(pool, path, request, due, out)))
    await asyncio.gather(*tasks)
    out.wall = time.perf_counter() - started
    pool.close()
    return out


async def closed_loop(
    host: str, port: int, path: str, requests: Sequence[Request], senders: int, seconds: float
) -> Outcome:
    """`senders` clients each send the next request as soon as their last is answered, until
    the requests run out or `seconds` pass."""
    pool, out, queue = Connections(host, port), Outcome(), iter(requests)
    started = time.perf_counter()
    stop = started + seconds

    async def sender() -> None:
        for request in queue:
            if time.perf_counter() > stop:
                return
            await _one(pool, path, request, time.perf_counter(), out)

    await asyncio.gather(*(sender() for _ in range(senders)))
    out.wall = time.perf_counter() - started
    with contextlib.suppress(OSError):
        pool.close()
    return out
