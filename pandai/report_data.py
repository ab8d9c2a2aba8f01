"""Client data as the report figures read it: dates, values, the status on a past day, periods.

These functions are pure: they read a client's typed data and never the disk, so the figures of
:mod:`pandai.reports` can be checked with clients built in memory.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from pandai.client import Client
from pandai.parsing import add_months
from pandai.workspace import Workspace


def created_of(client: Client) -> date | None:
    """Return the day a client was created, or None when the file has no valid date."""
    created = client.get("created")
    return created if isinstance(created, date) else None


def value_of(client: Client) -> int | None:
    """Return a client's value, or None when it has none or it is not a valid amount."""
    value = client.get("value")
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def history_of(client: Client) -> list[tuple[date, dict[str, Any]]]:
    """Return the dated status_history entries, oldest first; undated ones are skipped."""
    entries = []
    for entry in client.status_history:
        when = entry.get("at") if isinstance(entry, dict) else None
        if isinstance(when, datetime):
            when = when.date()
        if isinstance(when, date):
            entries.append((when, entry))
    return sorted(entries, key=lambda pair: pair[0])


def status_on(client: Client, day: date) -> tuple[bool, str | None]:
    """Return (existed, status) for ``client`` on ``day``, following the module's rules."""
    created = created_of(client)
    if created is not None and created > day:
        return False, None
    history = history_of(client)
    if not history:
        return True, client.get("status")
    earlier = [entry for when, entry in history if when <= day]
    if earlier:
        return True, earlier[-1].get("to") or client.get("status")
    if created is None:
        # No record shows that the client existed on the day: its first step is later.
        return False, None
    first = history[0][1]
    return True, first.get("from") or first.get("to")


def clients_on(workspace: Workspace, clients: list[Client], day: date) -> list[Client]:
    """Return copies of the clients that existed on ``day``, with their status on that day."""
    if day >= workspace.today:
        return clients
    result = []
    for client in clients:
        existed, status = status_on(client, day)
        if existed:
            copy = Client(client.id, dict(client.data), client.path, client.archived)
            copy.set("status", status)
            result.append(copy)
    return result


def period_start(day: date, period: str) -> date:
    """Return the first day of the period (ISO week from Monday, month, quarter, year)."""
    if period == "week":
        return day - timedelta(days=day.weekday())
    if period == "month":
        return day.replace(day=1)
    if period == "quarter":
        return date(day.year, (day.month - 1) // 3 * 3 + 1, 1)
    return date(day.year, 1, 1)


def next_period(start: date, period: str) -> date:
    """Return the first day of the period after the one starting on ``start``."""
    if period == "week":
        return start + timedelta(days=7)
    return add_months(start, {"month": 1, "quarter": 3, "year": 12}[period])


def period_key(start: date, period: str) -> str:
    """Return the period's key: ``2026-W48`` (ISO week), ``2026-11``, ``2026-Q4`` or ``2026``."""
    if period == "week":
        year, week, _weekday = start.isocalendar()
        return f"{year}-W{week:02d}"
    if period == "month":
        return f"{start.year}-{start.month:02d}"
    if period == "quarter":
        return f"{start.year}-Q{(start.month - 1) // 3 + 1}"
    return str(start.year)
