"""What every ``aims`` command shares: exit codes, the one-line error, safe file writes.

Kept apart from :mod:`scanner.cli` so that commands defined in their own modules
(:mod:`scanner.commands`) use the same conventions without importing the group.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import NoReturn, TextIO

import click

EXIT_OK = 0
EXIT_GATE = 1
EXIT_USAGE = 2
EXIT_PARTIAL = 3
EXIT_INTERNAL = 70


def fail(message: str, code: int = EXIT_USAGE) -> NoReturn:
    """Print a one-line error and exit (usage/input errors exit 2)."""
    click.echo(f"aims: error: {message}", err=True)
    sys.exit(code)


def write_atomically(path: Path, data: str | bytes | Callable[[TextIO], None]) -> None:
    """Write a file so that a reader never sees it half-written (text as UTF-8).

    ``data`` may be a function that writes the text piece by piece, for a file too big to
    hold in memory as one string.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        if callable(data):
            with open(handle, "w", encoding="utf-8", newline="") as text:
                data(text)
        else:
            with os.fdopen(handle, "wb") as out:
                out.write(data.encode("utf-8") if isinstance(data, str) else data)
        # mkstemp makes the file private; a report gets the usual permissions instead.
        os.chmod(temp, 0o666 & ~_umask())
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def default_cache_dir() -> Path:
    """The user cache directory (XDG on Linux, ~/Library/Caches on macOS)."""
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches" / "aims"
    base = os.environ.get("XDG_CACHE_HOME") or os.environ.get("LOCALAPPDATA")
    return (Path(base) if base else Path.home() / ".cache") / "aims"


def _umask() -> int:
    """The process umask (reading it means setting it, so it is set straight back)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def command_line() -> tuple[str, ...]:
    """The command line as given to :func:`main` (``aims`` and its arguments)."""
    state = click.get_current_context().find_root().obj
    if isinstance(state, dict) and "argv" in state:
        return tuple(state["argv"])
    return ("aims", *sys.argv[1:])
