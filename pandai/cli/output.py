"""Rendering clients for people (tables, profiles) and for scripts (CSV, JSON, YAML, ids)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pandai import fields as fieldtypes
from pandai.client import Client
from pandai.errors import InvalidInput
from pandai.fields import N_, Field
from pandai.i18n import _, format_date
from pandai.query import field_value
from pandai.statuses import COLORS
from pandai.workspace import Workspace

FORMATS = ("table", "csv", "json", "yaml", "ids")
NOTE_KIND_LABELS = {"note": N_("note"), "call": N_("call"), "email": N_("e-mail"),
                    "meeting": N_("meeting")}


def check_format(value: str, allowed: tuple[str, ...] = FORMATS) -> str:
    """Return ``value`` when it is one of ``allowed``; raise InvalidInput listing them."""
    if value not in allowed:
        raise InvalidInput(_("Unknown format {format!r}; use one of: {formats}.").format(
            format=value, formats=", ".join(allowed)))
    return value


def resolve_columns(workspace: Workspace, names: list[str]) -> list[Field]:
    """Look up column names (keys, labels or aliases); raise InvalidInput for unknown ones."""
    columns = []
    for name in names:
        item = workspace.fieldset.lookup(name)
        if item is None:
            raise InvalidInput(_("Unknown column {column!r}. Known fields: {known}.").format(
                column=name, known=", ".join([*workspace.fieldset.names(), "id", "stage"])))
        columns.append(item)
    return columns


def client_record(client: Client) -> dict[str, Any]:
    """Return a client as JSON-ready data: ``id`` first, then the file's keys."""
    record: dict[str, Any] = {"id": client.id}
    for key, value in client.data.items():
        record[key] = _plain(value)
    return record


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    return value


def colorize(text: str, color_name: str) -> str:
    """Wrap text in the ANSI colour a status names; unknown colours leave it plain."""
    code = COLORS.get(color_name.lower()) if color_name else None
    return f"\x1b[{code}m{text}\x1b[0m" if code else text


def render_table(workspace: Workspace, clients: list[Client], columns: list[Field],
                 color: bool) -> str:
    """Return the client table with translated headers and locale-formatted values."""
    from tabulate import tabulate

    headers = [column.title() for column in columns]
    # Dates, amounts, statuses and owners repeat down a column, and formatting each one again
    # through Babel took half of a 33 000-row table. The key has the type, because True == 1.
    memos: list[dict | None] = [{} if column.type in _REPEATING_TYPES else None
                                for column in columns]
    rows = []
    for client in clients:
        row = []
        for column, memo in zip(columns, memos):
            value = field_value(workspace, client, column)
            if memo is None or isinstance(value, (list, dict)):
                # A list or mapping here comes from a hand edit and cannot be a key.
                row.append(_cell_text(workspace, column, value, color))
                continue
            key = (type(value), value)
            text = memo.get(key)
            if text is None:
                text = memo[key] = _cell_text(workspace, column, value, color)
            row.append(text)
        rows.append(row)
    return tabulate(rows, headers=headers, tablefmt="simple", disable_numparse=True)


# Field types whose values repeat down a table.
_REPEATING_TYPES = ("date", "money", "number", "status", "person")


def _cell_text(workspace: Workspace, column: Field, value: Any, color: bool) -> str:
    text = fieldtypes.display(column, value, workspace)
    if column.type == "status" and color and text:
        status = workspace.statuses.find(text)
        text = colorize(text, status.color if status else "")
    return text


def render_data(workspace: Workspace, clients: list[Client], columns: list[Field],
                output: str) -> str:
    """Return clients as CSV (the columns), JSON or YAML (whole records) or ids."""
    if output == "ids":
        return "\n".join(client.id for client in clients)
    if output == "json":
        import json

        return json.dumps([client_record(client) for client in clients], ensure_ascii=False,
                          indent=2)
    if output == "yaml":
        from pandai import yamlio

        return yamlio.dump([client_record(client) for client in clients]).rstrip("\n")
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["id", *(column.name for column in columns if column.name != "id")])
    for client in clients:
        values = [client.id]
        for column in columns:
            if column.name == "id":
                continue
            value = _plain(field_value(workspace, client, column))
            values.append(", ".join(value) if isinstance(value, list) else
                          "" if value is None else str(value))
        writer.writerow(values)
    return buffer.getvalue().rstrip("\n")


def render_profile(workspace: Workspace, client: Client, color: bool) -> str:
    """Return the client profile: fields, tags, notes newest first, files and history."""
    lines = [client.name]
    lines.append("=" * len(client.name))
    labels = []
    for item in workspace.fieldset.fields:
        value = client.get(item.name)
        if item.name == "name" or fieldtypes.is_empty(value):
            continue
        text = fieldtypes.display(item, value, workspace)
        if item.type == "status":
            status = workspace.statuses.find(text)
            if status and status.emoji:
                text = f"{status.emoji} {text}"
            if color and status:
                text = colorize(text, status.color)
        labels.append((item.title(), text))
    labels.append((_("Id"), client.id))
    if client.archived:
        labels.append((_("Archived"), _("yes")))
    width = max(len(label) for label, _text in labels)
    lines += [f"{label + ':':<{width + 1}} {text}" for label, text in labels]

    if client.problems:
        lines += ["", _("Problems in the file:")]
        lines += [f"  {key}: {reason}" for key, reason in client.problems]

    conflicts = client.data.get("merge_conflicts")
    if isinstance(conflicts, list) and conflicts:
        lines += ["", _("Unresolved merge conflicts (edit the file to keep one value and remove "
                        "merge_conflicts):")]
        for entry in conflicts:
            if isinstance(entry, dict):
                lines.append(_("  {field}: ours {ours!r}, theirs {theirs!r}").format(
                    field=entry.get("field"), ours=entry.get("ours"),
                    theirs=entry.get("theirs")))

    lines += ["", _("Notes") + f" ({len(client.notes)})"]
    for note in reversed(client.notes):
        if not isinstance(note, dict):
            continue
        when = note.get("at")
        when_text = format_date(when) if isinstance(when, (date, datetime)) else str(when or "")
        kind = _(NOTE_KIND_LABELS.get(str(note.get("kind", "note")), "note"))
        lines.append(f"- {when_text} · {note.get('by', '')} · {kind}")
        lines += [f"    {line}" for line in str(note.get("text", "")).splitlines()]

    if client.files:
        lines += ["", _("Files")]
        lines += [f"- {name}" for name in client.files]

    if client.status_history:
        lines += ["", _("Status history")]
        for entry in reversed(client.status_history):
            if not isinstance(entry, dict):
                continue
            when = entry.get("at")
            when_text = format_date(when) if isinstance(when, date) else str(when or "")
            change = f"{entry['from']} → {entry.get('to', '')}" if entry.get("from") \
                else str(entry.get("to", ""))
            reason = f" ({entry['reason']})" if entry.get("reason") else ""
            lines.append(f"- {when_text} · {entry.get('by', '')} · {change}{reason}")
    return "\n".join(lines)

