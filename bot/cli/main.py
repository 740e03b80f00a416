"""The `seatkeeper` command line."""

from __future__ import annotations

import argparse
import logging
import os
import sys
import traceback
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from sqlalchemy.exc import SQLAlchemyError

from bot.bootstrap import Container, build
from bot.cli import failures, sandbox, tokens
from bot.cli.config_file import config_file, refusing_invalid_config
from bot.cli.failures import CONFIGURATION, FOUND, Refusal
from bot.cli.report_formats import FORMATS
from bot.config.loader import load_config, load_default_config
from bot.config.settings import Settings, settings_from_env
from bot.runtime import logs
from workflows.catalog import Config
from workflows.reports import KINDS

log = logging.getLogger("seatkeeper")
PASSES = {  # the scheduled passes `seatkeeper run JOB` runs now
    "sync": "read seats from every vendor and people from the directory",
    "reclaim": "ask about idle and ending seats; take back those not kept",
    "reminders": "remind approvers and IT of waiting work; expire old requests",
    "digest": "post the renewals and spend digest to the IT channel",
}


def counted(n: int, one: str, many: str) -> str:
    """`n` and the noun that goes with it: 1 seat, 2 seats."""
    return f"{n} {one if n == 1 else many}"


# What a clean `seatkeeper import KIND FILE` did, from the counts its ImportResult holds.
IMPORT_SUMMARIES: dict[str, Callable[[Any], str]] = {
    "people": lambda r: (
        f"{counted(r.added, 'person', 'people')} added, {r.updated} updated, "
        f"{r.unchanged} unchanged"
    ),
    "seats": lambda r: f"{counted(r.added, 'seat', 'seats')} added, {r.updated} changed",
    "usage": lambda r: (
        f"last activity updated on {counted(r.updated, 'seat', 'seats')}, "
        f"{counted(r.ignored, 'row', 'rows')} for people without a seat ignored"
    ),
}


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script."""
    args = _parser().parse_args(argv)
    try:
        settings = settings_from_env()
    except ValidationError as exc:
        for error in exc.errors():
            name = str(error["loc"][0]).upper() if error["loc"] else "the environment"
            reason = _plain(error["msg"])
            said = reason if reason.startswith(name) else f"{name}: {reason}"
            print(f"seatkeeper: {said}", file=sys.stderr)
        return 2
    if args.config is not None:
        settings = settings.model_copy(update={"seatkeeper_config": args.config})
    logs.configure(settings.seatkeeper_log_level, settings.seatkeeper_log_format)
    try:
        return args.handler(args, settings)
    except (Exception, KeyboardInterrupt) as exc:
        if args.debug:
            traceback.print_exc()
        code, line = failures.explain(exc)
        if line:
            print(f"seatkeeper: {line}", file=sys.stderr)
        return code


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="seatkeeper", description="Software seats from Slack.")
    parser.add_argument("--version", action="version", version=f"seatkeeper {_version()}")
    parser.add_argument(
        "--debug",
        action="store_true",
        help="show the traceback of an error, not only its one line",
    )
    parser.add_argument(
        "--config",
        type=Path,
        default=None,
        metavar="FILE",
        help="the configuration file (default: SEATKEEPER_CONFIG, else ./seatkeeper.yml)",
    )
    commands = parser.add_subparsers(required=True, metavar="COMMAND")
    serve = _command(commands, "serve", "run the Slack endpoint, scheduler and job worker", _serve)
    serve.add_argument(
        "--host",
        default=os.environ.get("HOST", "127.0.0.1"),
        help="the address to listen on (default: HOST, else 127.0.0.1; 0.0.0.0 for all)",
    )
    serve.add_argument(
        "--port",
        type=_port,
        default=None,  # PORT is read by `serve` alone, so a bad one stops no other command
        help="the port to listen on (default: PORT, else 8000)",
    )
    serve.add_argument(
        "--socket-mode",
        action="store_true",
        help="connect to Slack over Socket Mode (needs SLACK_APP_TOKEN and SLACK_BOT_TOKEN)",
    )
    db = _command(commands, "db", "the database: its schema and backups", None)
    actions = db.add_subparsers(required=True, metavar="ACTION")
    actions.add_parser("upgrade", help="create or migrate the schema").set_defaults(
        handler=_db_upgrade
    )
    backup = actions.add_parser(
        "backup", help="copy a SQLite database to a new FILE while it is in use"
    )
    backup.add_argument("file", type=Path, metavar="FILE")
    backup.set_defaults(handler=_db_backup)
    _command(commands, "check", "check the config, the database, Slack and every connector", _check)
    importer = _command(commands, "import", "import a CSV file", _import)
    importer.add_argument("kind", choices=("people", "seats", "usage"))
    importer.add_argument("file", type=Path)
    run = _command(commands, "run", "run one pass of a scheduled job now", None)
    jobs = run.add_subparsers(required=True, metavar="JOB", dest="job")
    for job, what in PASSES.items():
        one = jobs.add_parser(job, help=what, description=what)
        one.add_argument(
            "--dry-run", action="store_true", help="show what would happen; change nothing"
        )
        one.set_defaults(handler=_run, accept_removals=False)
    jobs.choices["sync"].add_argument(
        "--accept-removals",
        action="store_true",
        help="apply a vendor list that removes most of an app's seats at once",
    )
    report = _command(commands, "report", "print a report as a table, CSV or JSON", _report)
    report.add_argument("kind", choices=KINDS)
    report.add_argument("--format", choices=FORMATS, default="table")
    report.add_argument("--app", metavar="KEY", help="only this app")
    report.add_argument("--person", metavar="EMAIL_OR_SLACK_ID", help="only this person")
    report.add_argument("--idle-days", metavar="N", help="seats: only those idle N days or more")
    report.add_argument("--since", metavar="YYYY-MM-DD", help="only from this day on")
    report.add_argument("--output", metavar="FILE", type=Path, help="write to FILE, not stdout")
    audit = _command(commands, "audit", "the audit trail", None)
    audit.add_subparsers(required=True, metavar="ACTION").add_parser(
        "verify", help="check that no event was edited, deleted or reordered"
    ).set_defaults(handler=_audit_verify)
    config = _command(commands, "config", "the configuration file", None)
    config.add_subparsers(required=True, metavar="ACTION").add_parser(
        "example", help="print the starter configuration, to copy into seatkeeper.yml"
    ).set_defaults(handler=_config_example)
    manifest = _command(commands, "manifest", "print the Slack app manifest", _manifest)
    manifest.add_argument("--url", default=None, help="the public base URL of this server")
    manifest.add_argument("--socket-mode", action="store_true")
    tokens.add_commands(commands, _open)
    sandbox.add_arguments(
        _command(commands, "demo", "a seeded organisation in a local Slack sandbox", sandbox.demo)
    )
    sandbox.add_arguments(
        _command(commands, "sandbox", "your config in a local Slack sandbox", sandbox.sandbox)
    )
    return parser


def _command(commands, name: str, help: str, handler: Callable | None):
    parser = commands.add_parser(name, help=help, description=help)
    if handler is not None:
        parser.set_defaults(handler=handler)
    return parser


@contextmanager
def _open(
    settings: Settings, *, prepare_database: bool = True, require_schema: bool = False
) -> Iterator[Container]:
    """The app built from settings and the config; closed on the way out."""
    config = _config(settings)
    container = build(settings, config, prepare_database=prepare_database)
    if require_schema and not _schema_current(container):
        container.close()
        raise Refusal(FOUND, "the database schema is behind; run `seatkeeper db upgrade` first")
    try:
        yield container
    finally:
        container.close()


def _schema_current(container: Container) -> bool:
    from store.migrate import is_current

    try:
        return is_current(container.engine)
    except SQLAlchemyError:
        return False


def _config(settings: Settings) -> Config:
    """The config file; its secrets are looked for where they are used, not here."""
    path = config_file(settings)
    with refusing_invalid_config():
        if path is None:
            return load_default_config(env=os.environ, secrets=False)
        return load_config(path, env=os.environ, secrets=False)


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    from bot.web.app import create_app

    port = args.port if args.port is not None else _port_from_env()
    with _open(settings) as container:
        _refuse_without(container.unavailable(), "serve")
        if args.socket_mode:
            _start_socket_mode(container, settings)
        elif container.bolt is None or container.slack_signature is None:
            log.warning(
                "Slack is not configured (SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET): "
                "/slack/events answers 503 until they are set"
            )
        # The worker and scheduler live in the app's lifespan: uvicorn ends it on SIGTERM
        # or Ctrl-C before it re-raises the signal, so running jobs are finished or handed back.
        app = create_app(container, background=True, socket_mode=args.socket_mode)
        # log_config=None: uvicorn logs through the one handler `logs.configure` set up.
        uvicorn.run(app, host=args.host, port=port, log_config=None)
    return 0


def _port(text: str) -> int:
    """A TCP port number, from `--port` or PORT."""
    try:
        port = int(text)
    except ValueError:
        port = 0
    if not 0 < port < 65536:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number (1 to 65535)")
    return port


def _port_from_env() -> int:
    try:
        return _port(os.environ.get("PORT", "8000"))
    except argparse.ArgumentTypeError as bad:
        raise Refusal(CONFIGURATION, f"PORT: {bad}") from None


SOCKET_MODE_TOKENS = {
    "SLACK_BOT_TOKEN": "the bot token (xoxb-…) from OAuth & Permissions",
    "SLACK_APP_TOKEN": "an app-level token (xapp-…) with connections:write from Basic Information",
}


def _start_socket_mode(container: Container, settings: Settings) -> None:
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    given = {
        "SLACK_BOT_TOKEN": settings.slack_bot_token,
        "SLACK_APP_TOKEN": settings.slack_app_token,
    }
    missing = [f"{name}, {SOCKET_MODE_TOKENS[name]}" for name, value in given.items() if not value]
    if missing or container.bolt is None or settings.slack_app_token is None:
        raise Refusal(CONFIGURATION, f"--socket-mode needs {'; and '.join(missing)}")
    SocketModeHandler(container.bolt, settings.slack_app_token.get_secret_value()).connect()


def _db_upgrade(args: argparse.Namespace, settings: Settings) -> int:
    from store.db import make_engine
    from store.migrate import upgrade

    _config(settings)
    engine = make_engine(settings.seatkeeper_database_url)
    try:
        upgrade(engine)
    finally:
        engine.dispose()
    print("database schema is up to date")
    return 0


def _db_backup(args: argparse.Namespace, settings: Settings) -> int:
    from store.backup import BackupRefused, backup_sqlite
    from store.db import make_engine

    engine = make_engine(settings.seatkeeper_database_url)
    try:
        pages = backup_sqlite(engine, args.file)
    except BackupRefused as refused:
        print(f"seatkeeper: {refused}", file=sys.stderr)
        return 2
    finally:
        engine.dispose()
    print(f"backed up to {args.file} ({pages} pages)")
    return 0


def _check(args: argparse.Namespace, settings: Settings) -> int:
    from bot.cli.checks import run_checks

    with _open(settings, prepare_database=False) as container:
        path = settings.config_path
        print(f"config: ok ({path if path.exists() else 'the built-in starter configuration'})")
        return 0 if run_checks(container, print) else 1


def _import(args: argparse.Namespace, settings: Settings) -> int:
    from bot.cli import imports as importer
    from store.db import writer_gap

    with _open(settings) as container:
        if args.kind == "people":
            result = importer.import_people(
                args.file,
                runner=container.runner,
                slack=container.slack,
                pause=writer_gap(container.engine),
            )
        elif args.kind == "usage":
            pause = writer_gap(container.engine)
            result = importer.import_usage(args.file, runner=container.runner, pause=pause)
        else:
            pause = writer_gap(container.engine)
            result = importer.import_seats(args.file, runner=container.runner, pause=pause)
    if result.problems:
        print(
            f"{args.file}: nothing was imported; fix these lines and run it again:", file=sys.stderr
        )
        for problem in result.problems:
            print(f"  {problem}", file=sys.stderr)
        return 1
    print(f"{args.file}: {IMPORT_SUMMARIES[args.kind](result)}")
    if result.leaver_seats:
        print(f"leavers' seats being taken back: {result.leaver_seats}")
    for warning in result.warnings:
        print(f"note: {warning}")
    return 0


def _run(args: argparse.Namespace, settings: Settings) -> int:
    # A dry run must not change the database, not even its schema or catalog tables.
    with _open(settings, prepare_database=not args.dry_run, require_schema=args.dry_run) as c:
        container = c
        _refuse_without(_run_needs(container, args.job, dry_run=args.dry_run), f"run {args.job}")
        if args.job == "sync":
            return _run_sync(container, dry_run=args.dry_run, accept=args.accept_removals)
        if args.job == "reclaim":
            return _run_reclaim(container, dry_run=args.dry_run)
        if args.job == "digest":
            return _run_digest(container, dry_run=args.dry_run)
        return _run_reminders(container, dry_run=args.dry_run)


def _run_needs(container: Container, job: str, *, dry_run: bool) -> list[str]:
    """What `run JOB` needs and is missing: a sync reads every vendor and the directory; the
    reminders and the digest are posted to Slack by this command."""
    if job == "sync":
        return container.unavailable()
    if job in ("reminders", "digest") and not dry_run and not container.slack.token:
        return ["SLACK_BOT_TOKEN is not set; it posts to Slack (--dry-run shows what it would)"]
    return []


def _refuse_without(missing: list[str], command: str) -> None:
    """Stop before `command` starts when anything it needs is missing, naming every one."""
    if not missing:
        return
    for reason in missing:
        print(f"seatkeeper: {reason}", file=sys.stderr)
    raise Refusal(
        CONFIGURATION,
        f"{command} cannot start until {'that is' if len(missing) == 1 else 'these are'} "
        "fixed in the environment (`seatkeeper check` lists every problem)",
    )


def _run_reminders(container: Container, *, dry_run: bool) -> int:
    from bot.passes.reminders import describe

    reminders = container.passes.reminders
    if dry_run:
        print(describe(reminders.rehearse(), dry_run=True))
        return 0
    reports = []
    # Under the pass's lease, like the scheduled one, so the two never overlap.
    if not _leased(container, "reminders", lambda: reports.append(reminders())):
        print(
            "seatkeeper: reminders are being sent right now (on this or another server)",
            file=sys.stderr,
        )
        return 1
    container.worker.drain()  # send the reminders now, server or not
    print(describe(reports[0], dry_run=False))
    return 0


def _leased(container: Container, name: str, work: Callable[[], object]) -> bool:
    from bot.passes.scheduler import run_leased

    return run_leased(container.engine, container.clock, name, work, lease=container.lease)


def _run_sync(container: Container, *, dry_run: bool, accept: bool) -> int:
    from bot.cli.progress import terminal_progress
    from bot.passes.sync import SyncReport

    reports: list[SyncReport] = []

    def one_pass() -> None:
        with terminal_progress(len(container.config.apps) + 1) as step:
            sync = container.passes.sync
            reports.append(sync.run(dry_run=dry_run, progress=step, accept_removals=accept))
        if not dry_run:
            container.worker.drain()  # post the drift summary now, server or not

    if dry_run:
        one_pass()
    elif not _leased(container, "sync", one_pass):
        print("seatkeeper: a sync is already running (on this or another server)", file=sys.stderr)
        return 1
    report = reports[0]
    print("\n".join(report.lines(dry_run=dry_run)))
    failed = any(d.error for d in report.apps) or (report.people and report.people.error)
    return 1 if failed else 0


def _run_reclaim(container: Container, *, dry_run: bool) -> int:
    from bot.cli.progress import terminal_progress
    from bot.passes.reclaim import describe
    from workflows.reclaim import ReclaimReport

    reports: list[ReclaimReport] = []

    def one_pass() -> None:
        with terminal_progress(len(container.config.apps) + 1, "reclaiming") as step:
            reports.append(container.passes.reclaim.run(dry_run=dry_run, progress=step))

    if dry_run:
        one_pass()
    elif not _leased(container, "reclaim", one_pass):
        print(
            "seatkeeper: a reclaim pass is already running (on this or another server)",
            file=sys.stderr,
        )
        return 1
    print("\n".join(describe(reports[0], currency=container.config.currency, dry_run=dry_run)))
    if not dry_run and reports[0].lines:
        print("the server sends each DM in its holder's working hours, at the configured pace")
    return 0


def _run_digest(container: Container, *, dry_run: bool) -> int:
    from bot.cli.digest_text import digest_lines

    digest = container.passes.digest
    if dry_run:
        print("\n".join(digest_lines(digest.rehearse())))
        return 0
    built = []

    def one_pass() -> None:
        built.append(digest())
        container.worker.drain()  # post it now, server or not

    if not _leased(container, "digest", one_pass):
        print(
            "seatkeeper: a digest is being posted right now (here or on another server)",
            file=sys.stderr,
        )
        return 1
    print("\n".join(digest_lines(built[0])))
    print("posted to the IT channel")
    return 0


def _report(args: argparse.Namespace, settings: Settings) -> int:
    from bot.cli.reports import run_report

    # Reports only read: the schema must be current already, and nothing is migrated.
    return run_report(args, lambda: _open(settings, prepare_database=False, require_schema=True))


def _audit_verify(args: argparse.Namespace, settings: Settings) -> int:
    from bot.cli.audit import verify_trail

    with _open(settings, prepare_database=False, require_schema=True) as container:
        return verify_trail(container.runner)


def _config_example(args: argparse.Namespace, settings: Settings) -> int:
    from bot.config.loader import default_config_text

    print(default_config_text(), end="")
    return 0


def _plain(message: str) -> str:
    """A settings problem without pydantic's own words around it."""
    return message.removeprefix("Value error, ").replace("Input should be", "should be")


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("seatkeeper")
    except PackageNotFoundError:  # run from a checkout that was never installed
        return "unknown"


def _manifest(args: argparse.Namespace, settings: Settings) -> int:
    from bot.slack.manifest import PLACEHOLDER_URL, UrlProblem, manifest_yaml, public_url

    try:
        url = public_url(args.url) if args.url else PLACEHOLDER_URL
    except UrlProblem as problem:
        print(f"seatkeeper: {problem}", file=sys.stderr)
        return 2
    if url.startswith("http://"):
        print(
            "seatkeeper: note: plain http is for a local test only; Slack needs https",
            file=sys.stderr,
        )
    print(manifest_yaml(url, socket_mode=args.socket_mode), end="")
    return 0
