"""The benchmark suite: `python -m bench [PART ...] [--small] [--write] [--pg URL | --no-pg]`.

Runs the named parts (all by default), each against its baseline in the same run, and prints
every figure beside its baseline and goal. `--small` runs each part at the size CI uses (its
correctness checks hold, its figures mean little). `--write` puts the figures of the parts run
into `docs/PERFORMANCE.md`, each part in its own generated section. PostgreSQL figures use
`--pg URL` (default: `SEATKEEPER_BENCH_DATABASE_URL`, else the local server's `bench` database
when it answers, created if missing); its tables are emptied. The exit status is 1 when a
correctness check failed, else 0: a missed goal is reported, not an error.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import os
import sys
import time
from pathlib import Path
from types import ModuleType

from bench.suite import Part, Size, machine, table

# Each part is a module bench.KEY with TITLE and run(size, pg_url) -> Part, in run order.
PARTS: tuple[str, ...] = ("ack", "scan", "ingest", "campaign")
LOCAL_PG = "postgresql://postgres@127.0.0.1:5432/bench"
REPORT = Path(__file__).resolve().parent.parent / "docs" / "PERFORMANCE.md"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("parts", nargs="*", metavar="PART", help=f"of {', '.join(PARTS)}")
    parser.add_argument("--small", action="store_true", help="the small size CI runs")
    parser.add_argument("--write", action="store_true", help="record in docs/PERFORMANCE.md")
    parser.add_argument("--pg", metavar="URL", help="a PostgreSQL database for the PG figures")
    parser.add_argument("--no-pg", action="store_true", help="SQLite figures only")
    args = parser.parse_args(argv)
    unknown = [part for part in args.parts if part not in PARTS]
    if unknown:
        parser.error(f"no part named {', '.join(unknown)}; the parts are {', '.join(PARTS)}")
    return args


def postgres(args: argparse.Namespace) -> str | None:
    """The PostgreSQL URL to measure on, or None (said on the output)."""
    if args.no_pg:
        return None
    url = args.pg or os.environ.get("SEATKEEPER_BENCH_DATABASE_URL")
    if url:
        return url
    try:
        import psycopg

        with psycopg.connect(LOCAL_PG.rsplit("/", 1)[0] + "/postgres", connect_timeout=3) as c:
            c.autocommit = True
            if not c.execute("SELECT 1 FROM pg_database WHERE datname = 'bench'").fetchone():
                c.execute("CREATE DATABASE bench")
    except Exception as exc:  # any failure means: no local PostgreSQL to use
        print(f"PostgreSQL figures skipped: {LOCAL_PG} does not answer ({type(exc).__name__})")
        return None
    return LOCAL_PG


def module(key: str) -> ModuleType:
    return importlib.import_module(f"bench.{key}")


def write(parts: list[Part], started: dt.datetime) -> None:
    """Replace each part's generated section of docs/PERFORMANCE.md with its figures."""
    text = REPORT.read_text(encoding="utf-8") if REPORT.exists() else "# Performance\n"
    for part in parts:
        begin, end = f"<!-- bench:{part.key} -->", f"<!-- /bench:{part.key} -->"
        body = "\n".join(
            [
                begin,
                f"Measured {started:%Y-%m-%d} with `python -m bench {part.key}`:",
                "",
                *machine(),
                "",
                *table([part]),
                end,
            ]
        )
        if begin in text and end in text:
            head, rest = text.split(begin, 1)
            text = head + body + rest.split(end, 1)[1]
        else:
            text = text.rstrip("\n") + "\n\n" + body + "\n"
    REPORT.write_text(text, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    size = Size.SMALL if args.small else Size.FULL
    pg = postgres(args)
    started = dt.datetime.now(dt.UTC)
    parts: list[Part] = []
    for key in args.parts or PARTS:
        began = time.monotonic()
        print(f"== {key} ({size.value}) ==", flush=True)
        part = module(key).run(size, pg)
        print(f"   {time.monotonic() - began:.0f} s", flush=True)
        parts.append(part)
    print("\n".join([*machine(), "", *table(parts)]))
    if args.write and size is Size.FULL:
        write(parts, started)
        print(f"written to {REPORT}")
    return 1 if any(part.failed_checks for part in parts) else 0


if __name__ == "__main__":
    sys.exit(main())
