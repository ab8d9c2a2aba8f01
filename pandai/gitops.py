"""Git as the change history: one commit per mutating command, staged by explicit paths.

Git runs as a subprocess with the variables that would point it at another repository removed,
and with ``LC_ALL=C`` so that its output can be parsed in any language.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from pandai.errors import GitError
from pandai.i18n import _

log = logging.getLogger(__name__)
COMMIT_PREFIX = "pandai: "
# Paths longer than this in total go to git on stdin, because a command line is limited (about
# 2 MB on Linux, 32 KB on Windows). --pathspec-from-file needs git 2.25 or later.
_MAX_ARGUMENT_BYTES = 24_000
# Files in the git folder that mean a merge, cherry-pick, revert, rebase or squash merge is
# under way. git commit then records more than a plain commit or rejects a partial one.
_SEQUENCE_FILES = ("MERGE_HEAD", "CHERRY_PICK_HEAD", "REVERT_HEAD", "SQUASH_MSG", "rebase-merge",
                   "rebase-apply")
# Hooks that git commit runs even with --no-verify.
_COMMIT_HOOKS = ("prepare-commit-msg", "post-commit")
# The settings a commit reads: the identity, signing, message clean-up and automatic
# housekeeping.
_COMMIT_KEYS = r"^(user\.email|commit\.gpgsign|commit\.cleanup|maintenance\.auto)$"
# Variables that would make git act on another repository or index than the workspace's.
_SCRUBBED = ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY",
             "GIT_ALTERNATE_OBJECT_DIRECTORIES", "GIT_NAMESPACE", "GIT_CEILING_DIRECTORIES")
# Bytes of file contents collected before they are written to git fast-import at once.
_PACK_BUFFER_BYTES = 256 * 1024


def git_available() -> bool:
    """Return True when a git executable is on PATH."""
    return shutil.which("git") is not None


def _environment() -> dict[str, str]:
    environment = {key: value for key, value in os.environ.items() if key not in _SCRUBBED}
    environment["LC_ALL"] = "C"
    environment.pop("LANGUAGE", None)
    return environment


def run(root: Path, *args: str, check: bool = True, input_text: str | None = None
        ) -> subprocess.CompletedProcess[str]:
    """Run ``git -C root ARGS``; raise GitError with git's output when it fails and check is set."""
    command = ["git", "-C", str(root), *args]
    log.debug("running %s", " ".join(command))
    try:
        result = subprocess.run(command, capture_output=True, text=True, env=_environment(),
                                input=input_text, check=False)
    except OSError as error:
        raise GitError(_("Cannot run git: {reason}. Install git or check PATH.").format(
            reason=error)) from error
    if check and result.returncode != 0:
        output = (result.stderr or result.stdout).strip()
        raise GitError(_("git {command} failed: {output}").format(
            command=args[0], output=output))
    return result


def relative_name(root: Path, path: Path) -> str:
    """Return ``path`` relative to ``root`` as text; a relative path is returned as it is."""
    # Slicing gives what relative_to gives without building Path objects, which took a tenth
    # of a second for the 10 000 files of an import.
    text = str(path)
    prefix = str(root) + os.sep
    if text.startswith(prefix):
        return text[len(prefix):]
    return str(path.relative_to(root)) if path.is_absolute() else text


def is_repository(root: Path) -> bool:
    """Return True when ``root`` is the top of a git work tree."""
    if not git_available() or not (root / ".git").exists():
        return False
    return run(root, "rev-parse", "--is-inside-work-tree", check=False).returncode == 0


def config_value(root: Path | None, key: str) -> str:
    """Return a git config value (repository first, then global), or an empty string."""
    if not git_available():
        return ""
    args = ["git", "-C", str(root)] if root else ["git"]
    result = subprocess.run([*args, "config", "--get", key], capture_output=True, text=True,
                            env=_environment(), check=False)
    return result.stdout.strip() if result.returncode == 0 else ""


def init_repository(root: Path) -> None:
    """Create a git repository in ``root`` with ``main`` as its first branch."""
    result = run(root, "init", "-q", "-b", "main", check=False)
    if result.returncode != 0:
        run(root, "init", "-q")


def commit(root: Path, paths: list[Path], message: str, author: tuple[str, str] | None = None,
           packed: bool = False) -> bool:
    """Commit the changes of ``paths`` alone; return False when there was nothing to commit.

    Paths may be files that were created, changed or deleted, or folders. ``author`` (name,
    e-mail) is used only when git has no identity configured, so that a fresh machine can still
    commit. The commit is the one ``git commit --no-verify -m MESSAGE -- PATHS`` makes. When
    nothing but these paths is staged, plumbing commands write it in less than half the time
    on a large workspace (see _commit_staged). With ``packed``, a large commit does not pack
    the contents first, because a :class:`BlobPack` has stored them; update-index stores any
    content it missed.
    """
    relative = [relative_name(root, path) for path in paths]
    if not relative:
        return False
    if sum(len(item) + 1 for item in relative) > _MAX_ARGUMENT_BYTES:
        return _commit_many(root, relative, message, author, packed)
    names = {Path(item).as_posix() for item in relative}
    state = _commit_state(root)
    if state.head is None or not all(_is_plain_file_name(root, name) for name in names):
        return _commit_pathspec(root, relative, message, author)

    _stage(root, relative)
    staged = _staged_names(root)
    if not staged & names:
        return False
    config = _commit_config(root)
    identity = _identity_arguments(config, author)
    if staged <= names and state.allows_plumbing(message, config):
        _commit_staged(root, state.head, message, identity, config)
    else:
        # Other staged changes stay staged: git commits these paths alone, as before.
        run(root, *identity, "commit", "-q", "--no-verify", "-m", message, "--", *relative)
    return True


def _commit_pathspec(root: Path, relative: list[str], message: str,
                     author: tuple[str, str] | None) -> bool:
    """Commit ``relative`` with git's porcelain: the route for folders, an empty repository,
    and names git would read as patterns."""
    run(root, "add", "-A", "--", *relative)
    staged = run(root, "diff", "--cached", "--quiet", "--", *relative, check=False)
    if staged.returncode == 0:
        return False

    # NOTE: hooks are skipped because pandai validates what it writes, and a pre-commit check
    # of the whole workspace must not block a change to one client.
    run(root, *_identity(root, author), "commit", "-q", "--no-verify", "-m", message, "--",
        *relative)
    return True


@dataclass
class _CommitState:
    """What decides whether a commit may bypass ``git commit``: HEAD and a few git files."""

    head: str | None
    hooks: Path
    busy: bool  # a merge, cherry-pick, revert, rebase or squash is under way

    def allows_plumbing(self, message: str, config: dict[str, str | None]) -> bool:
        """Return True when plumbing commands would make the commit git commit makes.

        git commit does more only in the cases rejected here. It runs the prepare-commit-msg
        and post-commit hooks even with --no-verify, and it signs when commit.gpgSign is set.
        It records a merge or ends a sequence. It cleans up a message of several lines, and
        with commit.cleanup=strip it removes a line that starts with the comment character.
        """
        if self.busy or _config_true(config.get("commit.gpgsign", "false")):
            return False
        if (config.get("commit.cleanup") or "").strip().lower() == "strip":
            return False
        if "\n" in message or message != message.strip() or not message:
            return False
        return not any(os.access(self.hooks / hook, os.X_OK) for hook in _COMMIT_HOOKS)


def _commit_state(root: Path) -> _CommitState:
    arguments = ["rev-parse", "--git-path", "hooks"]
    for name in _SEQUENCE_FILES:
        arguments += ["--git-path", name]
    result = run(root, *arguments, "--verify", "-q", "HEAD", check=False)
    lines = result.stdout.splitlines()
    paths = [root / line for line in lines[:len(_SEQUENCE_FILES) + 1]]
    head = lines[-1] if result.returncode == 0 and len(lines) == len(paths) + 1 else None
    return _CommitState(head, paths[0] if paths else root / ".git" / "hooks",
                        any(path.exists() for path in paths[1:]))


def _is_plain_file_name(root: Path, name: str) -> bool:
    """Return True for a path git reads literally that is not a folder in the work tree."""
    return not (name.startswith(":") or any(char in name for char in "*?[\\")
                or (root / name).is_dir())


def _stage(root: Path, relative: list[str]) -> None:
    """Stage ``relative`` as ``git add -A`` does, by the faster update-index when it can.

    update-index without --add and --remove accepts only files that are tracked and still
    exist, and changes nothing when one path is anything else. The rest goes to git add, which
    also applies the ignore rules and rejects a path that matches no file, as before.
    """
    if run(root, "update-index", "--", *relative, check=False).returncode != 0:
        run(root, "add", "-A", "--", *relative)


def _staged_names(root: Path) -> set[str]:
    """Return every path whose staged version differs from HEAD."""
    output = run(root, "diff-index", "--cached", "--name-only", "-z", "--no-renames",
                 "HEAD").stdout
    return {name for name in output.split("\0") if name}


def _commit_config(root: Path) -> dict[str, str | None]:
    """Return the settings a commit depends on, by lower-case key; None for a key without value.
    """
    result = run(root, "config", "-z", "--get-regexp", _COMMIT_KEYS, check=False)
    config: dict[str, str | None] = {}
    for entry in result.stdout.split("\0"):
        if entry:
            key, newline, value = entry.partition("\n")
            config[key] = value if newline else None
    return config


def _config_true(value: str | None) -> bool:
    """Return git's reading of a boolean setting: a key without a value means true."""
    return value is None or value.strip().lower() not in ("false", "no", "off", "0", "")


def _commit_staged(root: Path, head: str, message: str, identity: list[str],
                   config: dict[str, str | None]) -> None:
    """Commit the index as it is, on top of ``head``, without running git commit.

    On 100 000 clients, git commit checks the stat data of every entry and builds a second
    index for the paths, which took 0.6 s. write-tree reuses the cached trees of unchanged
    folders and took 0.2 s (benchmarks/mutations.py, 2 cores, git 2.39).
    """
    tree = run(root, "write-tree").stdout.strip()
    new = run(root, *identity, "commit-tree", tree, "-p", head, "-m", message).stdout.strip()
    # The old value makes the update fail, as git commit would, if HEAD moved meanwhile.
    run(root, "update-ref", "-m", f"commit: {message}", "HEAD", new, head)
    if _config_true(config.get("maintenance.auto", "true")):
        # git commit starts the same automatic housekeeping (packing loose objects).
        result = run(root, "maintenance", "run", "--auto", "--quiet", check=False)
        if result.returncode != 0:
            # git before 2.29 has no maintenance command, and its git commit ran gc --auto.
            log.debug("git maintenance failed: %s", result.stderr.strip())
            run(root, "gc", "--auto", "--quiet", check=False)


def _identity(root: Path, author: tuple[str, str] | None) -> list[str]:
    return _identity_arguments({"user.email": config_value(root, "user.email")}, author)


def _identity_arguments(config: dict[str, str | None], author: tuple[str, str] | None
                        ) -> list[str]:
    if author and not config.get("user.email"):
        return ["-c", f"user.name={author[0]}", "-c", f"user.email={author[1]}"]
    return []


def _commit_many(root: Path, relative: list[str], message: str,
                 author: tuple[str, str] | None, packed: bool = False) -> bool:
    """Commit paths too many for a command line (a large import) by passing them on stdin.

    git matches every path against every pathspec, which takes minutes for 100 000 paths, so
    the paths are staged with update-index, which reads exact file names.
    """
    names = "\0".join(relative)
    if not packed:
        _pack_contents(root, relative)
    run(root, "update-index", "--add", "--remove", "-z", "--stdin", input_text=names)
    # git diff has no --pathspec-from-file, so the staged names are compared instead.
    staged = {name for name in run(root, "diff", "--cached", "--name-only", "-z",
                                   "--no-renames").stdout.split("\0") if name}
    ours = set(relative)
    if not staged & ours:
        return False
    identity = _identity(root, author)
    if staged <= ours:
        # Nothing else is staged, so the whole index is exactly this change. (write-tree and
        # commit-tree, as _commit_staged uses, were no faster for 10 000 new files.)
        run(root, *identity, "commit", "-q", "--no-verify", "-m", message)
    else:
        run(root, *identity, "commit", "-q", "--no-verify", "-m", message,
            "--pathspec-from-file=-", "--pathspec-file-nul", input_text=names)
    return True


def _pack_contents(root: Path, relative: list[str]) -> None:
    """Store the contents of many files in one pack before they are staged (see BlobPack)."""
    pack = BlobPack(root)
    for name in relative:
        try:
            data = (root / name).read_bytes()
        except OSError:
            continue  # a removed path has no contents; update-index reports unreadable files
        pack.add(data)
    pack.close()


class BlobPack:
    """A ``git fast-import`` process that stores file contents in one pack as they are given.

    ``update-index`` writes each new object as a file of its own, which took 2–4 s for 10 000
    client files, while ``fast-import`` wrote one pack in 0.5–1 s (docs/benchmarks.md,
    "Import"). Staging then finds the objects already stored. For a file that git converts
    when staging (line endings, filters), ``update-index`` still writes the converted object
    itself. So the pack only saves time, and a failure to write it is logged and otherwise
    ignored. Contents of a change that fails or is killed stay in the pack as unreachable
    objects, which git's garbage collection removes. NOTE: a kill while a content is half sent
    makes fast-import reject the stream and leave a crash report in the git folder.
    """

    def __init__(self, root: Path):
        import tempfile

        self._errors = tempfile.TemporaryFile()
        command = ["git", "-C", str(root), "fast-import", "--quiet"]
        try:
            self._process: subprocess.Popen | None = subprocess.Popen(
                command, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=self._errors,
                env=_environment(), bufsize=_PACK_BUFFER_BYTES)
        except OSError as error:
            log.warning("cannot run git fast-import: %s", error)
            self._process = None
            self._errors.close()

    def add(self, data: bytes) -> None:
        """Send one file's contents to the pack."""
        if self._process is None or self._process.stdin.closed:
            return
        try:
            self._process.stdin.write(b"blob\ndata %d\n%b\n" % (len(data), data))
        except BrokenPipeError:
            # fast-import stopped early; close() logs its exit status and message.
            self._close_input()

    def close(self) -> bool:
        """Write the pack and wait for it; return True when every content was stored."""
        if self._process is None:
            return False
        self._close_input()
        status = self._process.wait()
        self._errors.seek(0)
        message = self._errors.read().decode(errors="replace").strip()
        self._errors.close()
        self._process = None
        if status != 0:
            log.warning("git fast-import failed, so git stores each file on its own: %s",
                        message)
        return status == 0

    def _close_input(self) -> None:
        try:
            self._process.stdin.close()
        except BrokenPipeError:
            pass


def head_message(root: Path) -> str:
    """Return the subject of the last commit, or an empty string in an empty repository."""
    result = run(root, "log", "-1", "--format=%s", check=False)
    return result.stdout.strip() if result.returncode == 0 else ""
