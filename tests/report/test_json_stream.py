"""The streamed JSON report is the one-piece report, byte for byte.

An organisation's report is written one repository and one evidence item at a time
(:func:`scanner.report.json_report.write`); a merged report is written in one piece from
its document (:func:`scanner.report.json_report.dump`). Both must spell every report the
same, or a merged report could never equal an unsharded run's.
"""

from __future__ import annotations

import dataclasses
import io

import pytest

from scanner.model import Report
from scanner.report import json_report

AWKWARD = ("line\nbreak", "tab\tand \"quotes\"", "ünïcödé ☃", "\u2028separator", "")


def streamed(report: Report) -> str:
    out = io.StringIO()
    json_report.write(report, out)
    return out.getvalue()


def awkward(report: Report, text: str) -> Report:
    """The report with ``text`` in a repository's notes and the organisation's target."""
    first = dataclasses.replace(report.repositories[0], notes=(text, text))
    return dataclasses.replace(report, repositories=(first, *report.repositories[1:]),
                               target=text)


@pytest.mark.parametrize("text", AWKWARD)
def test_streamed_equals_the_documents_spelling(org_report: Report, text: str) -> None:
    report = awkward(org_report, text)
    assert streamed(report) == json_report.dump(json_report.as_dict(report))


@pytest.mark.parametrize("emptied", ["repositories", "evidence", "both"])
def test_empty_lists_are_spelled_as_in_one_piece(org_report: Report, emptied: str) -> None:
    fields = {"repositories": (), "evidence": ()} if emptied == "both" else {emptied: ()}
    report = dataclasses.replace(org_report, **fields)  # type: ignore[arg-type]
    text = streamed(report)
    assert text == json_report.dump(json_report.as_dict(report))
    assert '"evidence": []' in text or emptied == "repositories"


def test_render_is_the_stream(org_report: Report) -> None:
    assert json_report.render(org_report) == streamed(org_report)
