"""The strict loader for `seatkeeper.yml`: every problem reported with file, line and reason."""

from __future__ import annotations

import datetime as dt
import difflib
import re
import types
from collections.abc import Iterator, Mapping
from importlib import resources
from inspect import isclass
from pathlib import Path
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from bot.config.crontab import crontab_trigger
from bot.config.disclosure import SECRET_KEY, Shown, bare, masked, showable, shown
from bot.config.yaml_source import ConfigError, Loc, Problem, YamlDocument
from connectors.registry import REGISTRY, Registry
from workflows.catalog import Config, ConfigValueError

Q = "'"
DEFAULT_CONFIG_SOURCE = "default_config.yml (built in)"
ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
TOKEN_HINT = "secrets go in environment variables, named with token_env"
KEY_PATTERN = "^[a-z0-9][a-z0-9_-]{0,62}$"
PATTERN_WORDS = {
    KEY_PATTERN: "should be lowercase letters, digits, '-' or '_' (like figma or pro-plan)",
    "^[A-Z]{3}$": "should be a three-letter currency code like USD or EUR",
}
BOUNDS = {
    "greater_than_equal": "should be at least {ge}",
    "greater_than": "should be more than {gt}",
    "less_than_equal": "should be at most {le}",
    "string_too_short": "should not be empty",
    "string_too_long": "should be at most {max_length} characters long",
}
MAPPING = "a mapping of keys and values"
TYPE_WORDS = {
    "int": "a whole number",
    "bool": "true or false",
    "decimal": "a number",
    "float": "a number",
    "string": "text",
    "date": "a date like 2027-03-31",
    "list": "a list like [a, b]",
    "dict": MAPPING,
    "model": MAPPING,
}


def load_config(
    path: Path,
    *,
    env: Mapping[str, str],
    registry: Registry = REGISTRY,
    secrets: bool = True,
) -> Config:
    """Read and validate a config file, raising ConfigError with every problem.

    With `secrets=False` the variables named by `token_env` (and every `*_env`) need not be
    set, for a run that never calls a vendor (the sandbox); everything else is checked.
    """
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise ConfigError([Problem(str(path), None, f"cannot be read: {exc.strerror}")]) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise ConfigError([Problem(str(path), line, "is not UTF-8 text")]) from None
    return parse_config(text, source=str(path), env=env, registry=registry, secrets=secrets)


def default_config_text() -> str:
    """The embedded default config, used when no config file exists."""
    return resources.files("bot.config").joinpath("default_config.yml").read_text(encoding="utf-8")


def load_default_config(*, env: Mapping[str, str], secrets: bool = True) -> Config:
    """The embedded default config, validated like any other."""
    text = default_config_text()
    return parse_config(text, source=DEFAULT_CONFIG_SOURCE, env=env, secrets=secrets)


def load_config_or_default(path: Path, *, env: Mapping[str, str], secrets: bool = True) -> Config:
    """The config at `path`, or the embedded default when that file does not exist."""
    if not Path(path).exists():
        return load_default_config(env=env, secrets=secrets)
    return load_config(path, env=env, secrets=secrets)


def parse_config(
    text: str,
    *,
    source: str,
    env: Mapping[str, str],
    registry: Registry = REGISTRY,
    secrets: bool = True,
) -> Config:
    """Validate config text, each app's connector by the model `registry` has for its type;
    `source` names the file in problems; `secrets=False` does not ask `env` for the secrets."""
    doc = YamlDocument(source)
    data = doc.read(text)
    if data is None and not doc.problems:
        return Config()
    if not isinstance(data, dict):
        doc.add(
            (),
            f"the file should be a mapping of keys (slack:, admins:, apps:, …); "
            f"found {shown(data)}",
        )
        raise ConfigError(doc.problems)
    _extra_checks(doc, data, env if secrets else None)
    config = None
    try:
        config = registry.config_model.model_validate(data)
    except ValidationError as exc:
        for error in exc.errors():
            _add_pydantic(doc, error, registry)
    if doc.problems or config is None:
        raise ConfigError(sorted(doc.problems, key=lambda p: p.line or 0))
    return config


def _extra_checks(doc: YamlDocument, data: dict[Any, Any], env: Mapping[str, str] | None) -> None:
    """Checks beyond the models; `env` None: the named secrets' variables are not looked at."""
    for loc, key, value in _walk(data, ()):
        if isinstance(key, str) and SECRET_KEY.match(key) and value not in (None, ""):
            doc.quiet.add((*loc, key))
            doc.add((*loc, key), f"looks like a secret; {_secret_hint(data, loc)}")
        if isinstance(key, str) and key.endswith("_env") and isinstance(value, str):
            _check_token_env(doc, (*loc, key), value, env)
    schedule = data.get("schedule")
    for name, expr in schedule.items() if isinstance(schedule, dict) else ():
        if isinstance(expr, str):
            _check_crontab(doc, ("schedule", name), expr)
    directory = data.get("directory")
    if (
        isinstance(directory, dict)
        and directory.get("source", "csv") == "csv"
        and not directory.get("path")
    ):
        doc.add(("directory",), "source csv needs path, the people CSV file (path: people.csv)")
    apps = data.get("apps")
    _check_unique(doc, apps, ("apps",), "app")
    for i, app in enumerate(apps if isinstance(apps, list) else []):
        if isinstance(app, dict):
            _check_unique(doc, app.get("tiers"), ("apps", i, "tiers"), "tier")


SECRET_SETTINGS = {  # the key each connector type names its secret's variable with
    "google_workspace": "credentials_env",
    "microsoft365": "client_secret_env",
}


def _secret_hint(data: dict[Any, Any], loc: Loc) -> str:
    """Where the secret pasted at `loc` goes instead, in the words of that part of the file."""
    if loc[:1] == ("slack",):
        return "the bot token goes in the SLACK_BOT_TOKEN environment variable, never in the file"
    here: Any = data
    for part in loc:
        if isinstance(here, dict):
            here = here.get(part)
        elif isinstance(here, list) and isinstance(part, int) and part < len(here):
            here = here[part]
        else:
            here = None
    kind = here.get("type") if isinstance(here, dict) else None
    setting = SECRET_SETTINGS.get(str(kind), "token_env")
    return (
        f"secrets go in environment variables, named with {setting} "
        f"(for example {setting}: {str(kind or 'figma').upper()}_SECRET)"
    )


def _walk(value: Any, loc: Loc) -> Iterator[tuple[Loc, Any, Any]]:
    items = value.items() if isinstance(value, dict) else enumerate(value)
    for key, item in items:
        yield loc, key, item
        if isinstance(item, dict | list):
            yield from _walk(item, (*loc, key))


def _check_crontab(doc: YamlDocument, loc: Loc, expr: str) -> None:
    try:
        crontab_trigger(expr, dt.UTC)
    except ValueError as exc:
        # APScheduler's detail repeats parts of the expression, so it goes where the
        # expression itself may be shown.
        detail = f": {exc}" if showable(expr) else ""
        doc.add(
            loc,
            f"{shown(expr)} is not a valid crontab (5 fields: minute "
            f"hour day-of-month month day-of-week){detail}",
        )


def _check_token_env(doc: YamlDocument, loc: Loc, name: str, env: Mapping[str, str] | None) -> None:
    if not ENV_NAME.match(name) or name.lower().startswith(("xox", "ghp_", "sk-")):
        doc.add(
            loc,
            f"{bare(loc[-1])} names an environment variable (like FIGMA_SCIM_TOKEN), "
            f"it does not hold the secret itself; {TOKEN_HINT}",
        )
    elif env is not None and not env.get(name, "").strip():
        doc.add(
            loc,
            f"{bare(name)} is not set in the environment; "
            "connector secrets come only from environment variables",
        )


def _check_unique(doc: YamlDocument, items: Any, loc: Loc, what: str) -> None:
    first: dict[Any, int] = {}
    for i, item in enumerate(items if isinstance(items, list) else []):
        key = item.get("key") if isinstance(item, dict) else None
        if isinstance(key, str) and key in first:
            doc.add(
                (*loc, i, "key"),
                f"duplicate {what} key {shown(key)} "
                f"(first at line {doc.line((*loc, first[key], 'key'))})",
            )
        elif isinstance(key, str):
            first[key] = i


def _add_pydantic(doc: YamlDocument, error: ErrorDetails, registry: Registry) -> None:
    kind, msg = error["type"], error["msg"].removeprefix("Value error, ")
    if "must be unique" in msg:
        return  # reported with lines by _check_unique
    loc = _present(doc, tuple(error["loc"]))
    if loc in doc.quiet:
        return
    if kind in ("extra_forbidden", "missing"):
        doc.add(loc[:-1], _key_reason(kind, error, registry.config_model), line=doc.line(loc))
        return
    doc.add(_refine(doc, loc, msg), _reason(error, msg, registry.names()))


def _present(doc: YamlDocument, loc: Loc) -> Loc:
    """Drop union tags pydantic inserts into `loc` (they are not keys in the file)."""
    kept: Loc = ()
    for i, part in enumerate(loc):
        here = (*kept, part)
        if here in doc.lines or here in doc.key_lines or i == len(loc) - 1:
            kept = here
    return kept


def _refine(doc: YamlDocument, loc: Loc, msg: str) -> Loc:
    """Point model-level errors at the key they are about."""
    found = re.match(r"app (\S+):", msg)
    if not loc and found:
        apps = doc.data.get("apps") if isinstance(doc.data, dict) else None
        for i, app in enumerate(apps if isinstance(apps, list) else []):
            if isinstance(app, dict) and app.get("key") == found.group(1):
                loc = ("apps", i)
    key = (
        "action"
        if "needs downgrade_to" in msg
        else "downgrade_to"
        if "downgrade_to" in msg
        else None
    )
    if key and (*loc, "reclaim", key) in doc.key_lines:
        return (*loc, "reclaim", key)
    return loc


def _key_reason(kind: str, error: ErrorDetails, root: type[Config]) -> str:
    key = error["loc"][-1]
    if kind == "missing":
        return f"missing required key {shown(key)}"
    model = _model_at(root, tuple(error["loc"][:-1]))
    if model is None:
        return f"unknown key {shown(key)}"
    allowed = list(model.model_fields)
    close = difflib.get_close_matches(str(key).lower(), allowed, n=1, cutoff=0.75)
    guess = f" (did you mean {close[0]!r}?)" if close and showable(key) else ""
    return f"unknown key {shown(key)}{guess}; allowed keys: {', '.join(allowed)}"


def _reason(error: ErrorDetails, msg: str, types: list[str]) -> str:
    kind, ctx, value = error["type"], error.get("ctx") or {}, error.get("input")
    got = f", got {shown(value, tuple(error['loc']))}"
    if kind == "union_tag_invalid":
        expected = ctx["expected_tags"].replace(Q, "")
        return f"unknown {ctx['discriminator'].strip(Q)} {shown(ctx['tag'])}; use one of {expected}"
    if kind == "union_tag_not_found":
        return f"needs a {ctx['discriminator']} key ({', '.join(types)})"
    if kind == "string_pattern_mismatch":
        return PATTERN_WORDS.get(ctx["pattern"], f"should match {ctx['pattern']}") + got
    if kind == "too_short":
        return f"should have at least {ctx['min_length']} item(s), not {ctx['actual_length']}"
    if kind in BOUNDS:
        return BOUNDS[kind].format(**ctx) + got
    word = TYPE_WORDS.get(kind.split("_")[0])
    if word and kind.endswith(("_type", "_parsing", "_from_float", "_inexact")):
        return f"should be {word}{got}"
    if kind == "value_error":
        return _validator_reason(ctx.get("error"), msg)
    return masked(msg.replace("Input should", "should")) + got


def _validator_reason(error: Any, msg: str) -> str:
    """A validator's reason, its values written out only as `shown` allows."""
    if isinstance(error, ConfigValueError):
        return error.template.format(**{name: Shown(v) for name, v in error.values.items()})
    return masked(msg)


def _model_at(root: type[Config], loc: Loc) -> type[BaseModel] | None:
    """The config model class found at `loc` under `root`, following lists and tagged unions."""
    current: Any = root
    for part in loc:
        current = _step(current, part)
    return next((m for m in _members(current) if isclass(m) and issubclass(m, BaseModel)), None)


def _step(current: Any, part: str | int) -> Any:
    for member in _members(current):
        if isinstance(part, int) and get_origin(member) is list:
            return get_args(member)[0]
        if isinstance(part, str) and isclass(member) and issubclass(member, BaseModel):
            field = member.model_fields.get(part)
            if field is not None:
                return field.annotation
            tag = member.model_fields.get("type")
            if (
                tag is not None
                and get_origin(tag.annotation) is Literal
                and part in get_args(tag.annotation)
            ):
                return member
    return None


def _members(tp: Any) -> list[Any]:
    if get_origin(tp) is Annotated:
        return _members(get_args(tp)[0])
    if get_origin(tp) in (Union, types.UnionType):
        return [m for arg in get_args(tp) for m in _members(arg)]
    return [] if tp is None or tp is type(None) else [tp]
