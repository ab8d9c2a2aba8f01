"""Import options: value maps, saved mappings, the interactive remap, duplicates and large files.

Every file is written by the test into its temporary folder, and every workspace is a real git
repository made by ``pandai init``.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from conftest import commit_count, git, last_commit_message, run, snapshot, uncommitted
from pandai import gitops, yamlio


def read(ws: Path, client_id: str) -> dict:
    path = ws / "clients" / f"{client_id}.yaml"
    return yamlio.parse(path.read_text(encoding="utf-8"), path)


def write_csv(path: Path, rows: list[list[str]]) -> Path:
    path.write_text("".join(";".join(row) + "\n" for row in rows), encoding="utf-8")
    return path


STATUS_ROWS = [["Név", "E-mail", "Státusz"],
               ["Kiss Anna", "anna@kiss.hu", "Lead"],
               ["Nagy Béla", "bela@nagy.hu", "Won"],
               ["Tóth Cili", "cili@toth.hu", "Lead"]]


def test_unknown_statuses_listed(workspace, tmp_path):
    source = write_csv(tmp_path / "crm.csv", STATUS_ROWS)
    before = snapshot(workspace)

    result = run(workspace, "import", source, "--yes")

    assert result.exit_code == 4
    assert ('Unknown statuses: 2\n'
            '  "Lead": rows 2, 4\n'
            '  "Won": row 3\n') in result.stdout
    assert result.stderr == (
        f'Error: {source}: unknown statuses: "Lead" (rows 2, 4), "Won" (row 3). Known '
        'statuses: New lead, Contacting, Offer sent, Client (won), Lost, Inactive. Map them '
        'with --status-map "Lead=STATUS,Won=STATUS", or add them to statuses.yaml.\n')
    assert snapshot(workspace) == before
    assert commit_count(workspace) == 2


def test_status_map(workspace, tmp_path):
    source = write_csv(tmp_path / "crm.csv", STATUS_ROWS)

    result = run(workspace, "import", source, "--yes", "--status-map",
                 "lead=New lead,Won=client (won)")

    assert result.exit_code == 0, result.stderr
    assert read(workspace, "kiss-anna")["status"] == "New lead"
    assert read(workspace, "nagy-bela")["status"] == "Client (won)"
    assert read(workspace, "nagy-bela")["status_history"] == [
        {"at": "2026-12-04", "by": "anna", "to": "Client (won)"}]
    assert commit_count(workspace) == 3
    assert uncommitted(workspace) == ""


def test_status_map_unknown_target(workspace, tmp_path):
    source = write_csv(tmp_path / "crm.csv", STATUS_ROWS)

    result = run(workspace, "import", source, "--yes", "--status-map", "Lead=Érdeklődő")

    assert result.exit_code == 4
    assert result.stderr == ("Error: --status-map: 'Érdeklődő' is not a status of this "
                             "workspace. Choose one of: New lead, Contacting, Offer sent, "
                             "Client (won), Lost, Inactive.\n")


def test_save_and_reuse_mapping(workspace, tmp_path):
    first = write_csv(tmp_path / "partnerek.csv", [["Partner", "Levél", "Fázis"],
                                                    ["Kiss Anna", "anna@kiss.hu", "Lead"]])
    second = write_csv(tmp_path / "partnerek2.csv", [["Partner", "Levél", "Fázis"],
                                                      ["Nagy Béla", "bela@nagy.hu", "Lead"]])

    saved = run(workspace, "import", first, "--yes", "--map", "Partner=name,Levél=email",
                "--status-map", "Lead=New lead", "--save-mapping", "partnerek")
    reused = run(workspace, "import", second, "--yes", "--mapping", "partnerek")

    assert saved.exit_code == 0, saved.stderr
    assert saved.stdout.endswith("Mapping partnerek saved in imports.yaml.\n"
                                 "Imported 1 new and 0 updated clients.\n")
    assert (workspace / "imports.yaml").read_text(encoding="utf-8") == (
        "mappings:\n"
        "  partnerek:\n"
        "    columns:\n"
        "      Partner: name\n"
        "      Levél: email\n"
        "      Fázis: status\n"
        "    status_map:\n"
        "      Lead: New lead\n")
    assert "imports.yaml" in git(workspace, "show", "--name-only", "HEAD~1")
    assert reused.exit_code == 0, reused.stderr
    assert read(workspace, "nagy-bela")["email"] == "bela@nagy.hu"
    assert read(workspace, "nagy-bela")["status"] == "New lead"
    assert commit_count(workspace) == 4
    assert uncommitted(workspace) == ""


def test_unknown_saved_mapping(workspace, tmp_path):
    source = write_csv(tmp_path / "lista.csv", [["Név", "E-mail"], ["Kiss Anna", "a@kiss.hu"]])

    result = run(workspace, "import", source, "--yes", "--mapping", "google")

    assert result.exit_code == 4
    assert result.stderr == ("Error: No saved import mapping named 'google' in imports.yaml. "
                             "Saved mappings: none yet. Save one with 'pandai import FILE "
                             "--save-mapping NAME'.\n")


def test_interactive_remap(workspace, tmp_path, monkeypatch):
    monkeypatch.setattr("pandai.cli.common.is_terminal", lambda: True)
    source = write_csv(tmp_path / "partnerek.csv", [["Partner", "E-mail", "Megjegyzés"],
                                                     ["Kiss Anna", "anna@kiss.hu", "Régi"],
                                                     ["Nagy Béla", "bela@nagy.hu", ""]])

    result = run(workspace, "import", source, input="Partner=name\nMegjegyzés=\n\ny\n")

    assert result.exit_code == 0, result.stderr
    assert ("Columns and the first 2 rows:\n"
            "  Partner → not imported: Kiss Anna | Nagy Béla\n"
            "  E-mail → email (E-mail): anna@kiss.hu | bela@nagy.hu\n"
            "  Megjegyzés → notes (Notes): Régi | \n"
            "column=field, or Enter to accept: ") in result.stderr
    assert "  Partner → name (Name): Kiss Anna | Nagy Béla\n" in result.stderr
    assert "Columns not imported: Megjegyzés\n" in result.stdout
    assert "notes" not in read(workspace, "kiss-anna")
    assert commit_count(workspace) == 3
    assert uncommitted(workspace) == ""


EXISTING = ["Kiss Anna", "--email", "anna@kiss.hu", "--company", "Régi Kft.", "--note",
            "Első hívás"]
UPDATE_ROWS = [["Név", "E-mail", "Cég", "Telefon", "Megjegyzés"],
               ["Kiss Anna", "anna@kiss.hu", "Új Kft.", "06 30 123 4567", "Visszahív"]]


def test_update_fills_only(workspace, tmp_path):
    run(workspace, "add", *EXISTING)
    source = write_csv(tmp_path / "frissites.csv", UPDATE_ROWS)

    result = run(workspace, "import", source, "--on-duplicate", "update", "--yes")
    client = read(workspace, "kiss-anna")

    assert result.exit_code == 0, result.stderr
    assert ("Updated clients: 1\n"
            "  row 2: same e-mail as kiss-anna: fills phone\n") in result.stdout
    assert client["company"] == "Régi Kft."
    assert client["phone"] == "+36301234567"
    assert [note["text"] for note in client["notes"]] == ["Első hívás"]
    assert commit_count(workspace) == 4
    assert uncommitted(workspace) == ""


def test_update_overwrite(workspace, tmp_path):
    run(workspace, "add", *EXISTING)
    source = write_csv(tmp_path / "frissites.csv", UPDATE_ROWS)

    result = run(workspace, "import", source, "--on-duplicate", "update", "--overwrite",
                 "--yes")

    assert result.exit_code == 0, result.stderr
    assert "  row 2: same e-mail as kiss-anna: fills phone, overwrites company\n" \
        in result.stdout
    assert read(workspace, "kiss-anna")["company"] == "Új Kft."


def test_merge_appends_once(workspace, tmp_path):
    run(workspace, "add", *EXISTING)
    source = write_csv(tmp_path / "frissites.csv", [
        ["Név", "E-mail", "E-mail 2", "Megjegyzés"],
        ["Kiss Anna", "anna@kiss.hu", "anna@otthon.hu", "Visszahív"]])

    first = run(workspace, "import", source, "--on-duplicate", "merge", "--yes")
    second = run(workspace, "import", source, "--on-duplicate", "merge", "--yes")
    client = read(workspace, "kiss-anna")

    assert first.exit_code == 0, first.stderr
    assert "  row 2: same e-mail as kiss-anna: adds 1 note, adds 1 e-mail\n" in first.stdout
    assert ("Skipped as duplicates: 1\n"
            "  row 2: same e-mail as kiss-anna: nothing new\n") in second.stdout
    assert second.stdout.endswith("Nothing to import.\n")
    assert [note["text"] for note in client["notes"]] == ["Első hívás", "Visszahív"]
    assert client["emails"] == [{"value": "anna@otthon.hu"}]
    assert commit_count(workspace) == 4
    assert uncommitted(workspace) == ""


def test_skip_preview(workspace, tmp_path):
    run(workspace, "add", *EXISTING)
    source = write_csv(tmp_path / "frissites.csv", UPDATE_ROWS)

    result = run(workspace, "import", source, "--dry-run")

    assert ("Skipped as duplicates: 1\n"
            "  row 2: same e-mail as kiss-anna\n") in result.stdout


def test_unknown_on_duplicate(workspace, tmp_path):
    source = write_csv(tmp_path / "lista.csv", UPDATE_ROWS)

    result = run(workspace, "import", source, "--on-duplicate", "replace", "--yes")

    assert result.exit_code == 4
    assert result.stderr == ("Error: Unknown --on-duplicate value 'replace'; use skip, update "
                             "or merge.\n")


def test_created_column_kept(workspace, tmp_path):
    source = write_csv(tmp_path / "lista.csv", [["Név", "E-mail", "Létrehozva"],
                                                 ["Kiss Anna", "anna@kiss.hu", "2025.03.01."]])

    run(workspace, "import", source, "--yes")

    assert read(workspace, "kiss-anna")["created"] == "2025-03-01"


def test_many_rows_one_commit(workspace, tmp_path):
    rows = [["Név", "E-mail", "Telefon"]]
    rows += [[f"Ügyfél {number:05d}", f"ugyfel{number}@nagyon-hosszu-domain-nev.hu",
              f"0630{number:07d}"] for number in range(1500)]
    source = write_csv(tmp_path / "nagy.csv", rows)

    result = run(workspace, "import", source, "--yes")

    assert result.exit_code == 0, result.stderr
    assert result.stdout.endswith("Imported 1500 new and 0 updated clients.\n")
    assert "Rows read" not in result.stderr
    assert len(list((workspace / "clients").glob("*.yaml"))) == 1500
    assert last_commit_message(workspace) == "pandai: import nagy.csv: 1500 created, 0 updated"
    assert commit_count(workspace) == 3
    assert uncommitted(workspace) == ""


def test_many_rows_stored_in_one_pack(workspace, tmp_path):
    rows = [["Név", "E-mail"]]
    rows += [[f"Ügyfél {number:05d}", f"ugyfel{number}@nagyon-hosszu-domain-nev.hu"]
             for number in range(1200)]
    source = write_csv(tmp_path / "nagy.csv", rows)
    loose_before = count_objects(workspace)["count"]

    result = run(workspace, "import", source, "--yes")

    counts = count_objects(workspace)
    assert result.exit_code == 0, result.stderr
    assert counts["in-pack"] >= 1200
    assert counts["count"] - loose_before < 10  # the trees and the commit
    assert git(workspace, "fsck", "--no-progress") == ""
    assert uncommitted(workspace) == ""


def test_many_paths_converted_by_git(workspace):
    # The pack contains the bytes as written, so git stores the converted object itself.
    paths = []
    for number in range(1200):
        path = workspace / "clients" / f"ugyfel-{number:05d}.yaml"
        path.write_bytes(f"name: Ügyfél {number}\r\nemail: u{number}@pelda.hu\r\n".encode())
        paths.append(path)

    assert gitops.commit(workspace, paths, "pandai: import", ("Anna", "anna@pelda.hu"))

    stored = git(workspace, "show", "HEAD:clients/ugyfel-00007.yaml")
    assert stored == "name: Ügyfél 7\nemail: u7@pelda.hu\n"
    # The unconverted objects in the pack are unreachable, and go with git's next gc.
    assert git(workspace, "fsck", "--no-progress", "--no-dangling") == ""


def test_pack_failure_only_logged(tmp_path, caplog):
    (tmp_path / "a.yaml").write_text("name: A\n", encoding="utf-8")

    gitops._pack_contents(tmp_path, ["a.yaml"])  # not a git repository

    assert "git fast-import failed" in caplog.text


def test_blob_pack_stores_contents(workspace):
    # git fast-import writes fewer than 100 objects (fastimport.unpackLimit) as loose files.
    contents = [f"name: Ügyfél {number}\n".encode() for number in range(150)]
    loose_before = count_objects(workspace)["count"]

    pack = gitops.BlobPack(workspace)
    for data in contents:
        pack.add(data)

    assert pack.close() is True
    for data in contents[::50]:
        blob = subprocess.run(["git", "-C", str(workspace), "hash-object", "--stdin"],
                              input=data, capture_output=True, check=True).stdout.strip()
        stored = subprocess.run(["git", "-C", str(workspace), "cat-file", "blob", blob],
                                capture_output=True, check=True).stdout
        assert stored == data
    assert count_objects(workspace)["count"] == loose_before


def test_large_import_packed_once(workspace, tmp_path):
    # The change sends the contents to git while it stages them, and the commit packs no more.
    rows = [["Név", "E-mail"]]
    rows += [[f"Ügyfél {number:05d}", f"ugyfel{number}@pelda.hu"] for number in range(1200)]
    source = write_csv(tmp_path / "nagy.csv", rows)
    packs_before = count_objects(workspace)["packs"]

    result = run(workspace, "import", source, "--yes")

    assert result.exit_code == 0, result.stderr
    assert count_objects(workspace)["packs"] == packs_before + 1
    assert git(workspace, "show", "HEAD:clients/ugyfel-00007.yaml").startswith(
        "name: Ügyfél 00007\n")
    assert git(workspace, "fsck", "--no-progress") == ""
    assert uncommitted(workspace) == ""


def test_failed_large_import_packed_nothing_kept(workspace, tmp_path):
    # An invalid last row blocks the import after the contents of the others went to git.
    rows = [["Név", "E-mail"]]
    rows += [[f"Ügyfél {number:05d}", f"ugyfel{number}@pelda.hu"] for number in range(1200)]
    rows.append(["Hibás Henrik", "henrik@"])
    source = write_csv(tmp_path / "nagy.csv", rows)
    head_before = git(workspace, "rev-parse", "HEAD")

    result = run(workspace, "import", source, "--yes")

    assert result.exit_code != 0
    assert "invalid" in result.stderr
    assert git(workspace, "rev-parse", "HEAD") == head_before
    assert not list((workspace / "clients").glob("ugyfel*.yaml"))
    assert not list((workspace / "clients").glob(".*.tmp"))
    assert not list((workspace / ".git").glob("fast_import_crash_*"))
    assert git(workspace, "fsck", "--no-progress", "--no-dangling") == ""
    assert uncommitted(workspace) == ""


def count_objects(ws: Path) -> dict[str, int]:
    lines = git(ws, "count-objects", "-v").splitlines()
    return {key: int(value) for key, value in (line.split(": ") for line in lines)}


def test_many_rows_leave_staged_file(workspace, tmp_path):
    (workspace / "jegyzet.txt").write_text("saját jegyzet\n", encoding="utf-8")
    git(workspace, "add", "jegyzet.txt")
    rows = [["Név", "E-mail"]]
    rows += [[f"Ügyfél {number:05d}", f"ugyfel{number}@nagyon-hosszu-domain-nev.hu"]
             for number in range(1200)]
    source = write_csv(tmp_path / "nagy.csv", rows)

    result = run(workspace, "import", source, "--yes")

    assert result.exit_code == 0, result.stderr
    assert "jegyzet.txt" not in git(workspace, "show", "--name-only", "HEAD")
    assert git(workspace, "diff", "--cached", "--name-only") == "jegyzet.txt\n"
    assert commit_count(workspace) == 3


def test_preview_lists_first_rows(workspace, tmp_path):
    rows = [["Név", "E-mail", "Státusz"]]
    rows += [[f"Ügyfél {number}", "same@pelda.hu", "Lead"] for number in range(25)]
    source = write_csv(tmp_path / "many.csv", rows)

    short = run(workspace, "import", source, "--dry-run", "--status-map", "Lead=New lead")
    every = run(workspace, "import", source, "--dry-run", "--status-map", "Lead=New lead",
                "--all-rows")

    assert short.exit_code == 0, short.stderr
    assert "Skipped as duplicates: 24\n" in short.stdout
    assert "  row 22: same e-mail as row 2\n" in short.stdout
    assert "  row 23: " not in short.stdout
    assert "  … and 4 more rows (--all-rows lists every row)\n" in short.stdout
    assert every.exit_code == 0, every.stderr
    assert "  row 26: same e-mail as row 2\n" in every.stdout
    assert "more rows" not in every.stdout


def test_unknown_status_rows_shortened(workspace, tmp_path):
    rows = [["Név", "E-mail", "Státusz"]]
    rows += [[f"Ügyfél {number}", f"u{number}@pelda.hu", "Lead"] for number in range(25)]
    source = write_csv(tmp_path / "many.csv", rows)

    result = run(workspace, "import", source, "--dry-run")

    assert result.exit_code == 4
    numbers = ", ".join(str(row) for row in range(2, 22))
    assert f'  "Lead": rows {numbers}\n  … and 5 more rows (--all-rows lists every row)\n' \
        in result.stdout
