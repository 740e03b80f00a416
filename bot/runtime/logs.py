"""One log format for everything the process logs (Seatkeeper, uvicorn, libraries): plain
lines for a person by default, one JSON object per line for a log collector."""

from __future__ import annotations

import datetime as dt
import json
import logging

TEXT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
OURS = "_seatkeeper"  # marks the handler `configure` installed
OWN_HANDLERS = ("uvicorn", "uvicorn.error", "uvicorn.access")  # loggers that bring their own


class JsonFormatter(logging.Formatter):
    """A record as one JSON object: time (UTC), level, logger, message, and any error."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            line["error"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)


def configure(level: str, form: str) -> None:
    """Log at `level` in `form` ("text" or "json") through one handler on the root logger.

    As with `logging.basicConfig`, a process whose host already set up logging (a test runner,
    an embedding program) keeps its handlers and gets none added.
    """
    root = logging.getLogger()
    root.setLevel(level)
    logging.getLogger("alembic").setLevel(logging.WARNING)
    # slack_sdk logs each failed call as an error; the caller reports it once, in its words.
    # At DEBUG everything is wanted, the library's view included.
    quiet = logging.NOTSET if level == "DEBUG" else logging.CRITICAL
    logging.getLogger("slack_sdk.web.base_client").setLevel(quiet)
    if any(not getattr(handler, OURS, False) for handler in root.handlers):
        return
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter() if form == "json" else logging.Formatter(TEXT))
    setattr(handler, OURS, True)
    root.handlers[:] = [handler]
    for name in OWN_HANDLERS:
        logger = logging.getLogger(name)
        logger.handlers[:] = []
        logger.propagate = True
