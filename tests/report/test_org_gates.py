"""Summary, diff, gates and trend of an organisation report (three scanned repositories)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from scanner.commands import history_commands
from scanner.diff import Change, compare, render_text
from scanner.gates import check, parse_gates
from scanner.history import History
from scanner.model import Report
from scanner.report import json_report
from scanner.summary import summarize

LONG = "local:a-repository-name-far-too-long-for-the-eighty-column-table-of-levels"
REPOS = (LONG, "local:api", "local:web")


@pytest.fixture
def document(org_report: Report) -> dict[str, Any]:
    """The organisation report as its JSON document (a fresh copy to edit)."""
    loaded: dict[str, Any] = json.loads(json_report.render(org_report))
    return loaded


def test_the_summary_has_the_organisation_and_each_repository(document: dict[str, Any]
                                                             ) -> None:
    summary = summarize(document)
    assert (summary.target, summary.partial) == ("github:acme", True)
    assert (summary.org_stage, summary.org_stage_ceiling) == (1, 1)
    assert [r.repo for r in summary.repos] == list(REPOS)
    assert summary.org_answers[:3] == (("S1-Q1", "met"), ("S1-Q2", "unmet"), ("S1-Q3", "met"))
    assert len(summary.org_answers) == len(document["organisation"]["answers"]) == 21
    web = next(r for r in summary.repos if r.repo == "local:web")
    assert (web.code, web.code_ceiling, web.stage) == ("2-2-1-3", "5-2-1-3", 1)


def test_organisation_stage_and_answers_are_compared(document: dict[str, Any]) -> None:
    new = copy.deepcopy(document)
    org = new["organisation"]
    org["stage"]["floor"] = 2
    next(a for a in org["answers"] if a["id"] == "S1-Q2")["status"] = "met"
    next(a for a in org["answers"] if a["id"] == "S1-Q1")["status"] = "unknown"
    next(r for r in new["repositories"] if r["repo"] == "local:api")["model_s"]["stage"] = 2
    diff = compare(summarize(document), summarize(new))
    assert diff.changes == (
        Change(scope="organisation", subject="stage", before="1", after="2",
               direction="improved"),
        Change(scope="organisation", subject="S1-Q1", before="met", after="unknown",
               direction="regressed"),
        Change(scope="organisation", subject="S1-Q2", before="unmet", after="met",
               direction="improved"),
        Change(scope="local:api", subject="stage", before="1", after="2",
               direction="improved"),
    )
    assert diff.regressed
    text = render_text(diff)
    assert "\norganisation\n  improved   stage: 1 -> 2\n" in text
    assert "\nlocal:api\n  improved   stage: 1 -> 2\n" in text


def test_a_repository_dropped_from_the_organisation_is_not_a_regression(
        document: dict[str, Any]) -> None:
    new = copy.deepcopy(document)
    new["repositories"] = [r for r in new["repositories"] if r["repo"] != "local:web"]
    diff = compare(summarize(document), summarize(new))
    assert (diff.removed_repos, diff.changes, diff.regressed) == (("local:web",), (), False)


@pytest.mark.parametrize(("spec", "basis", "failures"), [
    ("stage=1", "floor", ()),
    ("stage=2", "floor",
     ("github:acme (organisation): stage 1 is below the required 2 (floor)",)),
    ("stage=2", "ceiling",
     ("github:acme (organisation): stage 1 is below the required 2 (ceiling)",)),
    ("CLG=2", "floor",
     (f"{LONG}: CLG level 1 is below the required 2 (floor)",
      "local:api: CLG level 1 is below the required 2 (floor)")),
    ("TRA=3,stage=2", "floor",
     (f"{LONG}: TRA level 1 is below the required 3 (floor)",
      "local:api: TRA level 2 is below the required 3 (floor)",
      "github:acme (organisation): stage 1 is below the required 2 (floor)")),
    ("CLG=1,ABC=1,GDA=1,TRA=1", "floor", ()),
])
def test_gates_apply_the_stage_to_the_organisation_and_domains_to_each_repository(
        document: dict[str, Any], spec: str, basis: str, failures: tuple[str, ...]) -> None:
    assert check(summarize(document), parse_gates(spec), basis) == failures


def test_an_organisation_with_no_repository_scanned_fails_domain_gates(
        document: dict[str, Any]) -> None:
    document["repositories"] = []
    assert check(summarize(document), parse_gates("stage=1,CLG=1"), "floor") == (
        "CLG=1: no repository was scanned, so nothing reaches it",)


def test_trend_of_an_organisation_shows_its_stage_and_repository_count(
        document: dict[str, Any], tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite"
    earlier = copy.deepcopy(document)
    earlier["as_of"], earlier["partial"] = "2026-10-01T00:00:00Z", False
    earlier["organisation"]["stage"]["ceiling"] = 2
    earlier["repositories"] = earlier["repositories"][:2]
    with History(path) as history:
        history.record(summarize(document))
        history.record(summarize(earlier))
        assert history.runs("github:acme") == (summarize(earlier), summarize(document))
    outcome = CliRunner().invoke(history_commands.trend, ["--history", str(path)])
    assert (outcome.exit_code, outcome.stdout) == (0, (
        "github:acme\n"
        "  as of                 Model D            stage\n"
        "  2026-10-01T00:00:00Z  2 repositories     1..2\n"
        "  2026-11-01T00:00:00Z  3 repositories     1      partial\n"))
