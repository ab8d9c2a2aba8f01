"""The change journal: multi-file changes that survive a crash as all or nothing.

A change first writes every new file to a temporary file beside its target, and flushes them all
to disk together (:func:`pandai.yamlio.sync_files`). Then it writes the journal,
``.pandai/journal.json``, listing the renames and moves still to do and the commit message, and
only then applies them. If the process dies (even by SIGKILL) before the journal
exists, the workspace is unchanged and the orphaned temporary files are removed later. If it dies
after, the next pandai command finds the journal and rolls the change forward, including its
commit. Each step can be repeated safely: a rename whose source is gone is already done.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

from pandai.yamlio import sync_folder, write_atomic

log = logging.getLogger(__name__)
JOURNAL_NAME = "journal.json"
# Folders whose orphaned temporary files (".name.XXXX.tmp") a recovery removes.
STAGING_FOLDERS = ("clients", "archive", ".", "files/*")


def journal_path(root: Path) -> Path:
    return root / ".pandai" / JOURNAL_NAME


def _relative(root: Path, path: Path) -> str:
    return str(path.relative_to(root)) if path.is_absolute() else str(path)


def run_operations(root: Path, operations: list[list[str]]) -> None:
    """Apply ``[kind, source, target]`` renames, moves and removals; steps already done are
    skipped."""
    folders: set[Path] = set()
    created_folders: set[Path] = set()
    for kind, source_text, target_text in operations:
        source, target = root / source_text, root / target_text
        try:
            if kind == "remove":
                source.unlink()
                folders.add(source.parent)
                continue
            if target.parent not in created_folders:
                target.parent.mkdir(parents=True, exist_ok=True)
                created_folders.add(target.parent)
            os.replace(source, target)
        except FileNotFoundError:
            if source.exists():
                raise
            continue  # the step was done before an interruption
        folders.update((source.parent, target.parent))
    for folder in folders:
        sync_folder(folder)


def write_journal(root: Path, message: str, operations: list[list[str]],
                  paths: list[Path]) -> None:
    """Record a change before it is applied, so that a crash can be rolled forward."""
    document = {"message": message, "operations": operations,
                "paths": [_relative(root, path) for path in paths]}
    write_atomic(journal_path(root), json.dumps(document, ensure_ascii=False, indent=1))


def clear_journal(root: Path) -> None:
    journal_path(root).unlink(missing_ok=True)


def pending(root: Path) -> bool:
    """Return True when a change was interrupted and waits to be rolled forward."""
    return journal_path(root).exists()


def read_journal(root: Path) -> dict | None:
    """Return the interrupted change, or None when there is none or it cannot be read.

    A journal that is not valid JSON was itself cut off while being written: its change had not
    started, so it is dropped.
    """
    path = journal_path(root)
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError):
        log.warning("dropping an unreadable journal %s", path)
        path.unlink(missing_ok=True)
        return None
    if not isinstance(document, dict) or not isinstance(document.get("operations"), list):
        path.unlink(missing_ok=True)
        return None
    return document


def remove_orphans(root: Path) -> None:
    """Delete temporary files left by a change that died before it wrote its journal."""
    for pattern in STAGING_FOLDERS:
        for path in root.glob(f"{pattern}/.*.tmp"):
            log.info("removing the orphaned temporary file %s", path)
            path.unlink(missing_ok=True)
