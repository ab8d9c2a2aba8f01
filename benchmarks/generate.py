"""Generate a workspace of N demo-like clients in a git repository, for the benchmarks.

Each client is one of the 45 demo clients of the repository with a new name, company, e-mail,
phone, owner, status and dates, so files have the demo's size and shape (notes, status history,
tags). Files are written by pandai's own YAML writer and committed in one commit. The same
clients can also be written as vCard 3.0 files, for comparing with khard.

Usage: python benchmarks/generate.py TARGET COUNT [--vcards FOLDER]
"""

from __future__ import annotations

import argparse
import multiprocessing
import random
import shutil
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from pandai import yamlio  # noqa: E402 - needs the repository on sys.path first.
from pandai.client import from_file_data, make_slug, to_file_data  # noqa: E402
from pandai.fields import BUILTIN_FIELDS, FieldSet  # noqa: E402

ANCHOR = date(2026, 12, 4)
SURNAMES = ("Nagy", "Kovács", "Tóth", "Szabó", "Horváth", "Varga", "Kiss", "Molnár", "Németh",
            "Farkas", "Balogh", "Papp", "Takács", "Juhász", "Lakatos", "Mészáros", "Oláh",
            "Simon", "Rácz", "Fekete", "Szilágyi", "Török", "Fehér", "Balázs", "Gál", "Kis",
            "Szűcs", "Kocsis", "Orsós", "Pintér", "Fodor", "Szalai", "Sipos", "Magyar")
GIVEN_NAMES = ("Péter", "Anna", "Gábor", "Judit", "László", "Katalin", "Zoltán", "Éva",
               "István", "Erzsébet", "Attila", "Mária", "Tamás", "Ildikó", "Krisztián",
               "Tímea", "Balázs", "Réka", "Ádám", "Zsófia", "Dániel", "Petra", "Bence", "Noémi")
COMPANY_WORDS = ("Bükki", "Alföldi", "Dunai", "Tiszai", "Mátrai", "Balatoni", "Pannon",
                 "Zempléni", "Somogyi", "Hegyvidéki", "Kárpát", "Duna-menti")
TRADES = ("Faipari", "Optika", "Pékség", "Építő", "Kertészet", "Szerviz", "Logisztika",
          "Nyomda", "Fogászat", "Könyvelő", "Autóház", "Vendéglő")
OWNERS = ("anna", "bela", "csilla")
STATUSES = ("Új lead", "Kapcsolatfelvétel alatt", "Ajánlat elküldve", "Ügyfél (megnyert)",
            "Elvesztett", "Inaktív")
SOURCES = ("Weboldal", "Ajánlás", "Hideghívás", "Rendezvény", "LinkedIn", "Hirdetés", "Egyéb")
SETTINGS = ("statuses.yaml", "views.yaml")


def _templates() -> list[dict[str, Any]]:
    return [yamlio.read(path) for path in sorted((REPO / "clients").glob("*.yaml"))]


def _shift(text: str, days: int) -> str:
    # Demo dates are ISO days or note timestamps that start with one.
    shifted = date.fromisoformat(text[:10]) + timedelta(days=days)
    return shifted.isoformat() + text[10:]


def make_client(number: int, template: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """Return (id, file data) of client ``number``, shaped like ``template``."""
    chance = random.Random(number)
    surname, given = chance.choice(SURNAMES), chance.choice(GIVEN_NAMES)
    company = f"{chance.choice(COMPANY_WORDS)} {chance.choice(TRADES)} Kft."
    name = f"{surname} {given}"
    client_id = f"{make_slug(name)}-{number}"
    days = chance.randint(-120, 60)
    data = dict(template)
    data["name"] = name
    data["company"] = company
    data["email"] = f"{make_slug(given)}.{make_slug(surname)}.{number}@{make_slug(company)}.hu"
    data["phone"] = f"+3630{1000000 + number % 9000000:07d}"
    data["status"] = chance.choice(STATUSES)
    data["owner"] = chance.choice(OWNERS)
    data["source"] = chance.choice(SOURCES)
    data["value"] = str(chance.randrange(100, 9000) * 1000)
    for key in ("last_contact", "next_action", "created"):
        if key in data:
            data[key] = _shift(data[key], days)
    for key in ("notes", "status_history"):
        entries = []
        for entry in template.get(key) or []:
            entry = dict(entry)
            entry["at"] = _shift(entry["at"], days)
            entries.append(entry)
        if entries:
            data[key] = entries
    return client_id, data


def _write_batch(arguments: tuple[Path, int, int]) -> list[str]:
    target, start, stop = arguments
    templates = _templates()
    fieldset = FieldSet(list(BUILTIN_FIELDS))
    ids = []
    for number in range(start, stop):
        client_id, data = make_client(number, templates[number % len(templates)])
        path = target / "clients" / f"{client_id}.yaml"
        # A round trip through Client gives the typed values and key order pandai writes.
        client = from_file_data(client_id, data, fieldset, path)
        path.write_text(yamlio.dump(to_file_data(client, fieldset)), "utf-8")
        ids.append(client_id)
    return ids


def _git(target: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(target), *args], check=True, capture_output=True)


def generate(target: Path, count: int, workers: int = 2) -> float:
    """Create a committed workspace of ``count`` clients in ``target``; return the seconds."""
    started = time.perf_counter()
    if target.exists():
        shutil.rmtree(target)
    (target / "clients").mkdir(parents=True)
    for name in SETTINGS:
        shutil.copy2(REPO / name, target / name)
    settings = (REPO / "pandai.yaml").read_text("utf-8")
    settings = settings.replace("auto_commit: false", "auto_commit: true")
    (target / "pandai.yaml").write_text(settings, "utf-8")
    (target / ".gitignore").write_text(".pandai/\n", "utf-8")

    step = 2000
    batches = [(target, start, min(start + step, count)) for start in range(0, count, step)]
    with multiprocessing.Pool(workers) as pool:
        pool.map(_write_batch, batches)

    _git(target, "init", "-q", "-b", "main")
    _git(target, "config", "user.name", "Nagy Anna")
    _git(target, "config", "user.email", "anna@pelda.hu")
    _git(target, "add", "-A")
    _git(target, "commit", "-q", "-m", f"Generate {count} clients")
    return time.perf_counter() - started


def _escape_vcard(text: str) -> str:
    return (text.replace("\\", "\\\\").replace(",", "\\,").replace(";", "\\;")
            .replace("\n", "\\n"))


def write_vcards(workspace: Path, folder: Path) -> int:
    """Write one vCard 3.0 file per client of ``workspace`` into ``folder``; return the count."""
    import yaml

    loader = getattr(yaml, "CBaseLoader", yaml.BaseLoader)
    folder.mkdir(parents=True, exist_ok=True)
    count = 0
    for path in sorted((workspace / "clients").glob("*.yaml")):
        data = yaml.load(path.read_text("utf-8"), Loader=loader)
        surname, _space, given = data["name"].partition(" ")
        notes = " / ".join(note.get("text", "") for note in data.get("notes") or [])
        lines = ["BEGIN:VCARD", "VERSION:3.0", f"UID:{path.stem}",
                 f"FN:{_escape_vcard(data['name'])}",
                 f"N:{_escape_vcard(surname)};{_escape_vcard(given)};;;",
                 f"ORG:{_escape_vcard(data.get('company', ''))}",
                 f"EMAIL;TYPE=INTERNET:{data.get('email', '')}",
                 f"TEL;TYPE=CELL:{data.get('phone', '')}",
                 f"CATEGORIES:{_escape_vcard(data.get('owner', ''))}",
                 f"NOTE:{_escape_vcard(notes)}", "END:VCARD", ""]
        (folder / f"{path.stem}.vcf").write_text("\r\n".join(lines), "utf-8")
        count += 1
    return count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("target", type=Path, help="workspace folder to create (replaced)")
    parser.add_argument("count", type=int, help="number of clients")
    parser.add_argument("--vcards", type=Path, help="also write the clients as .vcf files here")
    arguments = parser.parse_args()
    seconds = generate(arguments.target, arguments.count)
    print(f"{arguments.count} clients in {arguments.target} ({seconds:.1f} s)")
    if arguments.vcards:
        written = write_vcards(arguments.target, arguments.vcards)
        print(f"{written} vCards in {arguments.vcards}")


if __name__ == "__main__":
    main()
