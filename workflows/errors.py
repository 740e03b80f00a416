"""Domain errors: refusals a person should see, and the few kinds of internal failure."""

from __future__ import annotations


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
    """The thing a button or command points at does not exist (any more)."""
