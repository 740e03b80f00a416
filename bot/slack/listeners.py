"""Bolt listeners: parse, ack, run one workflow verb, say the outcome. No business rules here."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.runtime.runner import Runner
from bot.slack import parse
from bot.slack.directory import ensure_person
from bot.slack.home import HomeTab
from bot.slack.present import request_card, tier_options
from bot.slack.seat_listeners import SeatListeners
from messages import ids, render
from messages import seats as seat_messages
from workflows.commands import BuildDigest, CancelRequest, CompleteTask, Decide, QueueHomeRefresh
from workflows.digest import post_digest
from workflows.errors import Refused
from workflows.jobs import queue_home_refresh
from workflows.requests import cancel_request, check_can_decide, decide, submit_request
from workflows.tasks import complete_task

log = logging.getLogger(__name__)
Body = dict[str, Any]


class Listeners:
    """Every listener, sharing the runner (verbs), the App Home and the config."""

    def __init__(self, runner: Runner, home: HomeTab) -> None:
        self.run = runner
        self.home = home
        self.config = runner.config
        self.seats = SeatListeners(runner)

    def register(self, app: App) -> None:
        """Attach each listener to its Slack command, action, view or event."""
        app.command("/license")(self.command)
        app.action(ids.REQUEST_OPEN)(self.open_from_home)
        app.view(ids.REQUEST_MODAL)(self.submit)
        app.action(ids.STEP_APPROVE)(self.approve)
        app.action(ids.STEP_DENY)(self.ask_deny_reason)
        app.view(ids.DENY_MODAL)(self.deny)
        app.action(ids.REQUEST_CANCEL)(self.cancel)
        app.action(ids.TASK_DONE)(self.task_done)
        app.event("app_home_opened")(self.home_opened)
        app.event("message")(self.direct_message)
        self.seats.register(app)

    def command(self, ack: Ack, command: Body, client: WebClient) -> None:
        """`/license [request <app> | mine | digest | help]`."""
        words = (command.get("text") or "").split()
        verb = words[0].lower() if words else "request"
        if verb == "mine":
            mine = seat_messages.my_seats(self.seats.seats_of(command["user_id"]))
            ack(**mine, response_type="ephemeral")
        elif verb == "digest":
            self._digest(ack, command["user_id"])
        elif verb == "request":
            self._request(ack, client, command["trigger_id"], words[1:2])
        else:
            ack(**render.help_message(), response_type="ephemeral")

    def _request(self, ack: Ack, client: WebClient, trigger_id: str, named: list[str]) -> None:
        app_key = named[0].lower() if named else None
        if app_key and self.config.app(app_key) is None:
            # Answer in the acknowledgement itself: it reaches the person in any channel.
            known = ", ".join(app.key for app in self.config.apps) or "none yet"
            text = f"There is no app called {app_key!r} in the catalog (apps: {known})."
            ack(**render.error_message(text), response_type="ephemeral")
            return
        ack()
        modal = render.request_modal(tier_options(self.config), app_key=app_key)
        client.views_open(trigger_id=trigger_id, view=modal)

    def _digest(self, ack: Ack, user: str) -> None:
        """`/license digest`: post the digest to the IT channel now (admins only)."""
        try:
            self.run(post_digest, BuildDigest(requested_by=user))
        except Refused as refusal:
            ack(**render.error_message(refusal.message), response_type="ephemeral")
            return
        where = self.config.slack.it_channel
        text = f"The digest is on its way to <#{where}>." if where else "The digest is on its way."
        ack(text=text, response_type="ephemeral")

    def open_from_home(self, ack: Ack, body: Body, client: WebClient) -> None:
        """The Request button beside an app in the App Home catalog."""
        ack()
        app_key = body["actions"][0].get("value")
        modal = render.request_modal(tier_options(self.config), app_key=app_key)
        client.views_open(trigger_id=body["trigger_id"], view=modal)

    def submit(self, ack: Ack, body: Body, view: Body, client: WebClient) -> None:
        """The request modal was submitted: store the request or show what is wrong inline."""
        user = body["user"]["id"]
        try:
            cmd = parse.submit_request(user, view)
            ensure_person(self.run, client, user)
            self.run(submit_request, cmd)
        except Refused as refusal:
            ack(response_action="errors", errors={refusal.field or ids.REASON: refusal.message})
            return
        ack()

    def approve(self, ack: Ack, body: Body) -> None:
        """Approve button."""
        ack()
        ref = ids.StepRef.loads(body["actions"][0]["value"])
        self.run(
            decide,
            Decide(
                request_id=ref.request_id,
                step_id=ref.step_id,
                actor=body["user"]["id"],
                approve=True,
            ),
        )
        self._refresh_home(body)

    def ask_deny_reason(self, ack: Ack, body: Body, client: WebClient) -> None:
        """Deny button: check who clicked, then ask for a reason in a modal."""
        ack()
        ref = ids.StepRef.loads(body["actions"][0]["value"])
        with self.run.reading() as uow:
            request = uow.requests.get(ref.request_id)
            step = (
                next((s for s in request.steps if s.id == ref.step_id), None) if request else None
            )
            if request is None or step is None:
                raise Refused("That request does not exist any more.")
            check_can_decide(request, step, body["user"]["id"], self.config)
            modal = render.deny_modal(request_card(request, uow, self.config), ref)
        client.views_open(trigger_id=body["trigger_id"], view=modal)

    def deny(self, ack: Ack, body: Body, view: Body) -> None:
        """The deny modal was submitted with a reason."""
        ref = ids.StepRef.loads(view.get("private_metadata", ""))
        try:
            self.run(decide, parse.deny(body["user"]["id"], ref, view))
        except Refused as refusal:
            ack(response_action="errors", errors={ids.DENY_REASON: refusal.message})
            return
        ack()

    def cancel(self, ack: Ack, body: Body) -> None:
        """Cancel button in the requester's thread or App Home."""
        ack()
        ref = ids.RequestRef.loads(body["actions"][0]["value"])
        self.run(cancel_request, CancelRequest(request_id=ref.request_id, actor=body["user"]["id"]))
        self._refresh_home(body)

    def task_done(self, ack: Ack, body: Body) -> None:
        """Done button on an IT task."""
        ack()
        ref = ids.TaskRef.loads(body["actions"][0]["value"])
        self.run(complete_task, CompleteTask(task_id=ref.task_id, actor=body["user"]["id"]))

    def direct_message(self, event: Body, client: WebClient) -> None:
        """Someone wrote to the bot: "help", "mine" or "request <app>" as in `/license`."""
        if event.get("channel_type") != "im" or event.get("bot_id") or event.get("subtype"):
            return  # not a person writing in the bot's DM (an edit, or the bot itself)
        words = (event.get("text") or "").split()
        verb = words[0].lower() if words else "help"
        if verb == "mine":
            reply = seat_messages.my_seats(self.seats.seats_of(event["user"]))
        elif verb == "request":
            reply = self._request_prompt(words[1:2])
        else:
            reply = render.help_message()
        client.chat_postMessage(channel=event["channel"], **reply)

    def _request_prompt(self, named: list[str]) -> dict[str, Any]:
        app = self.config.app(named[0].lower()) if named else None
        if named and app is None:
            known = ", ".join(a.key for a in self.config.apps) or "none yet"
            text = f"There is no app called {named[0]!r} in the catalog (apps: {known})."
            return render.error_message(text)
        return render.request_prompt(app.key if app else None, app.name if app else None)

    def home_opened(self, event: Body) -> None:
        """Publish the App Home when someone opens its Home tab."""
        if event.get("tab", "home") == "home":
            self.home.publish(event["user"])

    def _refresh_home(self, body: Body) -> None:
        if (body.get("container") or {}).get("type") == "view":
            self.run(queue_home_refresh, QueueHomeRefresh(user=body["user"]["id"]))
