"""Where a project's template came from, recorded at bake time (the post-generation hook
writes it in `.cookiecutter.json` under `_template_source`), so that the project's
`make entity` and `make field` get the template again at the commit the project is on,
with no checkout at hand (the project's `tools/template_checkout.py` reads it).

    {"url": where to clone from, "commit": the commit baked,
     "remote": the checkout's origin, a second place to clone from (optional),
     "directory": the template's directory inside the repository (optional)}

A cruft render records what cruft records (`_template`, `_commit` in its context), so a
`cruft update` moves the commit along with `.cruft.json`, and `cruft diff` sees no change.
A bake from a directory that is no git work tree, or from a work tree with changes not
committed, records no commit: the commands then use that directory as it is.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Mapping
from typing import Any

KEY = "_template_source"

# git in a directory: (directory, arguments) -> stdout, or None when git fails.
Git = Callable[[str, list[str]], str | None]


def run_git(directory: str, args: list[str]) -> str | None:
    """Run git in directory; its stdout, or None when it fails or is not installed."""
    try:
        done = subprocess.run(
            ["git", "-C", directory, *args], capture_output=True, text=True, check=False
        )
    except OSError:
        return None
    return done.stdout if done.returncode == 0 else None


def is_remote(typed: str) -> bool:
    """Whether the template was typed as a git URL (or an abbreviation such as gh:org/repo),
    which cookiecutter clones into ~/.cookiecutters, rather than as a directory."""
    from cookiecutter.config import BUILTIN_ABBREVIATIONS
    from cookiecutter.repository import expand_abbreviations, is_repo_url

    return bool(is_repo_url(expand_abbreviations(typed, BUILTIN_ABBREVIATIONS)))


def recorded(
    context: Mapping[str, Any],
    root: str,
    git: Git = run_git,
    remote: Callable[[str], bool] = is_remote,
) -> dict[str, str]:
    """The template's origin for `.cookiecutter.json`: root is the template's absolute path
    (`template_root()`), context the bake's."""
    typed = str(context.get("_template") or "")
    if context.get("_commit"):  # cruft: its clone is temporary; it renders `_template`
        return {"url": typed, "commit": str(context["_commit"])}
    head = git(root, ["rev-parse", "--show-toplevel", "--show-prefix", "HEAD"])
    lines = head.splitlines() if head else []
    if len(lines) != 3 or git(root, ["status", "--porcelain", "--", "."]) != "":
        return {"url": root}  # no git work tree, no commit yet, or uncommitted changes
    toplevel, prefix, commit = lines
    origin = (git(root, ["config", "--get", "remote.origin.url"]) or "").strip()
    source = {"url": toplevel, "commit": commit}
    if remote(typed):  # cookiecutter's clone in ~/.cookiecutters: clone its URL instead
        source["url"] = origin or typed
    elif origin:
        source["remote"] = origin
    if prefix.strip("/"):
        source["directory"] = prefix.strip("/")
    return source
