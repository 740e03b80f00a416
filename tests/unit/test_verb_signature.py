"""One verb signature: mypy refuses a verb run with another's command, and no verb swallows any."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("bot", "workflows", "store", "connectors", "messages")
# Each wrong call is marked with what is wrong with it; the unmarked calls are right.
PROBE = textwrap.dedent(
    """\
    from bot.runtime.batches import in_batches
    from bot.runtime.runner import Runner
    from workflows.commands import ReconcileSeats, Tick, UpdatePeople
    from workflows.directory import PeopleDrift, update_people
    from workflows.people import ApplyPeople
    from workflows.ports import UnitOfWork
    from workflows.reminders import TickReport, tick


    def without_config_or_clock(cmd: Tick, *, uow: UnitOfWork) -> None: ...


    def calls(runner: Runner) -> tuple[TickReport, TickReport, list[PeopleDrift]]:
        runner(tick, ReconcileSeats("figma", []))  # wrong: another verb's command
        runner(tick)  # wrong: no command
        runner(lambda **kw: None, Tick())  # wrong: a lambda for a verb
        runner(without_config_or_clock, Tick())  # wrong: the config and clock keywords missing
        runner.rehearse(tick, ReconcileSeats("figma", []))  # wrong: another verb's command
        in_batches(runner, update_people, [], ApplyPeople)  # wrong: another verb's command
        done: str = runner(tick, Tick())  # wrong: not what the verb returns
        return (
            runner(tick, Tick()),
            runner.rehearse(tick, Tick()),
            in_batches(runner, update_people, [], UpdatePeople),
        )
    """
)


def test_mypy_refuses_every_verb_run_without_its_own_command_and_the_three_keywords(
    tmp_path: Path,
) -> None:
    probe = tmp_path / "probe.py"
    probe.write_text(PROBE)

    checked = subprocess.run(
        [sys.executable, "-m", "mypy", "--cache-dir", str(tmp_path / "cache"), str(probe)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=600,
        check=False,
    )

    refused = {int(n) for n in re.findall(r"probe\.py:(\d+): error", checked.stdout)}
    wrong = {n for n, line in enumerate(PROBE.splitlines(), 1) if "# wrong:" in line}
    assert refused == wrong, checked.stdout


def _swallowing_verbs(path: Path) -> list[str]:
    """`file:line name` of each function taking `uow` by keyword and also `*args` or `**kw`."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        keywords = {arg.arg for arg in node.args.kwonlyargs}
        if "uow" in keywords and (node.args.vararg or node.args.kwarg):
            found.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name}")
    return found


def test_no_verb_of_the_five_packages_swallows_arguments_it_does_not_declare() -> None:
    files = sorted(path for package in PACKAGES for path in (ROOT / package).rglob("*.py"))

    assert [found for path in files for found in _swallowing_verbs(path)] == []
