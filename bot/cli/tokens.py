"""`seatkeeper token create|list|revoke`: the tokens scripts use for the REST API (scope
`api`) and identity providers for SCIM provisioning (scope `scim`).

A new token is printed once, alone on standard output (so a script can capture it); the note
that it is not shown again goes to standard error. Nothing else ever prints a token or its hash.
"""

from __future__ import annotations

import argparse
import datetime as dt
import getpass
import sys
from collections.abc import Callable
from contextlib import AbstractContextManager

from bot.bootstrap import Container
from bot.config.settings import Settings
from workflows.errors import Refused
from workflows.model import ApiToken, TokenScope
from workflows.tokens import CreateToken, RevokeToken, create_token, revoke_token

Opener = Callable[[Settings], AbstractContextManager[Container]]
Handler = Callable[[argparse.Namespace, Container], int]
COLUMNS = ("name", "scope", "created", "last used", "revoked")


def add_commands(
    commands: argparse._SubParsersAction[argparse.ArgumentParser], open_app: Opener
) -> None:
    """Add `token create|list|revoke`; each runs in the app `open_app` builds from settings."""
    about = "API tokens for the REST API and SCIM provisioning"
    token = commands.add_parser("token", help=about, description=about)
    actions = token.add_subparsers(required=True, metavar="ACTION")
    create = _action(actions, "create", "make a token and print it (once)", _create, open_app)
    named = create.add_mutually_exclusive_group(required=True)
    named.add_argument("name", nargs="?", help="what the token is for, e.g. ci-reports or okta")
    named.add_argument("--name", dest="name_option", metavar="NAME", help="the same, as an option")
    create.add_argument(
        "--scope",
        choices=[s.value for s in TokenScope],
        default=TokenScope.API.value,
        help="what it may be used for: api, the REST API (default), or scim, /scim/v2",
    )
    _action(actions, "list", "list tokens (never the tokens themselves)", _list, open_app)
    revoke = _action(
        actions, "revoke", "revoke a token: it is refused from now on", _revoke, open_app
    )
    revoke.add_argument("name", help="the token's name, as `token list` shows it")


def _action(
    actions: argparse._SubParsersAction[argparse.ArgumentParser],
    name: str,
    about: str,
    handler: Handler,
    open_app: Opener,
) -> argparse.ArgumentParser:
    def run(args: argparse.Namespace, settings: Settings) -> int:
        with open_app(settings) as container:
            return handler(args, container)

    parser = actions.add_parser(name, help=about, description=about)
    parser.set_defaults(handler=run)
    return parser


def _create(args: argparse.Namespace, container: Container) -> int:
    args.name = args.name or args.name_option
    cmd = CreateToken(args.name, TokenScope(args.scope), actor=_actor())
    try:
        created = container.runner(create_token, cmd)
    except Refused as refused:
        print(f"seatkeeper: {refused.message}", file=sys.stderr)
        return 1
    print(created.secret)
    print(
        f"token {args.name!r} ({args.scope}) created. It is not shown again: keep it somewhere "
        "safe now (a secret store); if it is lost, revoke it and create another.",
        file=sys.stderr,
    )
    return 0


def _list(args: argparse.Namespace, container: Container) -> int:
    with container.runner.uow() as uow:
        tokens = uow.tokens.all()
    if not tokens:
        print("no API tokens yet; `seatkeeper token create --name NAME` makes one")
        return 0
    rows = [COLUMNS, *(_row(t) for t in tokens)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(COLUMNS))]
    for row in rows:
        print(
            "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        )
    return 0


def _row(token: ApiToken) -> tuple[str, ...]:
    last_used = _when(token.last_used_at) if token.last_used_at else "never"
    revoked = _when(token.revoked_at) if token.revoked_at else "-"
    return (token.name, token.scope.value, _when(token.created_at), last_used, revoked)


def _when(at: dt.datetime) -> str:
    return at.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")


def _revoke(args: argparse.Namespace, container: Container) -> int:
    try:
        container.runner(revoke_token, RevokeToken(args.name, actor=_actor()))
    except Refused as refused:
        print(f"seatkeeper: {refused.message}", file=sys.stderr)
        return 1
    print(f"token {args.name!r} revoked: requests with it are refused from now on")
    return 0


def _actor() -> str:
    """Who ran the command, for the audit trail: the operating system's user name."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no name for this user id (a bare container)
        return "cli"
    return f"cli:{user}"[:64]
