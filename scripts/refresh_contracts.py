"""Derive the contract files in tests/contracts/ from the full upstream documents.

The test suite reads vendor and Slack contracts (OpenAPI specs, discovery documents, Graph's
CSDL, JSON Schemas, payload samples) only from `tests/contracts/`. Those files are the upstream
documents named in `tests/contracts/SOURCES.md`, copied whole when they are small and otherwise
cut down to what the tests read: the operations, resources, types and entity sets listed below,
and everything those refer to (`$ref`s and discriminator mappings, followed to the end), so each
trimmed document stays self-consistent where the tests resolve references. Graph types are
kept with all their properties and their base types; the types those properties name are not.

Usage, from the repository root:

    .venv/bin/python scripts/refresh_contracts.py [UPSTREAM_DIR]

UPSTREAM_DIR holds the full documents under the file names SOURCES.md gives; it defaults to
`../shared/contracts` beside the repository. Every file of `tests/contracts/` except SOURCES.md
is written again. The output is deterministic (the same input gives the same bytes), so a
refresh shows in `git diff` as exactly what upstream changed. When a test starts reading
something new (another Web API method, Okta path, Google resource, Graph type), add it to the
selection here, run the script and commit its output with the test.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parent.parent
OUTPUT = REPO / "tests" / "contracts"
# The Block Kit schema is the sandbox's: it checks what the app sends as Slack would.
BLOCK_KIT = "slack-block-kit.schema.json"
SANDBOX = REPO / "bot" / "sandbox"
DEFAULT_UPSTREAM = REPO.parent / "shared" / "contracts"

Key = tuple[str, ...]  # a path of keys into a JSON or YAML document
RefsOf = Callable[[Any], Iterator[Key]]

COPIED = (
    "slack_common_event_wrapper_schema.json",
    "manifest-schema/manifest.schema.1.0.0.json",
    "payload-shapes/interactions/SlashCommandPayload.json",
    "payload-shapes/interactions/BlockActionPayload.json",
    "payload-shapes/interactions/ViewSubmissionPayload.json",
    "payload-shapes/events/AppHomeOpenedPayload.json",
    *(
        f"payload-shapes/web-api-responses/{method}.json"
        for method in (
            "auth.test",
            "chat.postEphemeral",
            "team.accessLogs",
            "users.info",
            "users.list",
            "users.lookupByEmail",
        )
    ),
)

SLACK_WEB_API = "slack_web_openapi_v2.json"
# The methods LocalSlack serves and those the Slack seats connector calls.
SLACK_METHODS = (
    "auth.test",
    "chat.postEphemeral",
    "chat.postMessage",
    "chat.update",
    "conversations.history",
    "conversations.open",
    "conversations.replies",
    "team.accessLogs",
    "team.billableInfo",
    "users.info",
    "users.list",
    "users.lookupByEmail",
    "views.open",
    "views.publish",
    "views.update",
)

OKTA = "okta_management-oneOfInheritance-noExamples.yaml"
OKTA_TOP_LEVEL = ("openapi", "info", "servers", "externalDocs")
# The routes FakeOkta serves; the schemas the connector reads and the parameters and security
# scheme the contract test looks up.
OKTA_OPERATIONS = (
    ("/api/v1/apps/{appId}", ("get",)),
    ("/api/v1/apps/{appId}/users", ("get", "post")),
    ("/api/v1/apps/{appId}/users/{userId}", ("get", "post", "delete")),
    ("/api/v1/users", ("get",)),
    ("/api/v1/users/{id}", ("get",)),
)
OKTA_COMPONENTS = (
    ("schemas", "User"),
    ("schemas", "AppUser"),
    ("schemas", "Application"),
    ("schemas", "Error"),
    ("parameters", "queryAppUserExpand"),
    ("securitySchemes", "apiToken"),
)

# Per discovery document: the resources the fake serves and the schemas it or the connector names.
GOOGLE = {
    "google_licensing-v1.json": (
        ("licenseAssignments",),
        ("LicenseAssignment", "LicenseAssignmentList"),
    ),
    "google_admin-directory_v1.json": (("users",), ("User", "Users")),
    "google_admin-reports_v1.json": (("userUsageReport",), ("UsageReports", "UsageReport")),
}

GRAPH = "msgraph_v1.0_cleanMetadata.xml"
GRAPH_NAMESPACE = "microsoft.graph"
GRAPH_TYPES = (
    "user",
    "assignedLicense",
    "licenseAssignmentState",
    "signInActivity",
    "subscribedSku",
    "licenseUnitsDetail",
)
GRAPH_ENTITY_SETS = ("users", "subscribedSkus")
GRAPH_ACTIONS = ("assignLicense",)
EDMX = "http://docs.oasis-open.org/odata/ns/edmx"
EDM = "http://docs.oasis-open.org/odata/ns/edm"
TYPE_KINDS = ("EntityType", "ComplexType")


def main(argv: list[str] | None = None) -> int:
    """Write every file of tests/contracts/ (but SOURCES.md), and the sandbox's Block Kit
    schema, from the upstream documents."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("upstream", nargs="?", type=Path, default=DEFAULT_UPSTREAM)
    upstream: Path = parser.parse_args(argv).upstream
    needed = (*COPIED, BLOCK_KIT, SLACK_WEB_API, *GOOGLE, OKTA, GRAPH)
    missing = [name for name in needed if not (upstream / name).is_file()]
    if missing:
        parser.error(f"{upstream} does not hold {', '.join(missing)}")
    for stale in OUTPUT.rglob("*"):
        if stale.is_file() and stale.name != "SOURCES.md":
            stale.unlink()  # so that what is no longer selected goes too
    write_all(upstream)
    return 0


def write_all(upstream: Path) -> None:
    """Copy the small documents and write the trimmed ones."""
    shutil.copyfile(upstream / BLOCK_KIT, SANDBOX / BLOCK_KIT)
    for name in COPIED:
        (OUTPUT / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(upstream / name, OUTPUT / name)
    write_json(SLACK_WEB_API, slack_web_api(read_json(upstream / SLACK_WEB_API)))
    for name, (resources, schemas) in GOOGLE.items():
        write_json(name, discovery(read_json(upstream / name), resources, schemas))
    write_yaml(OKTA, okta(read_yaml(upstream / OKTA)))
    write_graph(trimmed_graph(ET.parse(upstream / GRAPH).getroot()))


# --- JSON and YAML documents -------------------------------------------------------------


def slack_web_api(spec: dict[str, Any]) -> dict[str, Any]:
    """The Web API spec with only SLACK_METHODS and the definitions they use."""
    seeds = [(key,) for key in spec if key not in ("paths", "definitions")]
    seeds += [("paths", f"/{method}") for method in SLACK_METHODS]
    return select(spec, seeds, pointers)


def okta(spec: dict[str, Any]) -> dict[str, Any]:
    """Okta's Management API with only the operations and components listed above."""
    seeds: list[Key] = [(key,) for key in OKTA_TOP_LEVEL]
    for template, methods in OKTA_OPERATIONS:
        shared = ("parameters",) if "parameters" in spec["paths"][template] else ()
        seeds += [("paths", template, part) for part in (*methods, *shared)]
    seeds += [("components", *name) for name in OKTA_COMPONENTS]
    return select(spec, seeds, pointers)


def discovery(doc: dict[str, Any], resources: Iterable[str], schemas: Iterable[str]) -> Any:
    """A Google discovery document with only the named resources and schemas (and theirs)."""
    seeds = [(key,) for key in doc if key not in ("resources", "schemas")]
    seeds += [("resources", name) for name in resources]
    seeds += [("schemas", name) for name in schemas]
    return select(doc, seeds, schema_names)


def select(doc: Any, seeds: Iterable[Key], refs_of: RefsOf) -> Any:
    """The parts of `doc` at `seeds` and at every reference they lead to, in `doc`'s order."""
    wanted: set[Key] = set()
    todo = list(seeds)
    while todo:
        key = todo.pop()
        if key not in wanted:
            wanted.add(key)
            todo.extend(refs_of(lookup(doc, key)))
    tree: dict[str, Any] = {}
    for key in sorted(wanted, key=len):
        node = tree
        for part in key[:-1]:
            node = node.setdefault(part, {})
            if node is True:
                break  # an enclosing part is kept whole already
        else:
            node[key[-1]] = True
    return prune(doc, tree)


def prune(node: Any, tree: dict[str, Any] | bool) -> Any:
    """`node` cut down to the keys in `tree` (True: the whole subtree), keeping its order."""
    if tree is True:
        return node
    assert isinstance(tree, dict)
    return {key: prune(value, tree[key]) for key, value in node.items() if key in tree}


def lookup(doc: Any, key: Key) -> Any:
    for part in key:
        doc = doc[part]
    return doc


def pointers(node: Any) -> Iterator[Key]:
    """The targets of `$ref`s and discriminator mappings (`#/a/b` pointers) under `node`."""
    if isinstance(node, dict):
        for value in node.values():
            yield from pointers(value)
    elif isinstance(node, list):
        for value in node:
            yield from pointers(value)
    elif isinstance(node, str) and node.startswith("#/"):
        parts = node.removeprefix("#/").split("/")
        yield tuple(part.replace("~1", "/").replace("~0", "~") for part in parts)


def schema_names(node: Any) -> Iterator[Key]:
    """The schemas a discovery document's `{"$ref": "Name"}`s under `node` name."""
    if isinstance(node, dict):
        if isinstance(node.get("$ref"), str):
            yield ("schemas", node["$ref"])
        for value in node.values():
            yield from schema_names(value)
    elif isinstance(node, list):
        for value in node:
            yield from schema_names(value)


def read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def read_yaml(path: Path) -> Any:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with path.open(encoding="utf-8") as file:
        return yaml.load(file, Loader=loader)


def write_json(name: str, doc: Any) -> None:
    text = json.dumps(doc, indent=1, ensure_ascii=False) + "\n"
    (OUTPUT / name).write_text(text, encoding="utf-8")


class _PlainDumper(yaml.SafeDumper):
    """Writes a value met twice out twice, instead of as a YAML anchor and alias."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def write_yaml(name: str, doc: Any) -> None:
    text = yaml.dump(doc, Dumper=_PlainDumper, sort_keys=False, allow_unicode=True, width=100)
    (OUTPUT / name).write_text(text, encoding="utf-8")


# --- Graph's CSDL ------------------------------------------------------------------------


def trimmed_graph(root: ET.Element) -> ET.Element:
    """The CSDL with only the microsoft.graph schema's listed types, entity sets and actions."""
    services = root.find(f"{{{EDMX}}}DataServices")
    assert services is not None, "no edmx:DataServices in Graph's metadata"
    schema = next(s for s in services if s.get("Namespace") == GRAPH_NAMESPACE)
    types = graph_types(schema)
    kept = ET.Element(schema.tag, schema.attrib)
    for element in schema:
        if element.tag == f"{{{EDM}}}EntityContainer":
            kept.append(entity_container(element))
        elif wanted_in_graph(element, types):
            kept.append(element)
    out = ET.Element(root.tag, root.attrib)
    ET.SubElement(out, services.tag, services.attrib).append(kept)
    return out


def wanted_in_graph(element: ET.Element, types: set[str]) -> bool:
    """One of the kept types, or a listed action bound to one of them."""
    kind, name = element.tag.removeprefix(f"{{{EDM}}}"), element.get("Name", "")
    if kind == "Action":
        return name in GRAPH_ACTIONS and bound_to(element, types)
    return kind in TYPE_KINDS and name in types


def graph_types(schema: ET.Element) -> set[str]:
    """GRAPH_TYPES and, for each, its chain of base types."""
    bases = {
        e.get("Name", ""): e.get("BaseType")
        for e in schema
        if e.tag.removeprefix(f"{{{EDM}}}") in TYPE_KINDS
    }
    found: set[str] = set()
    for name in GRAPH_TYPES:
        current: str | None = name
        while current is not None and current not in found:
            found.add(current)
            base = bases[current]
            current = short_type(base) if base else None
    return found


def short_type(name: str) -> str:
    """`user` from `graph.user` or `microsoft.graph.user`."""
    return name.removeprefix(f"{GRAPH_NAMESPACE}.").removeprefix("graph.")


def bound_to(action: ET.Element, types: set[str]) -> bool:
    binding = action.find(f"{{{EDM}}}Parameter[@Name='bindingParameter']")
    return binding is not None and short_type(binding.get("Type", "")) in types


def entity_container(container: ET.Element) -> ET.Element:
    kept = ET.Element(container.tag, container.attrib)
    for entity_set in container.iter(f"{{{EDM}}}EntitySet"):
        if entity_set.get("Name") in GRAPH_ENTITY_SETS:
            kept.append(entity_set)
    return kept


def write_graph(root: ET.Element) -> None:
    ET.register_namespace("edmx", EDMX)
    ET.register_namespace("", EDM)
    ET.indent(root, space="  ")
    text = ET.tostring(root, encoding="unicode", xml_declaration=False)
    (OUTPUT / GRAPH).write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
