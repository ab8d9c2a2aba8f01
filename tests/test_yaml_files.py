"""Client files as people and pandai read and write them.

A hand-edited file is read with no implicit typing. What pandai writes is quoted wherever YAML
could misread it and reads back identical. A broken file is reported with its path and line
while the other clients keep working, and every write is atomic.
"""

from __future__ import annotations

import os
import sys
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import commit_count, run, uncommitted
from pandai import store, yaml_direct, yamlio
from pandai.client import to_file_data
from pandai.errors import FileError
from pandai.workspace import Workspace

# Values that YAML 1.1 or 1.2 readers, or spreadsheets, would turn into numbers, booleans,
# times, dates or null when written bare.
AMBIGUOUS = ["06301234567", "NO", "on", "10:30", "1e3", "2026-11-20", "yes", "true", "y", "n",
             "0o17", "0x1F", "1_000", ".5", "~", "null", "+36301234567", "12:30:45", "1,5"]


@pytest.mark.parametrize("text", AMBIGUOUS)
def test_parse_keeps_text(text):
    parsed = yamlio.parse(f"value: {text}\n", Path("client.yaml"))

    assert parsed == {"value": text}


@pytest.mark.parametrize("text", AMBIGUOUS)
def test_dump_quotes_ambiguous(text):
    written = yamlio.dump({"value": text})

    assert written == f'value: "{text}"\n'
    assert yamlio.parse(written, Path("client.yaml")) == {"value": text}


def test_dump_plain_values():
    data = {"name": "Kiss Péter", "value": 1500000, "created": date(2026, 12, 5),
            "tags": yamlio.FlowList(["vip", "on"])}

    written = yamlio.dump(data)

    assert written == ('name: Kiss Péter\n'
                       'value: 1500000\n'
                       'created: 2026-12-05\n'
                       'tags: [vip, "on"]\n')


def test_dump_multiline_text():
    written = yamlio.dump({"text": "Ajánlatot kér.\n@bela küldd át."})

    assert written == "text: |-\n  Ajánlatot kér.\n  @bela küldd át.\n"


def test_demo_files_round_trip(demo):
    workspace = Workspace(demo)
    files = sorted((demo / "clients").glob("*.yaml"))

    changed = [path.name for path in files
               if store.render_client(workspace, store.read_client(workspace, path))
               != path.read_text(encoding="utf-8")]

    assert len(files) == 45
    assert changed == []


def test_hand_edited_values_stay_text(workspace):
    path = workspace / "clients" / "nagy-ede.yaml"
    path.parent.mkdir(exist_ok=True)
    path.write_text("name: Nagy Ede\ncompany: NO\nsource: on\nphone: 06301234567\n"
                    "tags: [10:30, yes]\n", encoding="utf-8")

    client = store.read_client(Workspace(workspace), path)

    assert client.get("company") == "NO"
    assert client.get("source") == "on"
    assert client.get("phone") == "06301234567"
    assert client.get("tags") == ["10:30", "yes"]


def test_edit_quotes_ambiguous_values(workspace):
    run(workspace, "add", "Nagy Ede")

    result = run(workspace, "edit", "nagy-ede", "company=NO", "tags=on,10:30,vip")

    assert result.exit_code == 0
    assert (workspace / "clients" / "nagy-ede.yaml").read_text(encoding="utf-8") == (
        'name: Nagy Ede\n'
        'company: "NO"\n'
        'status: New lead\n'
        'owner: anna\n'
        'created: 2026-12-04\n'
        'tags: ["on", "10:30", vip]\n'
        'status_history:\n'
        '- {at: 2026-12-04, by: anna, to: New lead}\n')
    assert commit_count(workspace) == 4
    assert uncommitted(workspace) == ""


def test_key_order_is_stable(workspace):
    path = workspace / "clients" / "toth-akos.yaml"
    path.parent.mkdir(exist_ok=True)
    path.write_text("status_history:\n- {at: 2026-11-02, by: anna, to: New lead}\n"
                    "tags: [vip]\nfavourite_colour: blue\nvalue: 250000\nowner: anna\n"
                    "status: New lead\nphone: '+36301234567'\nname: Tóth Ákos\n",
                    encoding="utf-8")

    result = run(workspace, "edit", "toth-akos", "company=Tóth Bt.")

    assert result.exit_code == 0
    assert path.read_text(encoding="utf-8") == (
        'name: Tóth Ákos\n'
        'company: Tóth Bt.\n'
        'phone: "+36301234567"\n'
        'status: New lead\n'
        'owner: anna\n'
        'value: 250000\n'
        'tags: [vip]\n'
        'favourite_colour: blue\n'
        'status_history:\n'
        '- {at: 2026-11-02, by: anna, to: New lead}\n')
    assert commit_count(workspace) == 3
    assert uncommitted(workspace) == ""


def test_rewrite_is_identical(workspace):
    run(workspace, "add", "Nagy Ede", "--value", "1,5M", "--next", "2026.12.05.")
    path = workspace / "clients" / "nagy-ede.yaml"
    before = path.read_text(encoding="utf-8")
    client = store.read_client(Workspace(workspace), path)

    assert store.render_client(Workspace(workspace), client) == before


def test_invalid_file_path_and_line(workspace):
    run(workspace, "add", "Nagy Ede")
    broken = workspace / "clients" / "broken.yaml"
    broken.write_text("name: Broken\ncompany: [Példa\nphone: 1\n", encoding="utf-8")

    result = run(workspace, "list", "--format", "ids")

    assert result.exit_code == 0
    assert result.stdout == "nagy-ede\n"
    assert f"Warning: {broken}:3: invalid YAML" in result.stderr
    assert result.stderr.count("broken.yaml") == 1


def test_invalid_file_named_by_show(workspace):
    broken = workspace / "clients" / "broken.yaml"
    broken.parent.mkdir(exist_ok=True)
    broken.write_text("name: Broken\n  company: x\n", encoding="utf-8")

    result = run(workspace, "show", "broken")

    assert result.exit_code == 4
    assert result.stderr.startswith(f"Error: {broken}:2: invalid YAML")


def test_not_a_mapping_reported(workspace):
    broken = workspace / "clients" / "list.yaml"
    broken.parent.mkdir(exist_ok=True)
    broken.write_text("- just\n- a list\n", encoding="utf-8")

    result = run(workspace, "list")

    assert result.exit_code == 0
    assert f"{broken}:1: a client file must be a mapping" in result.stderr


def test_conflict_markers_named(workspace):
    run(workspace, "add", "Nagy Ede")
    conflicted = workspace / "clients" / "nagy-ede.yaml"
    text = ("name: Nagy Ede\n<<<<<<< HEAD\nstatus: New lead\n=======\nstatus: Lost\n"
            ">>>>>>> origin/main\nowner: anna\n")
    conflicted.write_text(text, encoding="utf-8")

    listed = run(workspace, "list")
    noted = run(workspace, "note", "nagy-ede", "Called")

    assert listed.exit_code == 0
    assert f"{conflicted}:2: unresolved git merge" in listed.stderr
    assert noted.exit_code == 4
    assert "unresolved git merge" in noted.stderr
    assert conflicted.read_text(encoding="utf-8") == text


def test_atomic_write_no_temp_files(tmp_path):
    target = tmp_path / "kiss-peter.yaml"
    target.write_text("name: Régi\n", encoding="utf-8")

    yamlio.write_atomic(target, "name: Kiss Péter\n")

    assert target.read_text(encoding="utf-8") == "name: Kiss Péter\n"
    assert [path.name for path in tmp_path.iterdir()] == ["kiss-peter.yaml"]


def test_failed_write_keeps_old_file(tmp_path, monkeypatch):
    target = tmp_path / "kiss-peter.yaml"
    target.write_text("name: Régi\n", encoding="utf-8")

    def fail_replace(source, destination):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", fail_replace)
    with pytest.raises(OSError):
        yamlio.write_atomic(target, "name: Kiss Péter\n")

    assert target.read_text(encoding="utf-8") == "name: Régi\n"
    assert [path.name for path in tmp_path.iterdir()] == ["kiss-peter.yaml"]


def test_commands_leave_no_temp_files(workspace):
    run(workspace, "add", "Nagy Ede", "--note", "Első")
    run(workspace, "note", "nagy-ede", "Második", "--call")
    run(workspace, "edit", "nagy-ede", "company=Ede Kft.")

    names = sorted(path.name for path in (workspace / "clients").iterdir())

    assert names == ["nagy-ede.yaml"]
    assert uncommitted(workspace) == ""
    assert commit_count(workspace) == 5


def test_settings_memo_follows_edits(workspace: Path) -> None:
    statuses = workspace / "statuses.yaml"
    memo = workspace / ".pandai" / "parsed-statuses.yaml.marshal"
    (workspace / ".pandai").mkdir(exist_ok=True)
    first = Workspace(workspace).statuses.names()
    assert memo.is_file()
    assert Workspace(workspace).statuses.names() == first

    statuses.write_text(statuses.read_text("utf-8").replace(first[0], "Friss érdeklődő"),
                        "utf-8")
    assert Workspace(workspace).statuses.names()[0] == "Friss érdeklődő"
    memo.write_bytes(b"not marshal data")
    assert Workspace(workspace).statuses.names()[0] == "Friss érdeklődő"


def test_settings_memo_keeps_no_errors(workspace: Path) -> None:
    (workspace / ".pandai").mkdir(exist_ok=True)
    path = workspace / "views.yaml"
    path.write_text("views:\n  mine: [owner=@me\n", "utf-8")
    for _attempt in range(2):
        with pytest.raises(FileError, match="invalid YAML"):
            yamlio.read(path, workspace / ".pandai")
    assert not (workspace / ".pandai" / "parsed-views.yaml.marshal").exists()

# Values that the two emitters could write differently, each inside a client-shaped document.
AWKWARD = [*AMBIGUOUS, "007", "0036301234567", "Yes", "No", "OFF", "2026. 12. 05.", "",
           " leading space", "trailing space ", "tab\tinside", "a: b", "- dash", "# hash",
           "quote's", 'double "quote"', "back\\slash", "@bela", "!important", "&anchor",
           "*alias", "%percent", "`tick`", "{brace}", "[bracket]", "comma, inside", "?",
           "Árvíztűrő tükörfúrógép", "ŐŰőű", "€ 1 500 000", "\u00a0non-breaking",
           "zero\u200bwidth", "Ajánlatot kér.\n@bela küldd át.", "two\n\nparagraphs",
           "trailing spaces  \nnext line", "\n leading newline", "ends with newline\n",
           "ends with two\n\n", "emoji 😀", "line\u2028separator", "next\x85line",
           "carriage\rreturn", "bom\ufeff", "bell\x07", "x" * 1500, "x" * 1501,
           "ab " * 1500, "é" * 1600]


def pure_python_dump(data):
    return yamlio._dump_with(yamlio._dumper(), data)


def awkward_client(value):
    return {"name": value, "phone": "+36301234567", "value": 1500000,
            "created": date(2026, 10, 2), "tags": yamlio.FlowList(["vip", value]),
            "notes": [{"at": datetime(2026, 11, 20, 10, 15, tzinfo=timezone(timedelta(hours=1))),
                       "by": "anna", "kind": "call", "text": value}],
            "status_history": [yamlio.FlowDict({"at": date(2026, 10, 2), "by": "anna",
                                                "to": value})]}


@pytest.mark.parametrize("value", AWKWARD)
def test_dump_matches_pure_python(value):
    data = awkward_client(value)

    assert yamlio.dump(data) == pure_python_dump(data)


@pytest.mark.parametrize("value", ["emoji 😀", "line\u2028separator", "next\x85line",
                                   "carriage\rreturn", "tab\tinside", "bom\ufeff",
                                   "ends with newline\n", "x" * 1501])
def test_libyaml_not_used_when_unlike(value):
    assert not yamlio._emits_alike(awkward_client(value))


def test_libyaml_not_used_for_flow_datetime():
    entry = yamlio.FlowDict({"at": datetime(2026, 11, 20, 10, 15), "by": "anna"})

    assert not yamlio._emits_alike({"status_history": [entry]})
    assert yamlio.dump({"status_history": [entry]}) == pure_python_dump(
        {"status_history": [entry]})


def test_libyaml_writes_demo_clients(demo):
    workspace = Workspace(demo)
    documents = [to_file_data(store.read_client(workspace, path), workspace.fieldset)
                 for path in sorted((demo / "clients").glob("*.yaml"))]
    fast = yamlio._libyaml_dumper()

    alike = [data for data in documents if yamlio._emits_alike(data)]

    assert fast is not None
    assert len(alike) >= 40
    for data in alike:
        assert yamlio._dump_with(fast, data) == pure_python_dump(data)


# Pieces of text, joined: characters and words that YAML treats specially.
_TEXT = st.lists(st.sampled_from(list("aZ09 -:#'\"!&*?|>%@`,[]{}\n\\/.~_=+\t\r") +
                                 ["é", "ő", "Ű", "\xa0", "\u200b", "😀", "\x85", "\u2028",
                                  "\ufeff", "yes", "no", "null", "1e3", "0x1F", "---", "..."]),
                 max_size=16).map("".join)
_SCALARS = _TEXT | st.integers() | st.dates() | st.none() | st.booleans()
_KEYS = st.sampled_from(["name", "email", "at", "by", "to", "text", "x_custom", "Név", "a b"])


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(_KEYS, _SCALARS | st.lists(_SCALARS, max_size=3).map(yamlio.FlowList)
                       | st.lists(st.dictionaries(_KEYS, _SCALARS, max_size=4), max_size=3)
                       | st.lists(st.dictionaries(_KEYS, _SCALARS, max_size=4)
                                  .map(yamlio.FlowDict), max_size=3),
                       min_size=1, max_size=6))
def test_dump_matches_pure_python_generated(data):
    assert yamlio.dump(data) == pure_python_dump(data)


def make_files(folder: Path, count: int) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = [yamlio.write_temporary(folder / f"client-{number}.yaml", f"name: C{number}\n")
             for number in range(count)]
    return paths


def test_write_temporary_beside_target(tmp_path):
    target = tmp_path / "clients" / "kiss-peter.yaml"

    temporary = yamlio.write_temporary(target, "name: Kiss Péter\n")

    assert temporary.parent == target.parent
    assert temporary.name.startswith(".kiss-peter.yaml.")
    assert temporary.suffix == ".tmp"
    assert temporary.read_text(encoding="utf-8") == "name: Kiss Péter\n"
    assert not target.exists()


def test_sync_few_files_one_by_one(tmp_path, monkeypatch):
    paths = make_files(tmp_path / "clients", 3)
    synced = []
    monkeypatch.setattr(os, "fsync", synced.append)
    monkeypatch.setattr(yamlio, "_syncfs", lambda: pytest.fail("syncfs used for 3 files"))

    yamlio.sync_files(paths)

    assert len(synced) == 4  # three files and their folder


def test_sync_many_files_one_syncfs(tmp_path, monkeypatch):
    paths = make_files(tmp_path / "clients", yamlio.SYNCFS_MIN_FILES)
    paths += make_files(tmp_path / "files" / "kiss-peter", 2)
    calls = []

    def syncfs(descriptor: int) -> int:
        calls.append(descriptor)
        return 0

    monkeypatch.setattr(yamlio, "_syncfs", lambda: syncfs)
    monkeypatch.setattr(os, "fsync", lambda descriptor: pytest.fail("fsync used"))

    yamlio.sync_files(paths)

    assert len(calls) == 1  # both folders are on one file system


def test_sync_many_files_failure_raises(tmp_path, monkeypatch):
    paths = make_files(tmp_path / "clients", yamlio.SYNCFS_MIN_FILES)
    monkeypatch.setattr(yamlio, "_syncfs", lambda: lambda descriptor: -1)

    with pytest.raises(OSError):
        yamlio.sync_files(paths)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="syncfs is Linux only")
def test_syncfs_found_on_linux():
    assert yamlio._syncfs() is not None


def test_direct_writer_on_demo_clients(demo):
    workspace = Workspace(demo)
    documents = [to_file_data(store.read_client(workspace, path), workspace.fieldset)
                 for path in sorted((demo / "clients").glob("*.yaml"))]

    written = [(data, yaml_direct.write(data)) for data in documents]
    direct = [(data, text) for data, text in written if text is not None]

    assert len(direct) >= 2  # most demo clients have notes of several lines
    for data, text in direct:
        assert text == pure_python_dump(data)


@pytest.mark.parametrize("value", AWKWARD)
def test_direct_writer_awkward_value(value):
    data = {"name": value, "created": date(2026, 10, 2), "tags": yamlio.FlowList([value]),
            "status_history": [yamlio.FlowDict({"at": date(2026, 10, 2), "to": value})]}

    text = yaml_direct.write(data)

    assert text is None or text == pure_python_dump(data)


_PLAIN_TEXT = st.lists(st.sampled_from(list("aZ09 .-_+/()'\"!&*?%@,:#=~\\") +
                                       ["é", "ő", "Ű", "\xa0", "€", "yes", "no", "1e3", "...",
                                        "2026-11-20", "Kft."]),
                       max_size=8).map("".join)
_PLAIN_SCALARS = (_PLAIN_TEXT | st.integers() | st.dates() | st.none()
                  | st.datetimes(timezones=st.sampled_from([timezone.utc,
                                                            timezone(timedelta(hours=1))])))


@settings(max_examples=400, deadline=None)
@given(st.dictionaries(_KEYS, _PLAIN_SCALARS
                       | st.lists(_PLAIN_TEXT | st.dates(), max_size=3).map(yamlio.FlowList)
                       | st.lists(st.dictionaries(_KEYS, _PLAIN_SCALARS, min_size=1,
                                                  max_size=4), max_size=3)
                       | st.lists(st.dictionaries(_KEYS, _PLAIN_TEXT | st.dates(), max_size=4)
                                  .map(yamlio.FlowDict), max_size=3),
                       min_size=1, max_size=8))
def test_direct_writer_generated(data):
    text = yaml_direct.write(data)

    assert text is None or text == pure_python_dump(data)
