"""Tests of ``pandai call``: the numbers it shows, opening the tel: link, and the logged call."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest
import yaml

from conftest import commit_count, last_commit_message, run, snapshot, uncommitted
from pandai.i18n import _, activate

HEADLESS = {"DISPLAY": None, "WAYLAND_DISPLAY": None}


def must(result) -> str:
    assert result.exit_code == 0, result.output
    return result.output


def client_data(ws: Path, client_id: str) -> dict:
    return yaml.safe_load((ws / "clients" / f"{client_id}.yaml").read_text(encoding="utf-8"))


@pytest.fixture
def call_ws(workspace: Path) -> Path:
    """The English workspace with a client who has a phone and one who has none."""
    must(run(workspace, "add", "Kiss Péter", "--phone", "06 30 123 4567",
             "--email", "peter@pelda.hu"))
    must(run(workspace, "add", "Telefon Nélkül", "--email", "nelkul@pelda.hu"))
    return workspace


def test_call_shows_numbers(call_ws: Path) -> None:
    output = must(run(call_ws, "call", "kiss-peter", "--note", "Calls back", env=HEADLESS))
    lines = output.splitlines()
    assert lines[0] == "Kiss Péter (kiss-peter)"
    assert lines[1] == "National: 06 30 123 4567"
    assert lines[2] == "International: +36 30 123 4567"
    assert lines[3] == "tel:+36301234567"
    assert lines[-1] == "Call logged for kiss-peter."


def test_call_logs_note(call_ws: Path) -> None:
    before = commit_count(call_ws)
    must(run(call_ws, "call", "kiss-peter", "--note", "Asks for an offer", "--no-open"))
    data = client_data(call_ws, "kiss-peter")
    note = data["notes"][-1]
    assert note["kind"] == "call"
    assert note["text"] == "Asks for an offer"
    assert note["by"] == "anna"
    assert str(data["last_contact"]) == "2026-12-04"
    assert commit_count(call_ws) == before + 1
    assert last_commit_message(call_ws) == "pandai: note kiss-peter (call)"
    assert uncommitted(call_ws) == ""


def test_call_without_note_or_terminal(call_ws: Path) -> None:
    must(run(call_ws, "call", "kiss-peter", "--no-open"))
    assert client_data(call_ws, "kiss-peter")["notes"][-1]["text"] == "Call"


def test_call_default_note_hungarian(call_ws: Path) -> None:
    must(run(call_ws, "call", "kiss-peter", "--no-open", lang="hu"))
    activate("hu")
    assert client_data(call_ws, "kiss-peter")["notes"][-1]["text"] == _("Call")


def test_call_sets_next_action(call_ws: Path) -> None:
    must(run(call_ws, "call", "kiss-peter", "--no-open", "--next", "+7d"))
    assert str(client_data(call_ws, "kiss-peter")["next_action"]) == "2026-12-11"


def test_call_invalid_next(call_ws: Path) -> None:
    before = commit_count(call_ws)
    result = run(call_ws, "call", "kiss-peter", "--no-open", "--next", "someday")
    assert result.exit_code == 4
    assert "'someday' is not a date" in result.output
    assert "tel:" not in result.output
    assert commit_count(call_ws) == before


def test_call_without_phone(call_ws: Path) -> None:
    before = commit_count(call_ws)
    files = snapshot(call_ws)
    result = run(call_ws, "call", "telefon-nelkul", "--no-open")
    assert result.exit_code == 4
    assert "telefon-nelkul has no phone number" in result.output
    assert "pandai edit telefon-nelkul phone=NUMBER" in result.output
    assert commit_count(call_ws) == before
    assert snapshot(call_ws) == files


def test_call_unknown_client(call_ws: Path) -> None:
    result = run(call_ws, "call", "senki", "--no-open")
    assert result.exit_code == 3
    assert "No client matches 'senki'" in result.output


def _fake_opener(tmp_path: Path) -> tuple[Path, Path]:
    """Write an xdg-open that records its argument; return its folder and the record file."""
    folder = tmp_path / "bin"
    folder.mkdir()
    record = tmp_path / "opened.txt"
    script = folder / "xdg-open"
    script.write_text(f"#!{sys.executable}\nimport sys\n"
                      f"open({str(record)!r}, 'w').write(sys.argv[1])\n")
    script.chmod(0o755)
    return folder, record


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="xdg-open is for Linux")
def test_call_opens_on_desktop(call_ws: Path, tmp_path: Path) -> None:
    folder, record = _fake_opener(tmp_path)
    output = must(run(call_ws, "call", "kiss-peter", "--note", "x",
                      env={"DISPLAY": ":0", "PATH": f"{folder}:/usr/bin:/bin"}))
    assert "Opened the link" in output
    for _attempt in range(50):
        if record.exists():
            break
        time.sleep(0.1)
    assert record.read_text() == "tel:+36301234567"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="xdg-open is for Linux")
def test_call_headless_not_opened(call_ws: Path, tmp_path: Path) -> None:
    folder, record = _fake_opener(tmp_path)
    output = must(run(call_ws, "call", "kiss-peter", "--note", "x",
                      env={**HEADLESS, "PATH": f"{folder}:/usr/bin:/bin"}))
    assert "Opened the link" not in output
    time.sleep(0.3)
    assert not record.exists()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="xdg-open is for Linux")
def test_call_no_open_option(call_ws: Path, tmp_path: Path) -> None:
    folder, record = _fake_opener(tmp_path)
    must(run(call_ws, "call", "kiss-peter", "--note", "x", "--no-open",
             env={"DISPLAY": ":0", "PATH": f"{folder}:/usr/bin:/bin"}))
    time.sleep(0.3)
    assert not record.exists()
