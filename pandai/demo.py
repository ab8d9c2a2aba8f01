"""Copying the demo workspace with its dates moved relative to today.

The demo's dates are written relative to ``demo_anchor`` in its pandai.yaml. A copy moves every
date and note time by the days between that anchor and today, so that views such as "today"
and the reminders show real work on any day.
"""

from __future__ import annotations

import shutil
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from pandai import yamlio
from pandai.client import from_file_data, to_file_data
from pandai.config import load_config, replace_top_level
from pandai.fields import BUILTIN_FIELDS, FieldSet


def _shift(value: Any, offset: timedelta) -> Any:
    if isinstance(value, (date, datetime)):
        return value + offset
    return value


def _shift_entries(entries: Any, offset: timedelta) -> Any:
    if not isinstance(entries, list):
        return entries
    for entry in entries:
        if isinstance(entry, dict) and "at" in entry:
            entry["at"] = _shift(entry["at"], offset)
    return entries


def copy_demo(source: Path, target: Path, today: date) -> list[Path]:
    """Copy the demo's settings, statuses, views, clients and files into ``target``; return paths.

    The copy commits its changes: ``auto_commit`` is turned on and ``demo_anchor`` is dropped.
    """
    config = load_config(source / "pandai.yaml")
    offset = today - (config.demo_anchor or today)
    # The settings are copied as text, so that their comments and layout stay.
    settings = (source / "pandai.yaml").read_text(encoding="utf-8")
    # The demo's header comment speaks of the repository copy, so the new workspace drops it.
    settings = "".join(line for line in settings.splitlines(keepends=True)
                       if not line.startswith("#"))
    settings = replace_top_level(settings, "demo_anchor", None)
    settings = replace_top_level(settings, "auto_commit", "auto_commit: true\n")
    yamlio.write_atomic(target / "pandai.yaml", settings)
    written = [target / "pandai.yaml"]
    for name in ("statuses.yaml", "views.yaml"):
        (target / name).write_bytes((source / name).read_bytes())
        written.append(target / name)

    fieldset = FieldSet([*BUILTIN_FIELDS, *config.custom_fields])
    for path in sorted((source / "clients").glob("*.yaml")):
        client = from_file_data(path.stem, yamlio.read(path), fieldset, path)
        for item in fieldset.fields:
            if item.type == "date":
                client.set(item.name, _shift(client.get(item.name), offset))
        _shift_entries(client.data.get("notes"), offset)
        _shift_entries(client.data.get("status_history"), offset)
        destination = target / "clients" / path.name
        yamlio.write(destination, to_file_data(client, fieldset))
        written.append(destination)

    for attachment in sorted((source / "files").glob("*/*")):
        if attachment.is_file():
            destination = target / "files" / attachment.parent.name / attachment.name
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(attachment, destination)
            written.append(destination)
    return written
