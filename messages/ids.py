"""Action, callback and block ids shared by the templates and the Slack listeners.

Button `value` and view `private_metadata` carry one of the small models below as JSON.
They say *what* was clicked, never *who* clicked: that is `body.user.id`, signed by Slack.
"""

from __future__ import annotations

from typing import Self

from pydantic import BaseModel, ConfigDict, PositiveInt, ValidationError

# Buttons.
REQUEST_OPEN = "request.open"
REQUEST_CANCEL = "request.cancel"
STEP_APPROVE = "step.approve"
STEP_DENY = "step.deny"
TASK_DONE = "task.done"
RECLAIM_KEEP = "reclaim.keep"
RECLAIM_RELEASE = "reclaim.release"
RECLAIM_DOWNGRADE = "reclaim.downgrade"
RECLAIM_BACK = "reclaim.back"
RECLAIM_EXTEND = "reclaim.extend"
SEAT_RELEASE = "seat.release"
WAVE_CONFIRM = "wave.confirm"
WAVE_SKIP = "wave.skip"
WAVE_EXCLUDE = "wave.exclude"
REPORT_OPEN = "report.open"

# View callbacks.
REQUEST_MODAL = "request.submit"
DENY_MODAL = "step.deny_reason"

# Modal inputs: each input block uses the same string as its block_id and its action_id.
APP_TIER = "app_tier"
REASON = "reason"
END_DATE = "end_date"
DENY_REASON = "deny_reason"


class _Ref(BaseModel):
    """A reference carried through Slack as compact JSON."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    def dumps(self) -> str:
        """This reference as compact JSON for a button value or private_metadata."""
        return self.model_dump_json()

    @classmethod
    def loads(cls, text: str) -> Self:
        """Parse `text`; raise ValueError when it is not this reference."""
        try:
            return cls.model_validate_json(text)
        except (ValidationError, TypeError) as exc:
            shown = repr(text)[:80]
            raise ValueError(f"{shown} is not a valid {cls.__name__}") from exc


class RequestRef(_Ref):
    """Which request a button acts on."""

    request_id: PositiveInt


class StepRef(_Ref):
    """Which approval step of which request a button or modal acts on."""

    request_id: PositiveInt
    step_id: PositiveInt


class TaskRef(_Ref):
    """Which IT task a button acts on."""

    task_id: PositiveInt


class CaseRef(_Ref):
    """Which question about a seat (reclaim case) a button answers."""

    case_id: PositiveInt


class SeatRef(_Ref):
    """Which seat a Release button gives up."""

    seat_id: PositiveInt


class WaveRef(_Ref):
    """Which review wave a button decides."""

    wave_id: PositiveInt


class WaveCaseRef(_Ref):
    """Which holder of which review wave a button excludes."""

    wave_id: PositiveInt
    case_id: PositiveInt


class AppRef(_Ref):
    """Which app's report a button opens."""

    app_key: str
