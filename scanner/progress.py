"""Progress of multi-repository scans: a live bar per repository on a terminal, lines in CI.

Both implement :class:`scanner.engine.Reporter`; they are called from worker threads.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TaskID, TextColumn

from collectors.sources.selection import Excluded
from scanner.model import Visibility
from scanner.report.table import clean

Echo = Callable[[str], None]


def announce(note: Echo, *, label: str, noun: str, listed: int, selected: int,
             excluded: Sequence[Excluded], preflight: tuple[Visibility, ...]) -> None:
    """Before a platform scan: what was listed, what is left out and why, what is visible."""
    note(f"{label}: {listed} {noun} listed, {selected} to scan"
         + (f", {len(excluded)} excluded" if excluded else ""))
    for left_out in excluded:
        note(f"  excluded {clean(left_out.repo_id)}: {left_out.why}")
    for line in describe(preflight):
        note(line)


def describe(rows: tuple[Visibility, ...]) -> list[str]:
    """The permission preflight as lines: what this token can and cannot see."""
    lines = ["what this token can see:"]
    for row in rows:
        seen = ("visible" if row.visible == row.total else
                "not visible" if row.visible == 0 else "partly visible")
        lines.append(f"  {row.evidence}: needs {row.needs} - {seen} "
                     f"({row.visible} of {row.total} {row.scope})")
    return lines


class LineReporter:
    """Plain log lines, one when a repository is done (CI logs, pipes, ``-v``)."""

    def __init__(self, echo: Echo, total: int, *, steps: bool = False) -> None:
        self._echo = echo
        self._total = total
        self._done = 0
        self._steps = steps
        self._lock = threading.Lock()

    def started(self, repo: str) -> None:
        """Nothing to say until the repository is done (keeps CI logs short)."""

    def step(self, repo: str, what: str) -> None:
        """Only with ``-v``: every collector step."""
        if self._steps:
            self._echo(clean(what))

    def finished(self, repo: str, outcome: str) -> None:
        """``[12/120] github.com/acme/api: Model D 2-1-1-3, Model S stage 1``."""
        with self._lock:
            self._done += 1
            # Repository names are untrusted: no escape sequence reaches the terminal.
            self._echo(f"[{self._done}/{self._total}] {clean(repo)}: {clean(outcome)}")


class BarReporter:
    """A rich progress display: an overall bar plus one line per repository being read."""

    def __init__(self, total: int, console: Console | None = None) -> None:
        self._progress = Progress(SpinnerColumn(), TextColumn("{task.description}", markup=False),
                                  BarColumn(), MofNCompleteColumn(),
                                  console=console or Console(stderr=True), transient=True)
        self._overall = self._progress.add_task("repositories", total=total)
        self._tasks: dict[str, TaskID] = {}
        self._lock = threading.Lock()

    def __enter__(self) -> BarReporter:
        self._progress.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._progress.stop()

    def started(self, repo: str) -> None:
        """A line for the repository, with an indeterminate bar."""
        with self._lock:
            self._tasks[repo] = self._progress.add_task(clean(repo), total=None)

    def step(self, repo: str, what: str) -> None:
        """Show the current step next to the repository's name."""
        with self._lock:
            task = self._tasks.get(repo)
        if task is not None:
            self._progress.update(task, description=clean(f"{repo}: {what.rsplit(': ', 1)[-1]}"))

    def finished(self, repo: str, outcome: str) -> None:
        """Drop the repository's line, print its result above the bars, advance the total."""
        with self._lock:
            task = self._tasks.pop(repo, None)
        if task is not None:
            self._progress.remove_task(task)
        self._progress.console.print(f"aims: {clean(repo)}: {clean(outcome)}", highlight=False,
                                     markup=False)
        self._progress.advance(self._overall)
