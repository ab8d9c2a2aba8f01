"""The status list and the sources in ``statuses.yaml``.

Each status has a stage: ``open`` (still being worked on), ``won``, ``lost`` or ``inactive``.
Filters use the stage (``stage=open``), and a status of stage ``lost`` requires a reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from pandai import yamlio
from pandai.errors import FileError
from pandai.i18n import _
from pandai.parsing import fold

STAGES = ("open", "won", "lost", "inactive")
# ANSI foreground codes for the colour names statuses.yaml may use.
COLORS = {
    "black": 30, "red": 31, "green": 32, "yellow": 33, "blue": 34, "magenta": 35, "cyan": 36,
    "white": 37, "grey": 90, "gray": 90, "bright_red": 91, "bright_green": 92,
    "bright_yellow": 93, "bright_blue": 94, "bright_magenta": 95, "bright_cyan": 96,
}


@dataclass
class Status:
    """One step of the client lifecycle."""

    name: str
    stage: str = "open"
    color: str = ""
    emoji: str = ""


@dataclass
class StatusList:
    """The statuses in lifecycle order and the known sources."""

    statuses: list[Status] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)

    def names(self) -> list[str]:
        """Return the status names in lifecycle order."""
        return [status.name for status in self.statuses]

    def find(self, text: str) -> Status | None:
        """Return the status named ``text``, ignoring case and accents."""
        key = fold(text.strip())
        return next((status for status in self.statuses if fold(status.name) == key), None)

    def stage_of(self, name: object) -> str:
        """Return the stage of a status name; unknown, missing or invalid statuses count as open.

        A hand-edited file may hold a list or a mapping where the name belongs.
        """
        status = self.find(name) if isinstance(name, str) and name else None
        return status.stage if status else "open"

    def first(self) -> str | None:
        """Return the first status, the default for new clients."""
        return self.statuses[0].name if self.statuses else None


def load_statuses(path: Path, memo_dir: Path | None = None) -> StatusList:
    """Read statuses.yaml; a missing file gives an empty list."""
    if not path.exists():
        return StatusList()
    raw = yamlio.read(path, memo_dir) or {}
    entries = raw.get("statuses") if isinstance(raw, dict) else None
    if not isinstance(entries, list):
        raise FileError(_("{path}: expected a list under 'statuses:'.").format(path=path), path)
    statuses = []
    for entry in entries:
        if isinstance(entry, str):
            entry = {"name": entry}
        if not isinstance(entry, dict) or not entry.get("name"):
            raise FileError(_("{path}: every status needs a name.").format(path=path), path)
        stage = str(entry.get("stage", "open"))
        if stage not in STAGES:
            raise FileError(
                _("{path}: status {name!r} has unknown stage {stage!r}; use one of: {stages}.")
                .format(path=path, name=entry["name"], stage=stage, stages=", ".join(STAGES)),
                path)
        statuses.append(Status(str(entry["name"]), stage, str(entry.get("color", "")),
                               str(entry.get("emoji", ""))))
    sources = raw.get("sources") or []
    return StatusList(statuses, [str(source) for source in sources]
                      if isinstance(sources, list) else [])
