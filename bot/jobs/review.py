"""IT's review waves in the IT channel: posted once, then kept current in place."""

from __future__ import annotations

from dataclasses import dataclass

from bot.jobs.subjects import SlackHandlers, recovering
from bot.slack.reclaim_views import leaver_view, wave_view
from messages import seats as seat_messages
from workflows import jobs
from workflows.catalog import Config
from workflows.errors import Gone
from workflows.model import Job, ReclaimWave
from workflows.ports import Clock, UnitOfWork


class Review(SlackHandlers):
    """The handlers of review waves and leaver notices in the IT channel."""

    def post(self, job: Job) -> None:
        """Post a review wave with its buttons, once."""
        p = jobs.read(job, jobs.WavePost)
        with self.runner.uow() as uow:
            wave = _load(uow, p.wave_id)
            if wave.ts is not None:
                return
            message = seat_messages.reclaim_wave(wave_view(wave, uow, self.config))
        channel, ts = self.poster.post(
            job.key, recovering=recovering(job), channel=self.it_channel(), **message
        )
        self.runner(_record_wave_message, RecordWaveMessage(p.wave_id, channel, ts))

    def update(self, job: Job) -> None:
        """Show the wave as it stands: who is still due, who was excluded, the decision."""
        p = jobs.read(job, jobs.WaveUpdate)
        with self.runner.uow() as uow:
            wave = _load(uow, p.wave_id)
            if wave.channel is None or wave.ts is None:
                return  # never posted
            message = seat_messages.reclaim_wave(wave_view(wave, uow, self.config))
        self.slack.chat_update(channel=wave.channel, ts=wave.ts, **message)

    def leaver(self, job: Job) -> None:
        """Tell the IT channel who left and which seats are being taken back."""
        p = jobs.read(job, jobs.ITLeaver)
        seats = [(seat.app_key, seat.tier_key) for seat in p.seats]
        with self.runner.uow() as uow:
            message = seat_messages.it_leaver(leaver_view(p.email, seats, uow, self.config))
        self.poster.post(job.key, recovering=recovering(job), channel=self.it_channel(), **message)


def _load(uow: UnitOfWork, wave_id: int) -> ReclaimWave:
    wave = uow.waves.get(wave_id)
    if wave is None:
        raise Gone(f"review wave {wave_id} is gone")
    return wave


@dataclass(frozen=True)
class RecordWaveMessage:
    """A review wave's message was posted here."""

    wave_id: int
    channel: str
    ts: str


def _record_wave_message(
    cmd: RecordWaveMessage, *, uow: UnitOfWork, config: Config, clock: Clock
) -> None:
    wave = uow.waves.get(cmd.wave_id, for_update=True)
    if wave is not None and wave.ts is None:
        wave.channel, wave.ts = cmd.channel, cmd.ts
