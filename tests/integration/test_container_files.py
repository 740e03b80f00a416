"""The Dockerfile and compose file: checked for what they say (no Docker engine runs here),
and the command the image runs is run here, outside a container."""

from __future__ import annotations

import json
import os
import shlex
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import yaml

from bot.config.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
INSTRUCTIONS = {
    "FROM", "RUN", "COPY", "WORKDIR", "ENV", "USER", "VOLUME", "EXPOSE", "HEALTHCHECK",
    "ENTRYPOINT", "CMD", "ARG", "LABEL",
}  # fmt: skip


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of the Dockerfile, continuation lines joined."""
    joined = (ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    found = []
    for line in joined.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            found.append((word, rest.strip()))
    return found


def test_the_dockerfile_uses_known_instructions_and_copies_what_exists() -> None:
    steps = instructions()

    assert {word for word, _ in steps} <= INSTRUCTIONS
    for word, rest in steps:
        if word == "COPY" and not rest.startswith("--from"):
            *sources, _ = shlex.split(rest)
            assert all((ROOT / source).exists() for source in sources), rest


def test_the_image_runs_seatkeeper_serve_as_a_user_without_privileges() -> None:
    steps = instructions()
    final = steps[max(i for i, (word, _) in enumerate(steps) if word == "FROM") :]
    users = [rest for word, rest in final if word == "USER"]
    entry = json.loads(next(rest for word, rest in final if word == "ENTRYPOINT"))
    command = json.loads(next(rest for word, rest in final if word == "CMD"))

    assert users and users[-1] not in ("root", "0")
    assert entry + command == ["seatkeeper", "serve", "--host", "0.0.0.0", "--port", "8000"]
    assert any("/readyz" in rest for word, rest in final if word == "HEALTHCHECK")


def test_the_compose_file_runs_seatkeeper_on_postgresql_with_settings_it_knows() -> None:
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())
    seatkeeper = compose["services"]["seatkeeper"]

    assert set(compose["services"]) == {"seatkeeper", "postgres"}
    assert seatkeeper["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert {name.lower() for name in seatkeeper["environment"]} <= set(Settings.model_fields)
    url = seatkeeper["environment"]["SEATKEEPER_DATABASE_URL"]
    assert url.startswith("postgresql+psycopg://") and url.endswith("@postgres/seatkeeper")
    assert "./seatkeeper.yml:/config/seatkeeper.yml:ro" in seatkeeper["volumes"]


def test_the_images_command_serves_health_and_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    (tmp_path / "seatkeeper.yml").write_text("admins: [U0ADMIN01]\n")
    command = ["serve", "--host", "0.0.0.0", "--port", str(port)]
    env = {
        "PATH": os.environ.get("PATH", ""),
        "SEATKEEPER_CONFIG": str(tmp_path / "seatkeeper.yml"),
        "SEATKEEPER_DATABASE_URL": f"sqlite:///{tmp_path / 'seatkeeper.db'}",
        "SEATKEEPER_LOG_FORMAT": "json",
    }
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "seatkeeper"), *command],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        else:
            raise AssertionError("the server did not answer /healthz within 30 s")
        server.send_signal(signal.SIGTERM)
        # uvicorn finishes its shutdown, then lets the signal end the process (exit 143 in a
        # container), as an orchestrator expects of a SIGTERM.
        assert server.wait(timeout=20) in (0, -signal.SIGTERM)
        output = server.stdout.read() if server.stdout else ""
        assert "Application shutdown complete" in output, output[-2000:]
        # SEATKEEPER_LOG_FORMAT=json: uvicorn's lines too are one JSON object each.
        records = [json.loads(line) for line in output.splitlines() if line.strip()]
        assert {"uvicorn.error", "apscheduler.scheduler"} <= {r["logger"] for r in records}
        assert all({"time", "level", "logger", "message"} <= set(record) for record in records)
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
        if server.stdout is not None:
            server.stdout.close()
