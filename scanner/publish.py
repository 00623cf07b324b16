"""After a scan: render every format asked for, record the history, write the bundle, gate.

The JSON report is rendered once and every other format is made from that document, so
what a SARIF file or an HTML page shows is exactly what the JSON contract says. Nothing is
printed here: the command line prints what :func:`publish` returns and picks the exit code.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from scanner.bundle import BundleError, write_bundle
from scanner.console import write_atomically
from scanner.diff import compare
from scanner.engine import ScanOptions
from scanner.gates import Gate, check
from scanner.history import History, HistoryError
from scanner.model import Report
from scanner.outputs import Output
from scanner.report import (
    RenderError,
    catalog_view,
    codequality,
    html,
    json_report,
    markdown,
    sarif,
    table,
)
from scanner.summary import RunSummary, summarize

#: Formats rendered from the report itself rather than from the parsed JSON document.
FROM_REPORT = frozenset({"json", "table"})
#: Past runs shown in the trend of the HTML and Markdown reports.
TREND_RUNS = 30


class PublishError(Exception):
    """An output, the bundle or the history could not be written (the message says which)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Delivery:
    """What to do with a finished report."""

    outputs: tuple[Output, ...]
    sarif_unknown: bool = False
    bundle: Path | None = None
    sign_key: Path | None = None
    gates: tuple[Gate, ...] = ()
    basis: str = "floor"
    history: Path | None = None
    command: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class Published:
    """What was done: text for standard output, files written, formats refused, gates."""

    stdout: tuple[str, ...] = ()
    written: tuple[Path, ...] = ()
    refused: tuple[str, ...] = ()
    """Formats that could not present this report, with the reason."""
    gate_failures: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class View:
    """Everything a renderer may be given besides the report itself."""

    report: Report
    report_text: str | None
    """The JSON report, rendered once; None when it is only written to files (streamed)."""
    document: Mapping[str, Any]
    catalog: Mapping[str, Any]
    diff: Any
    trend: Sequence[RunSummary]
    sarif_unknown: bool
    color: bool
    width: int
    detail: bool


def render(fmt: str, view: View) -> str:
    """One format's text."""
    if fmt == "json":
        return view.report_text if view.report_text is not None else json_report.render(
            view.report)
    if fmt == "table":
        return table.render(view.report, color=view.color, width=view.width, detail=view.detail)
    if fmt == "sarif":
        return sarif.render(view.document, view.catalog, include_unknown=view.sarif_unknown)
    if fmt == "gitlab-codequality":
        return codequality.render(view.document, view.catalog)
    if fmt == "markdown":
        return markdown.render(view.document, diff=view.diff, trend=view.trend)
    if fmt == "html":
        return html.render(view.document, view.catalog, diff=view.diff, trend=view.trend)
    raise ValueError(f"no renderer for {fmt!r}")


def _history(path: Path, summary: RunSummary,
             warn: Callable[[str], None]) -> tuple[Any, Sequence[RunSummary]]:
    """Record the run; the difference from the previous run and the recent trend."""
    try:
        with History(path) as history:
            previous = history.previous(summary)
            history.record(summary)
            trend = history.runs(summary.target, TREND_RUNS)
    except HistoryError as exc:
        # The scan is done and its report is worth more than the history: keep going.
        warn(f"history not recorded: {exc}")
        return None, ()
    return (compare(previous, summary) if previous is not None else None), trend


def publish(report: Report, options: ScanOptions, delivery: Delivery, *, color: bool,
            width: int, detail: bool, warn: Callable[[str], None]) -> Published:
    """Render, write, record and gate; raises :class:`PublishError` if a file cannot be written."""
    report_text, document = report_forms(report, delivery.outputs,
                                         bundle=delivery.bundle is not None)
    # The history and gates need only the levels: no need for the document to read them.
    summary = (summarize(document or json_report.document(report))
               if delivery.history is not None or delivery.gates else None)
    diff, trend = (_history(delivery.history, summary, warn)
                   if delivery.history is not None and summary is not None else (None, ()))
    view = View(report=report, report_text=report_text, document=document,
                catalog=catalog_view.as_dict(options.catalog),
                diff=diff, trend=trend, sarif_unknown=delivery.sarif_unknown,
                color=color, width=width, detail=detail)
    done = write_outputs(delivery.outputs, view)
    written = done.written
    if delivery.bundle is not None and report_text is not None:
        written = (*written, _bundle(delivery, report_text, document, view.catalog, options))
    failures = check(summary, delivery.gates, delivery.basis) if summary is not None else ()
    return dataclasses.replace(done, written=written, gate_failures=failures)


def report_forms(report: Report, outputs: Sequence[Output], *,
                 bundle: bool) -> tuple[str | None, Mapping[str, Any]]:
    """The report's JSON text and parsed document, each only if something needs it.

    An organisation's report may be too big to hold in memory, let alone twice: the text is
    made for JSON on standard output, the bundle and the formats made from the document;
    the document only for those two. A JSON file is written as the report is read back from
    the journal (:func:`write_outputs`), and the empty document means none was needed.
    """
    documented = bundle or any(o.format not in FROM_REPORT for o in outputs)
    as_text = documented or any(o.format == "json" and o.path is None for o in outputs)
    report_text = json_report.render(report) if as_text else None
    return report_text, (json.loads(report_text) if report_text is not None and documented
                         else {})


def write_outputs(outputs: Sequence[Output], view: View) -> Published:
    """Every format asked for: text for standard output, files written, formats refused.

    Raises :class:`PublishError` if a file cannot be written.
    """
    stdout: list[str] = []
    written: list[Path] = []
    refused: list[str] = []
    for output in outputs:
        if output.format == "json" and output.path is not None and view.report_text is None:
            _write(output.path, lambda out: json_report.write(view.report, out))
            written.append(output.path)
            continue
        # A file never gets terminal colours or the terminal's width.
        try:
            text = render(output.format, view if output.path is None
                          else dataclasses.replace(view, color=False, width=80))
        except RenderError as exc:
            # The other formats are still written: one format's limit loses nothing else.
            refused.append(f"--format {output.format}: {exc}")
            continue
        if output.path is None:
            stdout.append(text)
            continue
        _write(output.path, text)
        written.append(output.path)
    return Published(stdout=tuple(stdout), written=tuple(written), refused=tuple(refused))


def _write(path: Path, data: str | Callable[[TextIO], None]) -> None:
    try:
        write_atomically(path, data)
    except OSError as exc:
        raise PublishError(f"cannot write {path}: {exc.strerror or exc}") from None


def _bundle(delivery: Delivery, report_text: str, document: Mapping[str, Any],
            catalog_doc: Mapping[str, Any], options: ScanOptions) -> Path:
    assert delivery.bundle is not None
    attestation = ((options.attestation_file, options.attestation_data)
                   if options.attestation_file and options.attestation_data is not None
                   else None)
    try:
        write_bundle(delivery.bundle, report_text=report_text, document=document,
                     catalog_doc=catalog_doc, attestation=attestation,
                     command=delivery.command, tool_version=str(document["tool"]["version"]),
                     sign_key=delivery.sign_key)
    except BundleError as exc:
        raise PublishError(f"--bundle: {exc}") from None
    except OSError as exc:
        raise PublishError(f"--bundle {delivery.bundle}: {exc.strerror or exc}") from None
    return delivery.bundle
