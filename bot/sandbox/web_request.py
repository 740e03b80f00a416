"""A Web API call as it reaches a local stand-in of Slack over HTTP: its body decoded as Slack
decodes it (JSON, or form fields whose JSON-encoded fields become objects), its query string,
and the token, from the `Authorization: Bearer` header or else a `token` argument."""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

JSON_FIELDS = ("blocks", "attachments", "view", "metadata")


@dataclass(frozen=True)
class ApiCall:
    """The arguments of one call (no token), the token, and where the token came."""

    params: dict[str, Any]
    token: str | None
    token_in: str  # "header", "params" or "" (none)


def read_call(
    raw: bytes, content_type: str | None, query: str, authorization: str | None
) -> ApiCall:
    """The call a request makes; raises ValueError with Slack's code for an unreadable body."""
    params = dict(parse_qsl(query)) | decode_body(raw, content_type)
    bearer = (authorization or "").removeprefix("Bearer ").strip()
    given = params.pop("token", None)
    if bearer:
        return ApiCall(params, bearer, "header")
    return ApiCall(params, str(given), "params") if given else ApiCall(params, None, "")


def decode_body(raw: bytes, content_type: str | None) -> dict[str, Any]:
    """JSON or form body to params; JSON-encoded fields (blocks, view...) become objects.

    Raises ValueError carrying the error code Slack gives for an unreadable body.
    """
    content_type = str(content_type or "").split(";")[0].strip().lower()
    if not raw.strip():
        return {}
    if content_type == "application/json":
        try:
            params = json.loads(raw)
        except ValueError:
            raise ValueError("invalid_json") from None
        if not isinstance(params, dict):
            raise ValueError("json_not_object")
    elif content_type in ("application/x-www-form-urlencoded", ""):
        try:
            params = dict(parse_qsl(raw.decode(), keep_blank_values=True, strict_parsing=True))
        except ValueError:
            raise ValueError("invalid_form_data") from None
    else:
        raise ValueError("invalid_post_type")  # e.g. multipart: files.* are not faked
    for field in JSON_FIELDS:
        if isinstance(params.get(field), str):
            with contextlib.suppress(ValueError):  # left as a string: validation reports it
                params[field] = json.loads(params[field])
    return params
