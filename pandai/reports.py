"""The figures of ``pandai report``: pipeline, conversion, sources, new leads, owners, funnel.

Every figure is computed from the client files of the workspace. The selection of clients works
in this order:

1. The active clients (and archived ones with ``include_archived``).
2. ``as_of``: each client's status on that day is rebuilt from status_history (the ``to`` of the
   last entry dated on or before the day). Clients created after the day are left out. A client
   created before the day whose history starts later had the ``from`` status of its first entry
   (else that entry's ``to``). A client without history keeps its current status, and one with
   neither history nor ``created`` is kept too. Values are always today's values, because the
   files record the history of statuses only.
3. The view's filters and the filter arguments, applied to the statuses of that day.
4. The window ``start``/``end``: only clients created in it. Clients without ``created`` are
   then left out and counted.

The result is a JSON-ready dict, documented in docs/reports.md; the terminal, CSV and HTML
renderings all read it, so every output shows the same numbers.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Callable

from pandai import query, store
from pandai.client import Client
from pandai.errors import FileError, InvalidInput
from pandai.statuses import Status
from pandai.i18n import _
from pandai.report_data import (clients_on, created_of, history_of, next_period, period_key,
                                period_start, value_of)
from pandai.workspace import Workspace

KINDS = ("pipeline", "conversion", "sources", "leads", "owners", "funnel")
PERIODS = ("week", "month", "quarter", "year")
# The funnel's steps are the statuses of these stages, in the order of statuses.yaml.
FUNNEL_STAGES = ("open", "won")


@dataclass
class ReportRequest:
    """The scope of a report: its kinds, the grouping period, the dates and the client segment."""

    kinds: tuple[str, ...] = KINDS
    period: str = "month"
    start: date | None = None
    end: date | None = None
    as_of: date | None = None
    filters: list[str] = field(default_factory=list)
    view: str | None = None
    include_archived: bool = False


@dataclass
class Report:
    """The figures as JSON-ready data, and the client files that could not be read."""

    data: dict[str, Any]
    problems: list[FileError] = field(default_factory=list)


def build_report(workspace: Workspace, request: ReportRequest) -> Report:
    """Select the clients of ``request`` and compute the figures of its kinds."""
    if request.start and request.end and request.start > request.end:
        raise InvalidInput(_("--from {start} is after --to {end}; swap the two dates.").format(
            start=request.start.isoformat(), end=request.end.isoformat()))
    as_of = request.as_of or workspace.today
    filters = _filters(workspace, request)
    loaded = store.load_clients(workspace)
    clients = list(loaded.clients)
    problems = list(loaded.problems)
    if request.include_archived:
        archived = store.load_clients(workspace, archived=True)
        clients += archived.clients
        problems += archived.problems

    clients = clients_on(workspace, clients, as_of)
    clients = query.apply_filters(clients, filters)
    windowed = request.start is not None or request.end is not None
    undated = [client for client in clients if created_of(client) is None]
    if windowed:
        clients = [client for client in clients if _in_window(created_of(client), request)]

    periods = _periods(clients, request, as_of)
    data: dict[str, Any] = {
        "today": workspace.today.isoformat(), "as_of": as_of.isoformat(),
        "from": request.start and request.start.isoformat(),
        "to": request.end and request.end.isoformat(), "period": request.period,
        "currency": workspace.config.currency, "view": request.view,
        "filters": list(request.filters), "archived_included": request.include_archived,
        "clients": len(clients), "left_out_without_created": len(undated) if windowed else 0,
        "kinds": list(request.kinds)}
    leads = leads_of(workspace, clients)
    builders = {"pipeline": lambda: _pipeline(workspace, leads),
                "conversion": lambda: _conversion(leads, periods),
                "leads": lambda: _leads(leads, periods),
                "sources": lambda: _sources(workspace, leads),
                "owners": lambda: _owners(workspace, leads),
                "funnel": lambda: _funnel(workspace, leads, as_of)}
    for kind in request.kinds:
        data[kind] = builders[kind]()
    return Report(data, problems)


def _filters(workspace: Workspace, request: ReportRequest) -> list[query.Filter]:
    texts = list(request.filters)
    if request.view:
        saved = workspace.views.get(request.view)
        if saved is None:
            raise InvalidInput(_("No view called {name!r}. Saved views: {views}.").format(
                name=request.view, views=", ".join(workspace.views) or "-"))
        texts = [*saved.filters, *texts]
    return [query.parse_filter(workspace, text) for text in texts]


def _in_window(created: date | None, request: ReportRequest) -> bool:
    return created is not None and (request.start is None or created >= request.start) \
        and (request.end is None or created <= request.end)


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _average(values: list[int]) -> dict[str, Any]:
    total = sum(values)
    average = int((Decimal(total) / len(values)).quantize(Decimal(1), ROUND_HALF_UP)) \
        if values else None
    return {"clients": len(values), "total": total, "average": average}


Period = tuple[str, date, date]  # key, first day, last day


def _periods(clients: list[Client], request: ReportRequest, as_of: date) -> list[Period]:
    """Return every period from the window's start (or the first lead) to its end, empty too."""
    dated = [day for day in (created_of(client) for client in clients) if day is not None]
    first = request.start or (min(dated) if dated else None)
    last = min(request.end, as_of) if request.end else as_of
    if first is None or first > last:
        return []
    periods = []
    start = period_start(first, request.period)
    while start <= last:
        following = next_period(start, request.period)
        periods.append((period_key(start, request.period), start,
                        following - timedelta(days=1)))
        start = following
    return periods


def _by_period(leads: list[Lead], periods: list[Period]) -> list[list[Lead]]:
    """Return the leads created in each period, in the order of ``periods``."""
    starts = [start for _key, start, _end in periods]
    groups: list[list[Lead]] = [[] for _period in periods]
    for lead in leads:
        index = bisect_right(starts, lead.created) - 1 if lead.created else -1
        if index >= 0 and lead.created <= periods[index][2]:
            groups[index].append(lead)
    return groups


def _period_row(period: Period) -> dict[str, Any]:
    key, start, end = period
    return {"period": key, "start": start.isoformat(), "end": end.isoformat()}


# The figures ------------------------------------------------------------------------------

@dataclass
class Lead:
    """A client as the figures read it, with its status looked up once."""

    client: Client
    status: str  # as statuses.yaml spells it, else as the file has it; "" for none
    stage: str   # unknown and missing statuses count as open
    owner: str | None
    source: str | None
    value: int | None
    created: date | None


def leads_of(workspace: Workspace, clients: list[Client]) -> list[Lead]:
    """Return the clients as leads."""
    # StatusList.find folds every status name on each call, so each spelling is looked up once.
    found: dict[str, Status | None] = {}
    leads = []
    for client in clients:
        name = str(client.get("status") or "")
        if name not in found:
            found[name] = workspace.statuses.find(name) if name else None
        status = found[name]
        leads.append(Lead(client, status.name if status else name,
                          status.stage if status else "open", _text(client.get("owner")),
                          _text(client.get("source")), value_of(client), created_of(client)))
    return leads


def _text(value: Any) -> str | None:
    # A hand-edited file may hold a list where a name belongs; it is grouped by its text.
    return None if value is None else str(value)


def _group(leads: list[Lead], key: Callable[[Lead], Any]) -> dict[Any, list[Lead]]:
    groups: dict[Any, list[Lead]] = {}
    for lead in leads:
        groups.setdefault(key(lead), []).append(lead)
    return groups


def _total(leads: list[Lead]) -> int:
    return sum(lead.value or 0 for lead in leads)


def _outcomes(leads: list[Lead]) -> dict[str, Any]:
    won = sum(1 for lead in leads if lead.stage == "won")
    lost = sum(1 for lead in leads if lead.stage == "lost")
    return {"leads": len(leads), "won": won, "lost": lost, "decided": won + lost,
            "rate": _rate(won, len(leads)), "rate_decided": _rate(won, won + lost)}


def _pipeline(workspace: Workspace, leads: list[Lead]) -> dict[str, Any]:
    open_leads = [lead for lead in leads if lead.stage == "open"]
    by_name = _group(open_leads, lambda lead: lead.status)
    names = [status.name for status in workspace.statuses.statuses if status.stage == "open"]
    names += sorted(set(by_name) - set(names))
    by_status = []
    for name in names:
        group = by_name.get(name, [])
        by_status.append({"status": name or None, "clients": len(group),
                          "value": _total(group)})
    by_owner = []
    for owner, group in _by_owner(workspace, open_leads):
        by_owner.append({"owner": owner, "name": _member_name(workspace, owner),
                         "clients": len(group), "value": _total(group)})
    return {"clients": len(open_leads), "value": _total(open_leads),
            "without_value": sum(1 for lead in open_leads if lead.value is None),
            "by_status": by_status, "by_owner": by_owner}


def _conversion(leads: list[Lead], periods: list[Period]) -> dict[str, Any]:
    stages = [lead.stage for lead in leads]
    result = {"leads": len(leads), "won": stages.count("won"), "lost": stages.count("lost"),
              "open": stages.count("open"), "inactive": stages.count("inactive")}
    result.update(_outcomes(leads))
    valued = [lead.value for lead in leads if lead.value is not None]
    won_valued = [lead.value for lead in leads if lead.value is not None and lead.stage == "won"]
    result["average_value"] = {"all": _average(valued), "won": _average(won_valued)}
    result["by_period"] = []
    for period, group in zip(periods, _by_period(leads, periods)):
        outcome = _outcomes(group)
        del outcome["decided"]
        result["by_period"].append({**_period_row(period), **outcome})
    return result


def _leads(leads: list[Lead], periods: list[Period]) -> dict[str, Any]:
    by_period = []
    for period, group in zip(periods, _by_period(leads, periods)):
        by_period.append({**_period_row(period), "leads": len(group)})
    return {"total": len(leads),
            "without_created": sum(1 for lead in leads if lead.created is None),
            "by_period": by_period}


def _sources(workspace: Workspace, leads: list[Lead]) -> list[dict[str, Any]]:
    groups = _group(leads, lambda lead: lead.source)
    known = [source for source in workspace.statuses.sources if source in groups]
    others = sorted(str(source) for source in set(groups) - set(known) if source is not None)
    rows = []
    for source in [*known, *others, *([None] if None in groups else [])]:
        group = groups[source]
        outcome = _outcomes(group)
        rows.append({"source": source, "leads": len(group), "won": outcome["won"],
                     "lost": outcome["lost"], "rate": outcome["rate"],
                     "won_value": _total([lead for lead in group if lead.stage == "won"])})
    return rows


def _owners(workspace: Workspace, leads: list[Lead]) -> list[dict[str, Any]]:
    rows = []
    for owner, group in _by_owner(workspace, leads):
        open_group = [lead for lead in group if lead.stage == "open"]
        outcome = _outcomes(group)
        rows.append({"owner": owner, "name": _member_name(workspace, owner),
                     "leads": len(group), "open": len(open_group),
                     "pipeline_value": _total(open_group), "won": outcome["won"],
                     "won_value": _total([lead for lead in group if lead.stage == "won"]),
                     "rate": outcome["rate"]})
    return rows


def _funnel(workspace: Workspace, leads: list[Lead], as_of: date) -> list[dict[str, Any]]:
    steps = [status for status in workspace.statuses.statuses if status.stage in FUNNEL_STAGES]
    # Every status name maps to its step index, and statuses outside the funnel to -1.
    indexes = {status.name: -1 for status in workspace.statuses.statuses}
    indexes.update({step.name: index for index, step in enumerate(steps)})
    counts = [0] * len(steps)
    for lead in leads:
        reached = _reached_steps(workspace, lead, as_of, indexes)
        top = max(reached, default=0)
        for index, step in enumerate(steps):
            # Every client was a lead, so it counts at the first step whatever happened since.
            if index == 0 or index in reached or (index < top and step.stage == "open"):
                counts[index] += 1
    rows = []
    for index, step in enumerate(steps):
        rows.append({"status": step.name, "stage": step.stage, "clients": counts[index],
                     "share_of_first": _rate(counts[index], counts[0]),
                     "from_previous": _rate(counts[index], counts[index - 1]) if index else None})
    return rows


def _reached_steps(workspace: Workspace, lead: Lead, as_of: date, indexes: dict[str, int]
                   ) -> set[int]:
    """Return the indexes of the funnel steps a client was in by ``as_of``."""
    seen = {lead.status}
    for when, entry in history_of(lead.client):
        if when <= as_of:
            seen.update(str(entry.get(key) or "") for key in ("from", "to"))
    reached = set()
    for name in seen - {""}:
        if name not in indexes:
            # A spelling that differs from statuses.yaml, as in a hand-edited file.
            status = workspace.statuses.find(name)
            name = status.name if status else name
        if indexes.get(name, -1) >= 0:
            reached.add(indexes[name])
    return reached


def _by_owner(workspace: Workspace, leads: list[Lead]) -> list[tuple[str | None, list[Lead]]]:
    """Group leads by owner: team order, then other ids, then None for no owner."""
    groups = _group(leads, lambda lead: lead.owner)
    team = [member for member in workspace.team.ids() if member in groups]
    others = sorted(str(owner) for owner in set(groups) - set(team) if owner is not None)
    order = [*team, *others, *([None] if None in groups else [])]
    return [(owner, groups[owner]) for owner in order]


def _member_name(workspace: Workspace, owner: str | None) -> str | None:
    member = workspace.member(owner)
    return member.name if member and member.name else None
