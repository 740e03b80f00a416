"""The `seatkeeper` command line."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from bot.bootstrap import Container, build
from bot.config_file import ConfigError, load_config_or_default
from bot.settings import Settings, settings_from_env

log = logging.getLogger("seatkeeper")
PASSES = ("sync", "reclaim", "reminders", "digest")


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script."""
    args = _parser().parse_args(argv)
    try:
        settings = settings_from_env()
    except ValueError as exc:
        print(f"seatkeeper: bad environment: {exc}", file=sys.stderr)
        return 2
    logging.basicConfig(
        level=settings.seatkeeper_log_level,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    logging.getLogger("alembic").setLevel(logging.WARNING)
    return args.handler(args, settings)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="seatkeeper", description="Software seats from Slack.")
    commands = parser.add_subparsers(required=True, metavar="COMMAND")
    serve = _command(commands, "serve", "run the Slack endpoint, scheduler and job worker", _serve)
    serve.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    serve.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    serve.add_argument(
        "--socket-mode",
        action="store_true",
        help="also connect to Slack over Socket Mode (needs SLACK_APP_TOKEN)",
    )
    db = _command(commands, "db", "database schema", None)
    db.add_subparsers(required=True, metavar="ACTION").add_parser(
        "upgrade", help="create or migrate the schema"
    ).set_defaults(handler=_db_upgrade)
    _command(commands, "check", "check the config, the database, Slack and every connector", _check)
    importer = _command(commands, "import", "import a CSV file", _import)
    importer.add_argument("kind", choices=("people", "seats", "usage"))
    importer.add_argument("file", type=Path)
    run = _command(commands, "run", "run one pass of a scheduled job now", _run)
    run.add_argument("job", choices=PASSES)
    run.add_argument(
        "--dry-run", action="store_true", help="show what would happen; change nothing"
    )
    manifest = _command(commands, "manifest", "print the Slack app manifest", _manifest)
    manifest.add_argument("--url", default=None, help="the public base URL of this server")
    manifest.add_argument("--socket-mode", action="store_true")
    return parser


def _command(commands, name: str, help: str, handler: Callable | None):
    parser = commands.add_parser(name, help=help, description=help)
    if handler is not None:
        parser.set_defaults(handler=handler)
    return parser


def _container(settings: Settings, **kwargs: object) -> Container | None:
    try:
        config = load_config_or_default(settings.seatkeeper_config, env=os.environ)
    except ConfigError as exc:
        print(f"seatkeeper: the configuration is not valid:\n{exc}", file=sys.stderr)
        return None
    return build(settings, config, **kwargs)  # type: ignore[arg-type]


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    from bot.http import create_app

    container = _container(settings)
    if container is None:
        return 2
    if container.bolt is None:
        log.warning(
            "Slack is not configured (SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET): "
            "/slack/events answers 503 until they are set"
        )
    scheduler = container.scheduler()
    container.worker.start()
    scheduler.start()
    if args.socket_mode:
        _start_socket_mode(container, settings)
    try:
        uvicorn.run(create_app(container), host=args.host, port=args.port, log_level="info")
    finally:
        scheduler.shutdown(wait=False)
        container.worker.stop()
        container.close()
    return 0


def _start_socket_mode(container: Container, settings: Settings) -> None:
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    if container.bolt is None or settings.slack_app_token is None:
        raise SystemExit(
            "seatkeeper: --socket-mode needs SLACK_APP_TOKEN, SLACK_BOT_TOKEN and "
            "SLACK_SIGNING_SECRET"
        )
    SocketModeHandler(container.bolt, settings.slack_app_token.get_secret_value()).connect()


def _db_upgrade(args: argparse.Namespace, settings: Settings) -> int:
    from store.db import make_engine
    from store.migrate import upgrade

    engine = make_engine(settings.seatkeeper_database_url)
    upgrade(engine)
    print("database schema is up to date")
    return 0


def _check(args: argparse.Namespace, settings: Settings) -> int:
    from bot.checks import run_checks

    container = _container(settings)
    if container is None:
        return 2
    path = settings.seatkeeper_config
    print(f"config: ok ({path if path.exists() else 'built-in defaults'})")
    ok = run_checks(container, print)
    container.close()
    return 0 if ok else 1


def _import(args: argparse.Namespace, settings: Settings) -> int:
    from bot.importer import import_people

    if args.kind != "people":
        print(
            f"seatkeeper: importing {args.kind} is not available in this version", file=sys.stderr
        )
        return 2
    container = _container(settings)
    if container is None:
        return 2
    result = import_people(args.file, runner=container.runner, slack=container.slack)
    container.close()
    if result.problems:
        print(
            f"{args.file}: nothing was imported; fix these lines and run it again:", file=sys.stderr
        )
        for problem in result.problems:
            print(f"  {problem}", file=sys.stderr)
        return 1
    print(f"{args.file}: {result.added} people added, {result.updated} updated")
    return 0


def _run(args: argparse.Namespace, settings: Settings) -> int:
    if args.job != "reminders":
        print(f"seatkeeper: the {args.job} pass is not available in this version", file=sys.stderr)
        return 2
    container = _container(settings)
    if container is None:
        return 2
    from bot.passes import run_reminders

    print(run_reminders(container, dry_run=args.dry_run))
    container.close()
    return 0


def _manifest(args: argparse.Namespace, settings: Settings) -> int:
    from bot.manifest import PLACEHOLDER_URL, manifest_yaml

    print(manifest_yaml(args.url or PLACEHOLDER_URL, socket_mode=args.socket_mode), end="")
    return 0
