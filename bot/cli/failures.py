"""What the console script says when a command fails: one line saying what failed and what to
do, and an exit code an operator's script can act on. The traceback is shown only with
`--debug`.

Exit codes:

- 0: done.
- 1: the command ran and found a problem (a FAIL line in `check`, refused CSV lines, a broken
  audit trail, a pass another server is running).
- 2: the command cannot run as configured (a bad option, setting, config file or missing
  secret).
- 3: a service it needs is unreachable or refused it (the database, Slack, a vendor).
- 4: an unexpected error in Seatkeeper itself: run it again with `--debug` and report it.
- 130: interrupted (Ctrl-C).
"""

from __future__ import annotations

from urllib.error import URLError

from slack_sdk.errors import SlackApiError, SlackClientError
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from workflows.ports import ConnectorError

DONE, FOUND, CONFIGURATION, UNREACHABLE, BUG, INTERRUPTED = 0, 1, 2, 3, 4, 130


class Refusal(Exception):
    """The command stops with `code`; the message, when there is one, is its line."""

    def __init__(self, code: int, message: str = "") -> None:
        super().__init__(message)
        self.code = code


def explain(exc: BaseException) -> tuple[int, str]:
    """The exit code and one line for an exception no command handled."""
    if isinstance(exc, Refusal):
        return exc.code, str(exc)
    if isinstance(exc, KeyboardInterrupt):
        return INTERRUPTED, "interrupted"
    if isinstance(exc, SQLAlchemyError):
        hint = "check that it runs and SEATKEEPER_DATABASE_URL"
        return UNREACHABLE, f"{database_problem(exc)}; {hint}"
    if isinstance(exc, SlackApiError):
        error = exc.response.get("error") if exc.response is not None else None
        return UNREACHABLE, f"Slack refused the call ({error}); `seatkeeper check` says more"
    if isinstance(exc, SlackClientError | URLError | ConnectionError | TimeoutError):
        # Vendor calls go through httpx and arrive as ConnectorError; these come from Slack's.
        return UNREACHABLE, (
            f"cannot reach Slack ({_first_line(exc)}); check the network and SLACK_API_URL, "
            "and run `seatkeeper check`"
        )
    if isinstance(exc, OSError) and exc.filename is not None:
        return CONFIGURATION, f"{exc.filename}: {exc.strerror or _first_line(exc)}"
    if isinstance(exc, ConnectorError):
        return UNREACHABLE, str(exc)
    return BUG, (
        f"unexpected error ({type(exc).__name__}: {_first_line(exc)}); run the command again "
        "with --debug and report what it prints"
    )


def database_problem(exc: SQLAlchemyError) -> str:
    """One line for a database error, without the SQL or the parameters it carried."""
    # The driver's own message (DBAPIError.orig) names host, port and reason, never the password;
    # SQLAlchemy's wrapper adds the statement and its parameters, which may hold personal data.
    cause = exc.orig if isinstance(exc, DBAPIError) and exc.orig is not None else exc
    return f"cannot use the database: {_first_line(cause)}"


def _first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__
