"""The git pre-commit hook that runs ``pandai doctor --errors-only`` before each hand commit.

pandai's own commits skip hooks, so the hook guards only commits made by people.
"""

from __future__ import annotations

import shlex
import sys
from dataclasses import dataclass
from pathlib import Path

from pandai import gitops
from pandai.errors import InvalidInput, PandaiError
from pandai.i18n import _
from pandai.workspace import Workspace

HOOK_MARKER = "# pandai doctor pre-commit hook"


@dataclass
class HookResult:
    """The outcome of install_hook: installed, updated, unchanged or replaced (with a backup)."""

    action: str
    path: Path
    backup: Path | None = None


def hook_script() -> str:
    """Return the pre-commit hook: doctor with --errors-only, run by this Python."""
    # Git runs a hook in the top folder of the work tree, which is the workspace folder.
    return (f"#!/bin/sh\n{HOOK_MARKER}, installed by 'pandai doctor --install-hook'.\n"
            f"exec {shlex.quote(sys.executable)} -m pandai -w . doctor --errors-only\n")


def install_hook(workspace: Workspace, force: bool = False) -> HookResult:
    """Write the doctor pre-commit hook; raise InvalidInput for a different hook without force."""
    if not workspace.has_git:
        raise PandaiError(_("{path} is not a git repository, so there is no commit to guard. "
                            "Run 'git init' there first.").format(path=workspace.root))
    hooks = Path(gitops.run(workspace.root, "rev-parse", "--git-path", "hooks").stdout.strip())
    path = hooks if hooks.is_absolute() else workspace.root / hooks
    path = path / "pre-commit"
    script = hook_script()

    action, backup = "installed", None
    if path.exists():
        existing = path.read_text(encoding="utf-8", errors="replace")
        if existing == script:
            return HookResult("unchanged", path)
        if HOOK_MARKER in existing:
            action = "updated"
        elif not force:
            raise InvalidInput(_("{path} already contains a different pre-commit hook. Add "
                                 "--force to replace it (it is kept as pre-commit.bak), or call "
                                 "'pandai doctor --errors-only' from it yourself.").format(
                                     path=path))
        else:
            action, backup = "replaced", path.with_name("pre-commit.bak")
            path.replace(backup)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(script, encoding="utf-8")
    path.chmod(0o755)
    return HookResult(action, path, backup)
