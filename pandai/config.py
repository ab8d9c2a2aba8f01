"""The workspace settings in ``pandai.yaml``: language, currency, team, rules and custom fields."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from pandai import yamlio
from pandai.errors import FileError
from pandai.fields import TYPES, Field
from pandai.i18n import _
from pandai.parsing import fold

_TRUE = {"true", "yes", "on", "1", "igen", "y"}
_FALSE = {"false", "no", "off", "0", "nem", "n"}
DEFAULT_COLUMNS = ["name", "company", "status", "owner", "next_action", "value"]


@dataclass
class Member:
    """A team member who can own clients; ``id`` is what client files store in ``owner``."""

    id: str
    name: str = ""
    email: str = ""
    aliases: list[str] = field(default_factory=list)

    def to_file(self) -> dict[str, Any]:
        """Return the member as pandai.yaml stores it."""
        data: dict[str, Any] = {"id": self.id}
        if self.name:
            data["name"] = self.name
        if self.email:
            data["email"] = self.email
        if self.aliases:
            data["aliases"] = yamlio.FlowList(self.aliases)
        return data


@dataclass
class Team:
    """The people of a workspace, looked up by id, name, first name or alias."""

    members: list[Member] = field(default_factory=list)

    def ids(self) -> list[str]:
        """Return the member ids in file order."""
        return [member.id for member in self.members]

    def get(self, member_id: str) -> Member | None:
        """Return the member with exactly this id."""
        return next((member for member in self.members if member.id == member_id), None)

    def resolve(self, text: str) -> Member | None:
        """Return the member a user or an import file means by ``text``, or None."""
        key = fold(text.strip().lstrip("@"))
        if not key:
            return None
        for member in self.members:
            if key == fold(member.id) or key == fold(member.email) or key == fold(member.name):
                return member
        for member in self.members:
            if key in (fold(alias) for alias in member.aliases):
                return member
        # A first name alone ("Anna", "Béla") names a member when no one else shares it.
        matches = [member for member in self.members
                   if key in (fold(part) for part in member.name.split())]
        return matches[0] if len(matches) == 1 else None


@dataclass
class Rules:
    """Lifecycle rules: when lost clients are retried and when a client counts as inactive."""

    lost_retry_months: int = 3
    inactive_after_days: int = 90
    stale_after_days: int = 30


@dataclass
class Config:
    """The parsed contents of pandai.yaml."""

    language: str = "hu"
    currency: str = "HUF"
    phone_region: str = "HU"
    auto_commit: bool = True
    columns: list[str] = field(default_factory=lambda: list(DEFAULT_COLUMNS))
    team: Team = field(default_factory=Team)
    rules: Rules = field(default_factory=Rules)
    custom_fields: list[Field] = field(default_factory=list)
    demo_anchor: date | None = None
    raw: dict[str, Any] = field(default_factory=dict)


def parse_bool(value: Any, path: Path, key: str) -> bool:
    """Read a yes/no setting written as true/false, yes/no, on/off or igen/nem."""
    text = fold(str(value))
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise FileError(_("{path}: {key} must be true or false, not {value!r}.").format(
        path=path, key=key, value=value), path)


def _parse_int(value: Any, path: Path, key: str) -> int:
    try:
        return int(str(value))
    except ValueError:
        raise FileError(_("{path}: {key} must be a whole number, not {value!r}.").format(
            path=path, key=key, value=value), path) from None


def _parse_member(entry: Any, path: Path) -> Member:
    if isinstance(entry, str):
        return Member(id=entry)
    if not isinstance(entry, dict) or not entry.get("id"):
        raise FileError(_("{path}: every team member needs an id, as in "
                          "'- id: anna'.").format(path=path), path)
    aliases = entry.get("aliases") or []
    return Member(id=str(entry["id"]), name=str(entry.get("name", "")),
                  email=str(entry.get("email", "")).lower(),
                  aliases=[str(alias) for alias in aliases] if isinstance(aliases, list) else [])


def _parse_custom_field(entry: Any, path: Path) -> Field:
    if not isinstance(entry, dict) or not entry.get("name"):
        raise FileError(_("{path}: every custom field needs a name and a type, as in "
                          "'- {{name: tax_number, type: text}}'.").format(path=path), path)
    kind = str(entry.get("type", "text"))
    if kind not in TYPES:
        raise FileError(_("{path}: field {name!r} has unknown type {type!r}; use one of: "
                          "{types}.").format(path=path, name=entry["name"], type=kind,
                                             types=", ".join(TYPES)), path)
    label = entry.get("label") or entry["name"]
    labels = {str(key): str(value) for key, value in label.items()} if isinstance(label, dict) \
        else {}
    english = labels.get("en") or (label if isinstance(label, str) else str(entry["name"]))
    aliases = tuple(str(alias) for alias in entry.get("aliases") or [])
    return Field(str(entry["name"]), kind, english, aliases, labels)


def load_config(path: Path, memo_dir: Path | None = None) -> Config:
    """Read pandai.yaml; raise FileError naming the setting that is wrong."""
    raw = yamlio.read(path, memo_dir) or {}
    if not isinstance(raw, dict):
        raise FileError(_("{path}: the settings file must be a mapping of keys to values.")
                        .format(path=path), path)
    config = Config(raw=raw)
    config.language = str(raw.get("language", "hu"))
    config.currency = str(raw.get("currency", "HUF")).upper()
    config.phone_region = str(raw.get("phone_region", "HU")).upper()
    if "auto_commit" in raw:
        config.auto_commit = parse_bool(raw["auto_commit"], path, "auto_commit")
    if isinstance(raw.get("columns"), list):
        config.columns = [str(column) for column in raw["columns"]]
    team = raw.get("team") or []
    if not isinstance(team, list):
        raise FileError(_("{path}: team must be a list of members.").format(path=path), path)
    config.team = Team([_parse_member(entry, path) for entry in team])
    rules = raw.get("rules") or {}
    if isinstance(rules, dict):
        config.rules = Rules(**{
            key: _parse_int(rules[key], path, f"rules.{key}")
            for key in ("lost_retry_months", "inactive_after_days", "stale_after_days")
            if key in rules})
    custom = raw.get("fields") or []
    if isinstance(custom, list):
        config.custom_fields = [_parse_custom_field(entry, path) for entry in custom]
    if raw.get("demo_anchor"):
        config.demo_anchor = date.fromisoformat(str(raw["demo_anchor"]))
    return config


def replace_top_level(text: str, key: str, block: str | None) -> str:
    """Replace the top-level ``key:`` entry of a YAML text with ``block`` (None removes it).

    Only the lines of that entry change, so the comments, order and quoting a person chose for
    the other settings stay as they were. A missing key is appended.
    """
    lines = text.splitlines(keepends=True)
    start = next((index for index, line in enumerate(lines)
                  if line.startswith(f"{key}:")), None)
    if start is None:
        if block is None:
            return text
        return text + ("" if text.endswith("\n") or not text else "\n") + block
    end = start + 1
    # The entry goes on while lines are indented, list items of a block list, or blank.
    while end < len(lines) and (lines[end][:1] in (" ", "\t", "-") or not lines[end].strip()):
        end += 1
    while end > start + 1 and not lines[end - 1].strip():
        end -= 1
    return "".join(lines[:start]) + (block or "") + "".join(lines[end:])


def save_team(path: Path, config: Config) -> None:
    """Write the team into pandai.yaml, keeping every other line of the file as it was."""
    block = yamlio.dump({"team": [member.to_file() for member in config.team.members]})
    text = path.read_text(encoding="utf-8")
    yamlio.write_atomic(path, replace_top_level(text, "team", block))
