"""Renderers: they present a :class:`~scanner.model.Report` and never compute anything."""

from __future__ import annotations

from collections.abc import Callable

from scanner.model import Report
from scanner.report import json_report, table

FORMATS: dict[str, Callable[[Report], str]] = {
    "json": json_report.render,
    "table": table.render,
}
