"""Filters tested on the cache's summary columns choose exactly the clients a full check does.

``store.load_clients(..., filters=...)`` lets the cache reject clients before it builds them
(``query.select``). Every case compares its result with ``query.apply_filters`` over clients
parsed without the cache, on the demo workspace plus clients with awkward values.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import commit_all, run

from pandai import query, store
from pandai.workspace import Workspace

FILTERS = [
    "owner=@me", "owner=anna,bela", "owner=", "owner!=anna", "owner!=", "felelős=Cili",
    "stage=open", "stage!=lost", "stage=won,lost", "szakasz=nyitott",
    "status=Új lead", "status!=Új lead", "status~lead", "status=",
    "value>=1M", "value<500000", "value=", "value!=890000", "value~89",
    "next_action<=today", "next_action>today", "next_action=", "next_action!=",
    "created>=-30d", "last_contact<-30d", "last_contact!=",
    "name~kovacs", "name=Bakos Tímea", "company~kft", "email=", "email~pelda",
    "phone~+3630", "source=Hirdetés", "source!=",
    "tags=vip", "tags~vi", "tags=", "tags!=vip",
    "notes~ajánlat", "notes=",
    "id=kiss-peter", "id~kiss", "id!=kiss-peter", "azonosító=furcsa-ertekek",
    "employees>=10", "employees=", "tax_number~123",
]
VIEWS = [["owner=@me", "stage=open"], ["next_action<=today", "stage!=lost"],
         ["stage=open", "last_contact<-30d"], ["tags=vip", "value>=1M", "owner!=csilla"]]
ODD_CLIENTS = {
    # Values that did not convert stay text; lists and mappings live only in the full data.
    "furcsa-ertekek.yaml": "name: Furcsa Értékek\nowner: anna\nstatus: Nincs ilyen\n"
                           "value: sok pénz\nnext_action: holnapután\nemployees: tizenkét\n"
                           "tags: [vip, partner]\nlast_contact: ''\n",
    "lista-tulajdonos.yaml": "name: Lista Tulajdonos\nowner: [anna, bela]\nstatus: [Új lead]\n"
                             "company: {nev: Lista Kft.}\ntags: vip\n",
    "ures-ugyfel.yaml": "name: Üres Ügyfél\n",
    "szamok.yaml": "name: Számok Zrt.\nowner: bela\nvalue: 12 500 000\nemployees: '42'\n"
                   "tax_number: 12345678-2-42\nnext_action: 2026.12.04.\n",
}


@pytest.fixture
def odd(demo: Path) -> Path:
    """The demo workspace with two custom fields and clients with awkward values, committed."""
    config = demo / "pandai.yaml"
    config.write_text(config.read_text("utf-8") + "fields:\n- {name: employees, type: number}\n"
                      "- {name: tax_number, type: text}\n", "utf-8")
    for name, text in ODD_CLIENTS.items():
        (demo / "clients" / name).write_text(text, "utf-8")
    commit_all(demo, "Add awkward clients")
    return demo


def expected_ids(ws: Path, texts: list[str], monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Return the ids a full check of every parsed client gives."""
    with monkeypatch.context() as patch:
        patch.setenv("PANDAI_CACHE", "off")
        workspace = Workspace(ws)
        filters = [query.parse_filter(workspace, text) for text in texts]
        return [client.id for client in
                query.apply_filters(store.load_clients(workspace).clients, filters)]


def selected_ids(ws: Path, texts: list[str]) -> list[str]:
    workspace = Workspace(ws)
    filters = [query.parse_filter(workspace, text) for text in texts]
    return [client.id for client in store.load_clients(workspace, filters=filters).clients]


@pytest.mark.parametrize("text", FILTERS)
def test_one_filter_same_clients(odd: Path, text: str, monkeypatch: pytest.MonkeyPatch
                                 ) -> None:
    selected_ids(odd, [])  # builds the cache, so that the filter runs on its columns
    expected = expected_ids(odd, [text], monkeypatch)
    assert selected_ids(odd, [text]) == expected


@pytest.mark.parametrize("texts", VIEWS)
def test_combined_filters_same_clients(odd: Path, texts: list[str],
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    selected_ids(odd, [])
    assert selected_ids(odd, texts) == expected_ids(odd, texts, monkeypatch)


def test_filters_on_first_load(odd: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The first load parses every file: the filters run on what was just parsed.
    texts = ["owner=@me", "value>=1M"]
    assert selected_ids(odd, texts) == expected_ids(odd, texts, monkeypatch)


def test_filters_without_cache(odd: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PANDAI_CACHE", "off")
    for texts in VIEWS:
        assert selected_ids(odd, texts) == expected_ids(odd, texts, monkeypatch)


def test_awkward_clients_chosen(odd: Path) -> None:
    selected_ids(odd, [])
    assert "lista-tulajdonos" in selected_ids(odd, ["owner=bela"])
    assert "furcsa-ertekek" not in selected_ids(odd, ["value="])
    assert "lista-tulajdonos" in selected_ids(odd, ["stage=open"])
    assert "furcsa-ertekek" not in selected_ids(odd, ["value>=1"])
    assert "szamok" in selected_ids(odd, ["employees>=42"])


def test_list_view_matches_full_check(odd: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for view in ("mine", "today", "stale", "vip", "lost-retry"):
        result = run(odd, "list", "--view", view, "--format", "ids")
        assert result.exit_code == 0, result.output
        monkeypatch.setenv("PANDAI_CACHE", "off")
        cold = run(odd, "list", "--view", view, "--format", "ids")
        monkeypatch.delenv("PANDAI_CACHE")
        assert result.output == cold.output, view


@pytest.mark.parametrize("order", ["status", "-status", "status,name", "next_action", "-value"])
def test_sort_with_awkward_values(odd: Path, order: str, monkeypatch: pytest.MonkeyPatch
                                  ) -> None:
    result = run(odd, "list", "--sort", order, "--format", "ids")
    assert result.exit_code == 0, result.output
    assert "lista-tulajdonos" in result.output.split()
    monkeypatch.setenv("PANDAI_CACHE", "off")
    assert run(odd, "list", "--sort", order, "--format", "ids").output == result.output


def test_status_list_sorts_after_known(odd: Path) -> None:
    # Known statuses first, in file order, then unknown and invalid ones, then empty ones.
    ids = run(odd, "list", "--sort", "status", "--format", "ids").output.split()
    assert ids.index("lista-tulajdonos") > ids.index("kiss-peter")
    assert ids.index("lista-tulajdonos") < ids.index("ures-ugyfel")


def test_invalid_date_names_value(odd: Path) -> None:
    result = run(odd, "show", "furcsa-ertekek")
    assert result.exit_code == 0, result.output
    assert "'holnapután' is not a date: write it as 2026-12-05" in result.output


def test_table_cells_as_without_memo(odd: Path) -> None:
    # The table keeps each repeated value's text; every cell must read as formatted alone.
    from tabulate import tabulate

    from pandai import store
    from pandai.cli import output
    from pandai.workspace import Workspace

    workspace = Workspace(odd)
    clients = store.load_clients(workspace).clients
    columns = output.resolve_columns(workspace, ["id", "owner", "status", "value", "next_action",
                                                 "employees", "tags", "last_contact"])
    expected = tabulate([[output._cell_text(workspace, column,
                                            output.field_value(workspace, client, column), True)
                          for column in columns] for client in clients],
                        headers=[column.title() for column in columns], tablefmt="simple",
                        disable_numparse=True)
    table = output.render_table(workspace, clients, columns, True)
    assert table == expected
    assert "['anna', 'bela']" in table
