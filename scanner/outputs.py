"""Which report formats a scan writes, and where: the plan made from ``--format``/``-o``.

One format may go to standard output; several need a file each, given by ``-o`` in the
same order as ``--format`` or named by ``--out-dir``. The plan is made before the scan
starts, so a bad combination is an error at once rather than after an hour of scanning.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

FORMATS = ("table", "json", "sarif", "markdown", "html", "gitlab-codequality")
#: The file each format gets under ``--out-dir``.
FILE_NAMES = {
    "table": "aims-report.txt",
    "json": "aims-report.json",
    "sarif": "aims-report.sarif",
    "markdown": "aims-report.md",
    "html": "aims-report.html",
    "gitlab-codequality": "aims-codequality.json",
}


class OutputError(ValueError):
    """The formats and destinations asked for do not fit together."""


@dataclass(frozen=True, slots=True)
class Output:
    """One format and where it goes (None: standard output)."""

    format: str
    path: Path | None


def split_formats(values: Sequence[str]) -> tuple[str, ...]:
    """``--format`` values, repeatable or comma-separated, checked and in the order given."""
    chosen = [part.strip().lower() for value in values for part in value.split(",")]
    chosen = [name for name in chosen if name]
    unknown = [name for name in chosen if name not in FORMATS]
    if unknown:
        raise OutputError(f"unknown format {unknown[0]!r} (choose from {', '.join(FORMATS)})")
    repeated = sorted({name for name in chosen if chosen.count(name) > 1})
    if repeated:
        raise OutputError(f"format {repeated[0]!r} asked for twice")
    return tuple(chosen)


def plan_outputs(formats: Sequence[str], outputs: Sequence[Path], out_dir: Path | None, *,
                 terminal: bool) -> tuple[Output, ...]:
    """Pair formats with destinations; ``terminal`` picks the default format for stdout."""
    if out_dir is not None and outputs:
        raise OutputError("give either -o/--output or --out-dir, not both")
    if not formats:
        formats = ("table",) if terminal and not outputs and out_dir is None else ("json",)
    if out_dir is not None:
        return tuple(Output(f, out_dir / FILE_NAMES[f]) for f in formats)
    if not outputs:
        if len(formats) > 1:
            raise OutputError(f"{len(formats)} formats need a file each: give -o once per "
                              "--format, in the same order, or --out-dir DIR")
        return (Output(formats[0], None),)
    if len(outputs) != len(formats):
        raise OutputError(f"{len(formats)} format(s) but {len(outputs)} -o file(s): give -o "
                          "once per --format, in the same order")
    resolved = [path.resolve() for path in outputs]
    if len(set(resolved)) != len(resolved):
        raise OutputError("two formats would be written to the same file")
    return tuple(Output(f, p) for f, p in zip(formats, outputs, strict=True))
