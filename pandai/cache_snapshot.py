"""The stored state of one client folder, and git's report on which files changed.

A :class:`Snapshot` is what ``.pandai/cache.sqlite`` keeps per folder (see pandai.cache). A
:class:`GitReport` runs ``git ls-files`` beside the cache read, so that a git work tree can vouch
for its files without pandai looking at each of them.
"""

from __future__ import annotations

import logging
import marshal
import os
import shutil
import subprocess
from pathlib import Path
from typing import Callable

from pandai import gitops

log = logging.getLogger(__name__)


class Snapshot:
    """The cached state of one folder, in lists that run parallel to ``names``.

    The stat data are stored apart and decoded only when git cannot vouch for the files.
    """

    def __init__(self, taken: int = 0, index_digest: str = "", names: list[str] | None = None,
                 stats: list[tuple | None] | None = None, hashes: list[str] | None = None,
                 summaries: list[tuple] | None = None, problem_keys: list[tuple] | None = None,
                 stats_loader: Callable[[], bytes | None] | None = None):
        self.taken = taken
        # The hash of git's report that proved every file unchanged, or "" when none did.
        self.index_digest = index_digest
        self.names = names if names is not None else []
        self._stats = stats
        self._stats_loader = stats_loader
        self.hashes = hashes if hashes is not None else []
        self.summaries = summaries if summaries is not None else []
        self.problem_keys = problem_keys if problem_keys is not None else []
        self._positions: dict[str, int] | None = None

    @property
    def stats(self) -> list[tuple | None]:
        """The stat data of each file; None where unknown, which makes a file be hashed."""
        if self._stats is None:
            try:
                taken, stats = marshal.loads(self._stats_loader() or b"")
            except (ValueError, EOFError, TypeError):
                taken, stats = None, None
            valid = taken == self.taken and isinstance(stats, list) and \
                len(stats) == len(self.names)
            self._stats = stats if valid else [None] * len(self.names)
        return self._stats

    def position(self, name: str) -> int | None:
        """Return where ``name`` is in the lists, or None."""
        if self._positions is None:
            self._positions = {name: index for index, name in enumerate(self.names)}
        return self._positions.get(name)

    def add(self, name: str, stat_data: tuple | None, digest: str, summary: tuple,
            problem_keys: tuple) -> None:
        self.names.append(name)
        self.stats.append(stat_data)
        self.hashes.append(digest)
        self.summaries.append(summary)
        self.problem_keys.append(problem_keys)

    def sorted(self) -> Snapshot:
        """Return the same entries in file name order."""
        order = sorted(range(len(self.names)), key=self.names.__getitem__)
        return Snapshot(self.taken, self.index_digest, *(
            [column[position] for position in order]
            for column in (self.names, self.stats, self.hashes, self.summaries,
                           self.problem_keys)))

    def dump(self, signature_text: str) -> tuple[bytes, bytes]:
        """Return the stored form: the entries, and the stat data apart."""
        # Equal values become one object, which marshal stores once, so that a load shares
        # one "anna" or one date among all clients instead of making 100 000 copies.
        shared: dict = {}
        summaries = [tuple(shared.setdefault((type(value), value), value)
                           if type(value) in (str, int) else value for value in summary)
                     for summary in self.summaries]
        entries = marshal.dumps((signature_text, self.taken, self.index_digest, self.names,
                                 self.hashes, summaries, self.problem_keys))
        return entries, marshal.dumps((self.taken, self.stats))

    @classmethod
    def load(cls, blob: bytes, signature_text: str,
             stats_loader: Callable[[], bytes | None] | None = None) -> Snapshot | None:
        """Return the snapshot stored in ``blob``; None when it is damaged or from other code."""
        try:
            stored, *fields = marshal.loads(blob)
            taken, index_digest, names, hashes, summaries, problem_keys = fields
        except (ValueError, EOFError, TypeError):
            return None
        if stored != signature_text or not (
                len(names) == len(hashes) == len(summaries) == len(problem_keys)):
            return None
        return cls(taken, index_digest, names, None, hashes, summaries, problem_keys,
                   stats_loader)


class GitReport:
    """``git ls-files`` for one folder, started early so that it runs beside the cache read."""

    def __init__(self, root: Path, folder: Path):
        self.prefix = f"{folder.relative_to(root).as_posix()}/"
        self.process = subprocess.Popen(
            ["git", "-C", str(root), "ls-files", "-v", "-s", "-c", "-m", "-z", "--",
             self.prefix], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            stdin=subprocess.DEVNULL, env=gitops._environment())
        self.output = b""
        self.digest = ""
        self.all_clean = False
        self._clean: dict[str, str] | None = None

    @classmethod
    def start(cls, root: Path, folder: Path) -> GitReport | None:
        """Start the report; None when git is missing. ``finish`` is False outside a work tree."""
        if shutil.which("git") is None or not folder.is_relative_to(root):
            return None
        try:
            return cls(root, folder)
        except OSError as error:
            log.warning("cannot run git for the cache: %s", error)
            return None

    def finish(self) -> bool:
        """Read the report; return False when git failed."""
        self.output, _errors = self.process.communicate()
        if self.process.returncode != 0:
            return False
        import hashlib

        self.digest = hashlib.sha1(self.output).hexdigest()
        return True

    def clean_files(self) -> dict[str, str]:
        """Return name → blob id of the files that match the index, unmarked by the user.

        A modified file is listed twice, as ``H`` and as ``C``. Entries marked
        assume-unchanged (lower case) or skip-worktree (``S``), conflicts (stage not 0) and
        files in subfolders are left out, so that only their stat data can prove them
        unchanged. ``all_clean`` is False when the report had any such entry.
        """
        if self._clean is not None:
            return self._clean
        clean: dict[str, str] = {}
        changed: set[str] = set()
        skip = len(self.prefix)
        for entry in self.output.split(b"\0"):
            if not entry:
                continue
            meta, _tab, path = entry.partition(b"\t")
            name = os.fsdecode(path)[skip:]
            tag, _mode, blob_id, stage = meta.split(b" ")
            if tag == b"H" and stage == b"0" and "/" not in name:
                clean[name] = blob_id.decode("ascii")
            else:
                changed.add(name)
        for name in changed:
            clean.pop(name, None)
        self.all_clean = not changed
        self._clean = clean
        return clean
