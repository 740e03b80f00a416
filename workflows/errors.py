"""Domain errors: refusals a person should see, and the few kinds of internal failure.

They form a small tree, so callers decide on the class alone::

    SeatkeeperError            any error the domain raises on purpose
    ├── Refused                not allowed or not possible; ``message`` tells the person why
    │   ├── NotFound           what a button, command or job points at does not exist (any more)
    │   │   └── Gone           what a job is about was removed: the job can never succeed
    │   └── InvalidTransition  a move its state machine does not allow from the current state
    └── BadPayload             a job's payload does not fit its kind's model: no retry can help
"""

from __future__ import annotations

from enum import StrEnum


class SeatkeeperError(Exception):
    """Base of every error the domain raises on purpose."""


class Refused(SeatkeeperError):
    """The person asked for something that is not allowed or not possible; tell them why.

    `field` names the form field at fault, so a modal can show the message inline.
    """

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class NotFound(Refused):
    """The thing a button, command or job points at does not exist (any more)."""


class Gone(NotFound):
    """The request, step or task a job is about no longer exists, so the job can never succeed."""


class BadPayload(SeatkeeperError):
    """A job's payload does not fit the model of its kind, so the job can never run."""


class InvalidTransition(Refused):
    """An event that the state machine does not allow from the current state.

    Someone usually meets one because the state moved on under them (a click on a request
    decided a moment ago): `message` tells them in words, `str()` is for the logs.
    """

    def __init__(self, machine: str, state: StrEnum, event: StrEnum, *, thing: str) -> None:
        words = state.value.replace("_", " ")
        super().__init__(f"That can't be done now: this {thing} is {words}.")
        self.machine = machine
        self.state = state
        self.event = event

    def __str__(self) -> str:
        return f"{self.machine}: cannot {self.event} from {self.state.value}"
