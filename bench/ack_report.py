"""The ack benchmark's figures and checks, from what `bench.ack` measured."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from bench.loadgen import Outcome
from bench.suite import Part, percentile


@dataclass(frozen=True)
class Plan:
    rates: tuple[int, ...]  # clicks per second, open loop
    seconds: float  # length of each open-loop phase
    saturation_seconds: float
    saturation_clicks: int  # pending requests kept for the closed loop
    senders: int  # closed-loop clients
    drain_limit: float  # seconds to wait for the job backlog after a phase
    home_opens: int
    command_rate: int
    start: str  # how server processes start: "spawn" (true memory figures) or "fork" (fast)
    settle: float  # seconds after warm-up before idle memory is read


@dataclass
class Phase:
    """One load phase on one server: its answers, the server CPU it cost, the jobs after it."""

    name: str
    outcome: Outcome
    cpu: float = 0.0  # server CPU seconds during the phase
    cpu_drained: float = 0.0  # ... until its backlog drained (or the wait ended)
    waiting: int = 0  # jobs waiting when the phase began (left by the ones before)
    backlog: int = 0  # jobs waiting when the phase ended
    left: int = 0  # ... still waiting when the wait ended
    drain: float = 0.0  # seconds the wait took
    jobs: int = 0  # jobs the phase created
    done: int = 0  # jobs finished from the phase's start to the wait's end

    @property
    def answered(self) -> int:
        return len(self.outcome.latencies)


@dataclass
class Run:
    """Every phase measured on one server, and its memory."""

    label: str
    phases: dict[str, Phase] = field(default_factory=dict)
    idle_mb: float = float("nan")
    peak_mb: float = float("nan")
    decided: int = 0
    clicked: int = 0
    dead: int = 0


GOAL_RATE = 100  # clicks per second the latency and backlog goals are stated for
P99_TIMES = 3.0  # p99 at most this many times the baseline's ...
P99_MS = 25.0  # ... and at most this many milliseconds
SATURATION_SHARE = 0.5
IDLE_MB, LOADED_MB = 150.0, 250.0


def ms(values: list[float], q: float) -> float:
    return percentile(values, q) * 1000


def report(part: Part, plan: Plan, baseline: Run, runs: list[Run]) -> None:
    for run in runs:
        latencies(part, plan, baseline, run)
        throughput(part, baseline, run)
        backlog(part, run)
        others(part, plan, baseline, run)
        memory(part, baseline, run)
        checks(part, run)


def latencies(part: Part, plan: Plan, baseline: Run, run: Run) -> None:
    for rate in plan.rates:
        ours, base = run.phases[str(rate)].outcome, baseline.phases[str(rate)].outcome
        where = f"at {rate}/s ({run.label})"
        part.figure(
            f"Approve p50 {where}", ms(ours.latencies, 50), "ms", baseline=ms(base.latencies, 50)
        )
        p99, base99 = ms(ours.latencies, 99), ms(base.latencies, 99)
        if rate == GOAL_RATE:
            met = p99 <= P99_TIMES * base99 and p99 <= P99_MS
            note = "" if met else p99_note(run.phases[str(rate)], p99, base99)
            part.figure(
                f"Approve p99 {where}",
                p99,
                "ms",
                baseline=base99,
                goal=f"≤ {P99_TIMES:.0f}x baseline, ≤ {P99_MS:.0f} ms",
                met=met,
                note=note,
            )
        else:
            part.figure(f"Approve p99 {where}", p99, "ms", baseline=base99)
        part.figure(
            f"Approve max {where}",
            max(ours.latencies, default=math.nan) * 1000,
            "ms",
            baseline=max(base.latencies, default=math.nan) * 1000,
        )
    errors = sum(p.outcome.errors for p in run.phases.values())
    first = next((p.outcome.first_error for p in run.phases.values() if p.outcome.errors), "")
    part.figure(
        f"requests not answered 200 ({run.label})",
        errors,
        "",
        baseline=sum(p.outcome.errors for p in baseline.phases.values()),
        note=f"first: {first}" if first else "",
    )


def p99_note(phase: Phase, p99: float, base99: float) -> str:
    cpu = phase.cpu / max(phase.answered, 1) * 1000
    return (
        f"{p99:.0f} ms against {min(P99_TIMES * base99, P99_MS):.1f} ms allowed; the server spends"
        f" {cpu:.1f} ms of CPU per click (jobs included) on 2 cores shared with the fake Slack"
        " and the load generator"
    )


def throughput(part: Part, baseline: Run, run: Run) -> None:
    ours, base = run.phases["saturation"].outcome, baseline.phases["saturation"].outcome
    rate = len(ours.latencies) / ours.wall if ours.wall else math.nan
    base_rate = len(base.latencies) / base.wall if base.wall else math.nan
    met = rate >= SATURATION_SHARE * base_rate
    part.figure(
        f"saturation, closed loop ({run.label})",
        rate,
        "clicks/s",
        baseline=base_rate,
        goal=f"≥ {SATURATION_SHARE}x baseline",
        met=met,
        note=""
        if met
        else (
            f"{rate / base_rate:.2f}x the baseline; each click costs the server"
            f" {cpu_per(run.phases['saturation']):.1f} ms of CPU against"
            f" {cpu_per(baseline.phases['saturation']):.2f} ms for bare Bolt"
        ),
    )
    rated = [p for n, p in run.phases.items() if n.isdigit()]
    base_rated = [p for n, p in baseline.phases.items() if n.isdigit()]
    part.figure(
        f"server CPU per Approve while loaded ({run.label})",
        cpu_all(rated),
        "ms",
        baseline=cpu_all(base_rated),
    )
    part.figure(
        f"server CPU per Approve, its jobs included ({run.label})",
        sum(p.cpu_drained for p in rated) / max(sum(p.answered for p in rated), 1) * 1000,
        "ms",
        note="until the backlog drained or the wait ended",
    )


def cpu_per(phase: Phase) -> float:
    return phase.cpu / max(phase.answered, 1) * 1000


def cpu_all(phases: list[Phase]) -> float:
    return sum(p.cpu for p in phases) / max(sum(p.answered for p in phases), 1) * 1000


def backlog(part: Part, run: Run) -> None:
    for name, phase in run.phases.items():
        if not name.isdigit():
            continue
        where = f"after {name}/s ({run.label})"
        part.figure(f"job backlog {where}", phase.backlog, "jobs", note=drain_note(phase))
    at = run.phases.get(str(GOAL_RATE))
    if at is None:
        return
    wall = at.outcome.wall or math.nan
    fill = at.jobs / wall
    grew = at.backlog - at.waiting
    done = (at.jobs - grew) / wall
    met = grew <= fill * 1.0  # at most a second's worth more waiting when the load stops
    part.figure(
        f"jobs done per second during {GOAL_RATE}/s ({run.label})",
        done,
        "jobs/s",
        goal=f"≥ the fill rate ({fill:.0f}/s)",
        met=met,
        note="" if met else f"the backlog grew by {grew} jobs; {drain_note(at)}",
    )


def drain_note(phase: Phase) -> str:
    if phase.left:
        return f"{phase.left} still waiting after {phase.drain:.0f} s"
    return f"drained in {phase.drain:.1f} s"


def others(part: Part, plan: Plan, baseline: Run, run: Run) -> None:
    ours, base = run.phases["help"].outcome, baseline.phases["help"].outcome
    part.figure(
        f"`/license help` p99 at {plan.command_rate}/s ({run.label})",
        ms(ours.latencies, 99),
        "ms",
        baseline=ms(base.latencies, 99),
    )
    home = run.phases["home"]
    part.figure(
        f"App Home open, answer p50 ({run.label})",
        ms(home.outcome.latencies, 50),
        "ms",
        note=f"server CPU {cpu_per(home):.0f} ms per open, with the pending requests the run left",
    )


def memory(part: Part, baseline: Run, run: Run) -> None:
    idle_met, loaded_met = run.idle_mb <= IDLE_MB, run.peak_mb <= LOADED_MB
    part.figure(
        f"serving RSS, idle ({run.label})",
        run.idle_mb,
        "MB",
        baseline=baseline.idle_mb,
        goal=f"≤ {IDLE_MB:.0f} MB",
        met=idle_met,
    )
    part.figure(
        f"serving RSS, peak under load ({run.label})",
        run.peak_mb,
        "MB",
        baseline=baseline.peak_mb,
        goal=f"≤ {LOADED_MB:.0f} MB",
        met=loaded_met,
    )


def checks(part: Part, run: Run) -> None:
    errors = sum(p.outcome.errors for n, p in run.phases.items() if n not in ("help", "home"))
    part.check(
        run.clicked <= run.decided <= run.clicked + errors,
        f"{run.label}: {run.decided} steps decided for {run.clicked} clicks answered 200"
        f" ({errors} not answered)",
    )
    part.check(run.dead == 0, f"{run.label}: {run.dead} jobs dead")
    part.check(run.clicked > 0, f"{run.label}: no click answered")
