"""Bolt listeners of seats: keep or release, request back, extend, release unasked, IT's review.

Each parses, acks, runs one workflow verb and, where the person is looking at it, shows the
outcome. Refusals reach only the person who clicked (the app's error handler).
"""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.runtime.runner import Runner
from bot.slack.present import tier_options
from bot.slack.reclaim_views import seat_line
from bot.slack.report_views import app_report
from messages import digest as digest_messages
from messages import ids, render
from messages import seats as seat_messages
from workflows.answers import answer_case, release_seat, request_back
from workflows.cases import load_case
from workflows.commands import (
    AnswerCase,
    DecideWave,
    ExcludeFromWave,
    QueueHomeRefresh,
    ReleaseSeat,
    RequestBack,
)
from workflows.errors import Refused
from workflows.jobs import queue_home_refresh
from workflows.waves import decide_wave, exclude_from_wave

Body = dict[str, Any]
CHOICES = {
    ids.RECLAIM_KEEP: "keep",
    ids.RECLAIM_RELEASE: "release",
    ids.RECLAIM_DOWNGRADE: "downgrade",
}


class SeatListeners:
    """The listeners of seat questions, seat releases and review waves."""

    def __init__(self, runner: Runner) -> None:
        self.run = runner
        self.config = runner.config

    def register(self, app: App) -> None:
        """Attach each listener to its action."""
        for action_id in CHOICES:
            app.action(action_id)(self.answer)
        app.action(ids.RECLAIM_BACK)(self.request_back)
        app.action(ids.RECLAIM_EXTEND)(self.extend)
        app.action(ids.SEAT_RELEASE)(self.release)
        app.action(ids.WAVE_CONFIRM)(self.decide_wave)
        app.action(ids.WAVE_SKIP)(self.decide_wave)
        app.action(ids.WAVE_EXCLUDE)(self.exclude)
        app.action(ids.REPORT_OPEN)(self.open_report)

    def answer(self, ack: Ack, body: Body) -> None:
        """Keep, Release or Downgrade on a seat question."""
        ack()
        action = body["actions"][0]
        ref = ids.CaseRef.loads(action["value"])
        choice = CHOICES[action["action_id"]]
        cmd = AnswerCase(case_id=ref.case_id, actor=body["user"]["id"], choice=choice)
        self.run(answer_case, cmd)

    def request_back(self, ack: Ack, body: Body) -> None:
        """Request it back, within the grace period of a release."""
        ack()
        ref = ids.CaseRef.loads(body["actions"][0]["value"])
        self.run(request_back, RequestBack(case_id=ref.case_id, actor=body["user"]["id"]))

    def extend(self, ack: Ack, body: Body, client: WebClient) -> None:
        """Extend on a seat that ends soon: the request form, with its app and tier chosen."""
        ack()
        ref = ids.CaseRef.loads(body["actions"][0]["value"])
        with self.run.reading() as uow:
            case = load_case(uow, ref.case_id)
        modal = render.request_modal(
            tier_options(self.config), app_key=case.app_key, tier_key=case.tier_key
        )
        client.views_open(trigger_id=body["trigger_id"], view=modal)

    def release(self, ack: Ack, body: Body, respond: Respond) -> None:
        """Release beside a seat in the App Home or a list of one's seats: the list is shown
        again as it is now."""
        ack()
        user = body["user"]["id"]
        ref = ids.SeatRef.loads(body["actions"][0]["value"])
        self.run(release_seat, ReleaseSeat(seat_id=ref.seat_id, actor=user))
        container = body.get("container") or {}
        if container.get("type") == "view":
            self.run(queue_home_refresh, QueueHomeRefresh(user=user))
        elif container.get("type") == "message":  # `/license mine`, or "mine" in the bot's DM
            respond(replace_original=True, **seat_messages.my_seats(self.seats_of(user)))

    def decide_wave(self, ack: Ack, body: Body) -> None:
        """Reclaim all or Skip on a review wave (admins only)."""
        ack()
        action = body["actions"][0]
        ref = ids.WaveRef.loads(action["value"])
        confirm = action["action_id"] == ids.WAVE_CONFIRM
        self.run(
            decide_wave, DecideWave(wave_id=ref.wave_id, actor=body["user"]["id"], confirm=confirm)
        )

    def exclude(self, ack: Ack, body: Body) -> None:
        """Exclude beside one holder of a review wave (admins only)."""
        ack()
        ref = ids.WaveCaseRef.loads(body["actions"][0]["value"])
        cmd = ExcludeFromWave(wave_id=ref.wave_id, case_id=ref.case_id, actor=body["user"]["id"])
        self.run(exclude_from_wave, cmd)

    def open_report(self, ack: Ack, body: Body, client: WebClient) -> None:
        """Open report on a notice alert: the app's report in a modal (admins only)."""
        ack()
        if body["user"]["id"] not in self.config.admins:
            raise Refused("Only Seatkeeper admins can open app reports.")
        ref = ids.AppRef.loads(body["actions"][0]["value"])
        with self.run.reading() as uow:
            report = app_report(ref.app_key, uow, self.config, self.run.clock.now().date())
        client.views_open(trigger_id=body["trigger_id"], view=digest_messages.app_report(report))

    def seats_of(self, user: str) -> list[Any]:
        """The seats `user` holds, as `/license mine` lists them."""
        with self.run.reading() as uow:
            person = uow.people.by_slack_id(user)
            seats = uow.seats.held_by(person.email) if person else []
            return [seat_line(seat, self.config) for seat in seats]
