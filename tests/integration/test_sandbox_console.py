"""`seatkeeper demo` and `seatkeeper sandbox` as an operator runs them: the installed console
script in a folder of its own, reached over HTTP at the URL it prints, stopped with Ctrl-C."""

from __future__ import annotations

import socket
from pathlib import Path

import httpx

from tests.integration.console import run, started
from tests.integration.sandbox_harness import CONFIG, PEOPLE, free_port


def test_a_port_in_use_stops_the_demo_before_the_app_calls_whoever_holds_it(
    tmp_path: Path,
) -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]

        done = run(tmp_path, "demo", "--port", str(port))

        holder.setblocking(False)
        try:
            holder.accept()[0].close()
            called = True
        except BlockingIOError:
            called = False
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == (
        f"seatkeeper: port {port} on 127.0.0.1 is in use; choose another with --port\n"
    )
    assert not called, "the app connected to the server that held the port"


def test_the_demo_prints_its_url_answers_there_and_leaves_nothing_behind_on_ctrl_c(
    tmp_path: Path,
) -> None:
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    port = free_port()

    with started(tmp_path, "demo", "--port", str(port), TMPDIR=str(temporary)) as demo:
        line = demo.line_with("http://")
        url = f"http://127.0.0.1:{port}/sandbox/"
        page = httpx.get(url, timeout=30)
        people = httpx.get(f"http://127.0.0.1:{port}/sandbox/api/people", timeout=30).json()
        code, out, err = demo.interrupt()

    assert line == f"Seatkeeper sandbox: {url} (Ctrl-C stops it)\n"
    assert page.status_code == 200 and "<html" in page.text.lower()
    assert len(people["people"]) > 20
    assert code == 0, err
    assert out == line
    # Its jobs were stopped while it still listened: none found the port closed.
    assert "could not reach Slack" not in err and "Traceback" not in err, err
    assert list(temporary.iterdir()) == []  # its throwaway folder and database are gone


def test_the_sandbox_serves_your_own_config_and_directory_on_ipv6_loopback(
    tmp_path: Path,
) -> None:
    (tmp_path / "seatkeeper.yml").write_text(CONFIG)
    (tmp_path / "people.csv").write_text(PEOPLE)
    port = _free_ipv6_port()

    with started(tmp_path, "sandbox", "--port", str(port), "--host", "::1") as sandbox:
        line = sandbox.line_with("http://")
        answer = httpx.get(f"http://[::1]:{port}/sandbox/api/people", timeout=30)
        code, _, err = sandbox.interrupt()

    assert line == f"Seatkeeper sandbox: http://[::1]:{port}/sandbox/ (Ctrl-C stops it)\n"
    assert [p["name"] for p in answer.json()["people"]] == [
        "Ada Admin",
        "Alice Archer",
        "Ben Baker",
        "Dan Diaz",
        "Fiona Fox",
    ]
    assert code == 0, err
    assert "Traceback" not in err, err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["people.csv", "seatkeeper.yml"]


def _free_ipv6_port() -> int:
    with socket.socket(socket.AF_INET6) as probe:
        probe.bind(("::1", 0))
        return int(probe.getsockname()[1])
