"""The Bolt app: signature checks, de-duplication of deliveries, listeners, one error handler."""

from __future__ import annotations

import logging
import secrets
from typing import Any, TypeGuard
from urllib.parse import urlsplit

from slack_bolt import App, BoltRequest, BoltResponse
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookClient
from sqlalchemy import Engine

from bot.runtime.delivery import RepeatedDelivery, handling, settle
from bot.slack.listeners import Listeners
from bot.slack.parse import delivery_key
from messages import render
from store.deliveries import seen
from workflows.errors import Refused
from workflows.ports import Clock

log = logging.getLogger(__name__)

SLACK_HOOKS = "https://hooks.slack.com/"


class _TokenFromClient(logging.Filter):
    """Bolt reads SLACK_BOT_TOKEN itself and warns that it goes unused when it is given a
    client: the client holds that same token, so the warning is noise in every start-up."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "`token` will be unused" not in record.getMessage()


logging.getLogger("slack_bolt.App").addFilter(_TokenFromClient())


def build_bolt_app(
    *, client: WebClient, signing_secret: str, listeners: Listeners, engine: Engine, clock: Clock
) -> App:
    """A sync Bolt app that answers as soon as a listener returns (it only writes and queues)."""
    app = _OnceApp(
        engine,
        clock,
        client=client,
        signing_secret=signing_secret,
        process_before_response=True,
        token_verification_enabled=False,
        raise_error_for_unhandled_request=False,
    )
    listeners.register(app)
    app.error(_handle_error)
    return app


class _OnceApp(App):
    """Bolt's App handling each Slack delivery once: one seen before is answered and ignored.

    A new one is recorded with the first verb its listener runs (in one transaction with the
    state change), else after the listener. Bolt runs listeners after its middleware has
    returned, so this wraps `dispatch`, which runs both.
    """

    def __init__(self, engine: Engine, clock: Clock, **bolt: Any) -> None:
        super().__init__(**bolt)
        self._engine = engine
        self._clock = clock

    def dispatch(self, req: BoltRequest) -> BoltResponse:
        key = delivery_key(req.body)
        if key is None:
            return super().dispatch(req)
        if seen(self._engine, key):
            log.info("ignoring a repeated Slack delivery %s", key)
            return BoltResponse(status=200, body="")
        with handling(key, self._clock.now()) as delivery:
            response = super().dispatch(req)
        settle(self._engine, delivery)
        return response


def _handle_error(
    error: Exception, body: dict[str, Any], response: BoltResponse | None, client: WebClient
) -> None:
    """Refusals go to the clicker alone; anything else gets a short reference that is logged."""
    if isinstance(error, RepeatedDelivery):  # a retry that raced its first delivery
        log.info("ignoring a repeated Slack delivery %s", error)
        if response is not None:
            response.status, response.body = 200, ""
        return
    if isinstance(error, Refused):
        text = error.message
    elif _slack_error(error) in ("expired_trigger_id", "invalid_trigger_id"):
        text = "Slack took too long to open the form. Please try again."
    else:
        ref = secrets.token_hex(4)
        log.error("listener failed (ref %s)", ref, exc_info=error)
        text = f"Sorry, something went wrong on our side (ref {ref}). Please try again later."
    if response is not None:
        response.status, response.body = 200, ""
    _tell_privately(client, body, text)


def _slack_error(error: Exception) -> str | None:
    if isinstance(error, SlackApiError) and error.response is not None:
        return error.response.get("error")
    return None


def _tell_privately(client: WebClient, body: dict[str, Any], text: str) -> None:
    user = (body.get("user") or {}).get("id") or body.get("user_id")
    if not user:
        return
    message = render.error_message(text)
    if _post_ephemeral(client, body, user, message):
        return
    # Not in that channel (or it is gone): the interaction's response_url still reaches them,
    # but only one at Slack's own address; a body naming another is not followed.
    response_url = body.get("response_url") or next(
        (r.get("response_url") for r in body.get("response_urls") or []), None
    )
    if not (trusted_response_url(response_url, client.base_url) and _reply(response_url, message)):
        log.warning("could not tell %s: %s", user, text)


def _post_ephemeral(client: WebClient, body: dict[str, Any], user: str, message: dict) -> bool:
    channel = (body.get("channel") or {}).get("id") or body.get("channel_id")
    try:
        if not channel:
            channel = client.conversations_open(users=user)["channel"]["id"]
        client.chat_postEphemeral(channel=channel, user=user, **message)
    except (SlackApiError, OSError):
        return False
    return True


def trusted_response_url(url: object, api_url: str) -> TypeGuard[str]:
    """True for a response_url on Slack's hooks origin or on the configured Web API's origin.

    Anything else would have the server POST wherever a body says (a local fake or sandbox
    serves both from SLACK_API_URL's origin).
    """
    origin = _origin(url) if isinstance(url, str) else None
    return origin is not None and origin in {_origin(SLACK_HOOKS), _origin(api_url)}


def _origin(url: str) -> tuple[str, str, int] | None:
    try:
        parts = urlsplit(url)
        port = parts.port or {"https": 443, "http": 80}.get(parts.scheme.lower(), 0)
    except ValueError:
        return None
    if not parts.hostname or parts.username is not None or parts.password is not None:
        return None
    return parts.scheme.lower(), parts.hostname.lower(), port


def _reply(response_url: str, message: dict[str, Any]) -> bool:
    try:
        answer = WebhookClient(response_url, timeout=5).send(**message, response_type="ephemeral")
    except OSError:
        return False
    return answer.status_code == 200
