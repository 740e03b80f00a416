"""Block Kit validation: the third-party JSON Schema plus the hard caps Slack enforces.

Every function returns human-readable `"<path>: <reason>"` strings; an empty list means valid.
Paths start at `text`, `blocks` or a view field, e.g. `blocks[2].elements[0].text.text`.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any, Literal, cast

from jsonschema import Draft202012Validator, ValidationError
from referencing import Registry, Resource

Surface = Literal["message", "modal", "home"]

SCHEMA_FILE = "slack-block-kit.schema.json"
MAX_BLOCKS: dict[str, int] = {"message": 50, "modal": 100, "home": 100}
MESSAGE_TEXT_MAX = 40_000
MESSAGE_BLOCK_TEXT_MAX = 12_000  # reported, not documented: Slack refuses ~12-13k in blocks
VIEW_BUTTON_TEXT_MAX = 24
PRIVATE_METADATA_MAX = 3_000
ID_MAX = 255
_TEXT_TYPES = {"plain_text", "mrkdwn", "text"}
_LIMIT_VALIDATORS = {"maxLength", "maxItems"}

Path_ = tuple[str | int, ...]


@dataclass(frozen=True)
class _Issue:
    path: Path_
    reason: str
    limit: bool = False  # a length/count limit, which our own caps may also report

    def render(self) -> str:
        return f"{_render_path(self.path)}: {self.reason}"


def validate_blocks(blocks: Any, *, surface: Surface = "message") -> list[str]:
    """Validate a list of blocks for one surface (message, modal or home tab)."""
    return _render(_block_issues(blocks, surface))


def validate_message(payload: dict[str, Any]) -> list[str]:
    """Validate a message (`text` fallback plus optional `blocks`) as chat.postMessage gets it."""
    issues: list[_Issue] = []
    text = payload.get("text")
    if not isinstance(text, str) or not text.strip():
        issues.append(_Issue(("text",), "a message needs a non-empty plain-text fallback"))
    elif len(text) > MESSAGE_TEXT_MAX:
        issues.append(_Issue(("text",), _too_long(len(text), MESSAGE_TEXT_MAX), limit=True))
    if payload.get("blocks") is not None:
        issues += _block_issues(payload["blocks"], "message")
    return _render(issues)


def validate_view(view: Any) -> list[str]:
    """Validate a modal or Home tab view as views.open / views.publish / views.update get it."""
    if not isinstance(view, dict):
        return ["view: must be an object"]
    kind = view.get("type")
    if kind not in ("modal", "home"):
        return [f"type: must be 'modal' or 'home', not {kind!r}"]
    issues = [
        issue
        for issue in _schema_issues(view, f"{kind}_view", ())
        if not (len(issue.path) > 1 and issue.path[0] == "blocks")  # per-block pass below
    ]
    issues += _view_caps(view)
    if isinstance(view.get("blocks"), list):
        issues += _block_issues(view["blocks"], kind)
    return _render(issues)


# --- schema --------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _schema() -> dict[str, Any]:
    text = resources.files("bot.sandbox").joinpath(SCHEMA_FILE).read_text(encoding="utf-8")
    schema = json.loads(text)
    Draft202012Validator.check_schema(schema)
    return schema


@lru_cache(maxsize=64)
def _validator(definition: str) -> Draft202012Validator:
    schema = _schema()
    registry: Registry = Registry().with_resource(schema["$id"], Resource.from_contents(schema))
    wrapper = {"$ref": f"{schema['$id']}#/$defs/{definition}"}
    return Draft202012Validator(wrapper, registry=registry)


def _definitions() -> dict[str, Any]:
    return _schema()["$defs"]


def _schema_issues(instance: Any, definition: str, prefix: Path_) -> list[_Issue]:
    validator = _validator(definition)
    issues: list[_Issue] = []
    for error in validator.iter_errors(instance):
        for leaf in _explain(error):
            issues.append(
                _Issue(
                    prefix + tuple(leaf.absolute_path),
                    _describe(leaf),
                    limit=leaf.validator in _LIMIT_VALIDATORS,
                )
            )
    return issues


def _explain(error: ValidationError) -> list[ValidationError]:
    """Replace a failed oneOf/anyOf with the errors of the branch the instance meant to be.

    The branch is the one whose `type` discriminator matched; among several, the one with the
    fewest errors. Without a discriminator match the union error itself is reported.
    """
    if error.validator not in ("oneOf", "anyOf") or not error.context:
        return [error]
    branches: dict[Any, list[ValidationError]] = {}
    for sub in error.context:
        branches.setdefault(sub.relative_schema_path[0], []).append(sub)
    candidates = [
        errs
        for errs in branches.values()
        if not any(
            e.validator in ("const", "enum") and list(e.relative_path) == ["type"] for e in errs
        )
    ]
    if not candidates:
        return [error]
    return [leaf for sub in min(candidates, key=len) for leaf in _explain(sub)]


def _describe(error: ValidationError) -> str:
    value, instance = cast(Any, error.validator_value), cast(Any, error.instance)
    if error.validator == "maxLength":
        return _too_long(len(instance), value)
    if error.validator == "maxItems":
        return f"has {len(instance)} items, more than the limit of {value}"
    if error.validator == "minLength":
        return f"must have at least {value} character(s)"
    if error.validator == "minItems":
        return f"must have at least {value} item(s)"
    message = error.message
    return message if len(message) <= 200 else message[:197] + "..."


# --- caps ------------------------------------------------------------------------------


def _block_issues(blocks: Any, surface: Surface) -> list[_Issue]:
    if not isinstance(blocks, list):
        return [_Issue(("blocks",), "must be a list of blocks")]
    issues: list[_Issue] = []
    limit = MAX_BLOCKS[surface]
    if len(blocks) > limit:
        reason = f"has {len(blocks)} blocks, more than the limit of {limit}"
        issues.append(_Issue(("blocks",), reason, limit=True))
    known = _definitions()
    for index, block in enumerate(blocks):
        path: Path_ = ("blocks", index)
        kind = block.get("type") if isinstance(block, dict) else None
        if not isinstance(block, dict):
            issues.append(_Issue(path, "a block must be an object"))
        elif f"{kind}_block" not in known:
            issues.append(_Issue((*path, "type"), f"unknown block type {kind!r}"))
        else:
            issues += _schema_issues(block, f"{kind}_block", path)
            issues += _caps(block, path)
    issues += _duplicate_block_ids(blocks)
    total = sum(len(text) for _, text in _texts(blocks, ("blocks",)))
    if surface == "message" and total > MESSAGE_BLOCK_TEXT_MAX:
        issues.append(
            _Issue(("blocks",), f"hold {total} characters of text, over {MESSAGE_BLOCK_TEXT_MAX}")
        )
    return issues


def _caps(block: dict[str, Any], path: Path_) -> list[_Issue]:
    """The SLACK-FACTS caps, checked whatever the schema says about the block."""
    checks: list[tuple[Path_, Any, int, str]] = [
        ((*path, "block_id"), block.get("block_id"), ID_MAX, "length")
    ]
    kind = block["type"]
    if kind == "section":
        checks.append(((*path, "text", "text"), _text_of(block.get("text")), 3000, "length"))
        fields = block.get("fields")
        checks.append(((*path, "fields"), fields, 10, "items"))
        for i, field in enumerate(fields if isinstance(fields, list) else []):
            checks.append(((*path, "fields", i, "text"), _text_of(field), 2000, "length"))
    elif kind == "header":
        checks.append(((*path, "text", "text"), _text_of(block.get("text")), 150, "length"))
    elif kind in ("actions", "context"):
        checks.append(
            ((*path, "elements"), block.get("elements"), 25 if kind == "actions" else 10, "items")
        )
    action_ids: Counter[str] = Counter()
    for node_path, node in _walk(block, path):
        if isinstance(node.get("action_id"), str):
            action_ids[node["action_id"]] += 1
            checks.append(((*node_path, "action_id"), node["action_id"], ID_MAX, "length"))
        if node.get("type") == "button":
            checks.append(((*node_path, "text", "text"), _text_of(node.get("text")), 75, "length"))
            checks.append(((*node_path, "value"), node.get("value"), 2000, "length"))
        if str(node.get("type", "")).endswith("select"):
            for key in ("options", "option_groups"):
                checks.append(((*node_path, key), node.get(key), 100, "items"))
    issues = [_cap_issue(p, value, cap, unit) for p, value, cap, unit in checks]
    issues += [
        _Issue((*path,), f"action_id {aid!r} is used {n} times in one block")
        for aid, n in action_ids.items()
        if n > 1
    ]
    return [issue for issue in issues if issue is not None]


def _cap_issue(path: Path_, value: Any, cap: int, unit: str) -> _Issue | None:
    if unit == "length" and isinstance(value, str) and len(value) > cap:
        return _Issue(path, _too_long(len(value), cap), limit=True)
    if unit == "items" and isinstance(value, list) and len(value) > cap:
        return _Issue(path, f"has {len(value)} items, more than the limit of {cap}", limit=True)
    return None


def _view_caps(view: dict[str, Any]) -> list[_Issue]:
    issues = [
        _cap_issue((key, "text"), _text_of(view.get(key)), VIEW_BUTTON_TEXT_MAX, "length")
        for key in ("title", "submit", "close")
    ]
    issues.append(
        _cap_issue(
            ("private_metadata",), view.get("private_metadata"), PRIVATE_METADATA_MAX, "length"
        )
    )
    for key in ("callback_id", "external_id"):
        issues.append(_cap_issue((key,), view.get(key), ID_MAX, "length"))
    return [issue for issue in issues if issue is not None]


def _duplicate_block_ids(blocks: list[Any]) -> list[_Issue]:
    counts = Counter(
        b["block_id"] for b in blocks if isinstance(b, dict) and isinstance(b.get("block_id"), str)
    )
    return [
        _Issue(("blocks",), f"block_id {bid!r} is used by {n} blocks")
        for bid, n in counts.items()
        if n > 1
    ]


# --- helpers ---------------------------------------------------------------------------


def _walk(node: Any, path: Path_) -> Iterator[tuple[Path_, dict[str, Any]]]:
    if isinstance(node, dict):
        yield path, node
        for key, value in node.items():
            yield from _walk(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _walk(value, (*path, index))


def _texts(node: Any, path: Path_) -> Iterator[tuple[Path_, str]]:
    for node_path, obj in _walk(node, path):
        if obj.get("type") in _TEXT_TYPES and isinstance(obj.get("text"), str):
            yield node_path, obj["text"]


def _text_of(obj: Any) -> Any:
    return obj.get("text") if isinstance(obj, dict) else None


def _too_long(length: int, cap: int) -> str:
    return f"is {length} characters, more than the limit of {cap}"


def _render_path(path: Path_) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(root)"


def _render(issues: list[_Issue]) -> list[str]:
    """Render in order, reporting one limit per path (schema and caps often both see it)."""
    limited: set[Path_] = set()
    out: list[str] = []
    for issue in issues:
        text = issue.render()
        if text in out or (issue.limit and issue.path in limited):
            continue
        if issue.limit:
            limited.add(issue.path)
        out.append(text)
    return out
