"""Creating a workspace: the status presets, default views and settings that ``init`` writes.

Status names, view titles and sources are workspace data, so each preset exists in Hungarian and
in English and ``init --lang`` picks one; they are not translated at run time.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from pandai import gitops, yamlio
from pandai.errors import InvalidInput
from pandai.i18n import _
from pandai.yamlio import FlowList

PRESETS = ("b2b", "service")

_STATUSES = {
    ("b2b", "hu"): [("Új lead", "open", "blue", "🆕"),
                    ("Kapcsolatfelvétel alatt", "open", "cyan", "📞"),
                    ("Ajánlat elküldve", "open", "yellow", "📨"),
                    ("Ügyfél (megnyert)", "won", "green", "🏆"),
                    ("Elvesztett", "lost", "red", "❌"),
                    ("Inaktív", "inactive", "grey", "💤")],
    ("b2b", "en"): [("New lead", "open", "blue", "🆕"),
                    ("Contacting", "open", "cyan", "📞"),
                    ("Offer sent", "open", "yellow", "📨"),
                    ("Client (won)", "won", "green", "🏆"),
                    ("Lost", "lost", "red", "❌"),
                    ("Inactive", "inactive", "grey", "💤")],
    ("service", "hu"): [("Érdeklődő", "open", "blue", "👋"),
                        ("Konzultáció egyeztetve", "open", "cyan", "📅"),
                        ("Árajánlat készül", "open", "yellow", "📝"),
                        ("Aktív ügyfél", "won", "green", "✅"),
                        ("Lemondott", "lost", "red", "🚫")],
    ("service", "en"): [("Enquiry", "open", "blue", "👋"),
                        ("Consultation booked", "open", "cyan", "📅"),
                        ("Quote in progress", "open", "yellow", "📝"),
                        ("Active client", "won", "green", "✅"),
                        ("Cancelled", "lost", "red", "🚫")],
}
_SOURCES = {
    "hu": ["Weboldal", "Ajánlás", "Hideghívás", "Rendezvény", "LinkedIn", "Hirdetés", "Egyéb"],
    "en": ["Website", "Referral", "Cold call", "Event", "LinkedIn", "Advertising", "Other"],
}
_VIEW_TITLES = {
    "hu": {"mine": "Saját nyitott ügyfeleim", "today": "Mai és lejárt teendők",
           "new-leads": "Új leadek", "stale": "Régóta nem keresett nyitott ügyfelek",
           "vip": "Nagy értékű ügyfelek", "followup": "Teendők a következő 7 napban",
           "lost-retry": "Újra megkereshető elvesztett ügyfelek"},
    "en": {"mine": "My open clients", "today": "Due today and overdue",
           "new-leads": "New leads", "stale": "Open clients not contacted for 30 days",
           "vip": "High-value clients", "followup": "Next actions in the coming 7 days",
           "lost-retry": "Lost clients due for another try"},
}

# Temporary files of an interrupted write start with a dot and end in .tmp.
GITIGNORE = ".pandai/\n.*.tmp\n"
GITATTRIBUTES = "*.yaml text eol=lf\nclients/*.yaml merge=pandai\narchive/*.yaml merge=pandai\n"


def statuses_document(preset: str, language: str) -> dict[str, Any]:
    """Return the contents of statuses.yaml for a preset in a language."""
    entries = [{"name": name, "stage": stage, "color": color, "emoji": emoji}
               for name, stage, color, emoji in _STATUSES[(preset, language)]]
    return {"statuses": entries, "sources": FlowList(_SOURCES[language])}


def views_document(preset: str, language: str) -> dict[str, Any]:
    """Return the contents of views.yaml: the usual segments of a sales team."""
    statuses = _STATUSES[(preset, language)]
    first = statuses[0][0]
    titles = _VIEW_TITLES[language]
    columns = ["name", "company", "status", "next_action", "value"]
    definitions = {
        "mine": (["owner=@me", "stage=open"], "next_action"),
        "today": (["next_action<=today", "stage=open,won"], "next_action"),
        "new-leads": ([f"status={first}"], "-created"),
        "stale": (["stage=open", "last_contact<-30d"], "last_contact"),
        "vip": (["value>=5M"], "-value"),
        "followup": (["stage=open", "next_action<=+7d"], "next_action"),
        "lost-retry": (["stage=lost", "next_action<=today"], "next_action"),
    }
    views = {name: {"title": titles[name], "filters": FlowList(filters), "sort": sort,
                    "columns": FlowList(columns)}
             for name, (filters, sort) in definitions.items()}
    return {"views": views}


def config_document(language: str) -> dict[str, Any]:
    """Return the contents of a new pandai.yaml."""
    return {
        "language": language,
        "currency": "HUF",
        "phone_region": "HU",
        "auto_commit": True,
        "team": [],
        "rules": {"lost_retry_months": 3, "inactive_after_days": 90, "stale_after_days": 30},
        "columns": FlowList(["name", "company", "status", "owner", "next_action", "value"]),
    }


def init_workspace(target: Path, preset: str = "b2b", language: str = "hu",
                   demo_source: Path | None = None, today: date | None = None) -> bool:
    """Create a workspace in ``target`` and make its first commit; return True when committed.

    With ``demo_source`` the demo workspace is copied instead of a preset, its dates moved so
    that they keep the same distance to today as to the demo's anchor day.
    """
    if preset not in PRESETS:
        raise InvalidInput(_("Unknown preset {preset!r}; use b2b or service.").format(
            preset=preset))
    if language not in ("hu", "en"):
        raise InvalidInput(_("Unknown language {language!r}; use hu or en.").format(
            language=language))
    if (target / "pandai.yaml").exists():
        raise InvalidInput(_("{path} is already a Pandai workspace.").format(path=target))
    if target.exists() and not target.is_dir():
        raise InvalidInput(_("{path} exists and is not a folder.").format(path=target))

    target.mkdir(parents=True, exist_ok=True)
    (target / "clients").mkdir(exist_ok=True)
    written = [target / "pandai.yaml", target / "statuses.yaml", target / "views.yaml",
               target / ".gitignore", target / ".gitattributes"]
    if demo_source is not None:
        from pandai.demo import copy_demo

        written += copy_demo(demo_source, target, today or date.today())
    else:
        yamlio.write(target / "pandai.yaml", config_document(language))
        yamlio.write(target / "statuses.yaml", statuses_document(preset, language))
        yamlio.write(target / "views.yaml", views_document(preset, language))
    from pandai.followups import install_templates

    written += install_templates(target, language)
    for line in GITIGNORE.splitlines(keepends=True):
        _append_line(target / ".gitignore", line)
    for line in GITATTRIBUTES.splitlines(keepends=True):
        _append_line(target / ".gitattributes", line)

    if not gitops.git_available():
        return False
    if not (target / ".git").exists():
        gitops.init_repository(target)
    from pandai.sync import ensure_merge_driver

    ensure_merge_driver(target)
    return gitops.commit(target, written, gitops.COMMIT_PREFIX + "init workspace",
                         ("pandai", "pandai@pandai.invalid"))


def _append_line(path: Path, text: str) -> None:
    existing = path.read_text(encoding="utf-8") if path.exists() else ""
    if text.strip() not in existing.splitlines():
        path.write_text(existing + text, encoding="utf-8")


def demo_folder() -> Path | None:
    """Return the demo workspace of a source checkout (the repository top), if present."""
    top = Path(__file__).resolve().parent.parent
    return top if (top / "pandai.yaml").is_file() and (top / "clients").is_dir() else None

