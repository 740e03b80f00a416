"""Reading a request body without taking more than a limit into memory."""

from __future__ import annotations

from fastapi import Request


async def body_within(request: Request, limit: int) -> bytes | None:
    """The raw body, or None as soon as it is known to be longer than `limit` bytes."""
    declared = request.headers.get("content-length", "")
    # More than 15 digits is over any limit, and int() of a huge digit string is slow.
    if declared.isascii() and declared.isdigit() and (len(declared) > 15 or int(declared) > limit):
        return None
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            return None  # stop reading: the rest is never taken into memory
        chunks.append(chunk)
    return b"".join(chunks)
