"""Goldens for every format: each fixture scenario's JSON report rendered as SARIF, GitLab
code quality, Markdown and HTML, compared byte for byte.

The inputs are the end-to-end goldens (``tests/golden/<scenario>.json``, themselves checked
against real scans) and the organisation report built from fixture repositories. Regenerate
with ``pytest --update-golden`` and review the diff.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from scanner.catalog import Catalog
from scanner.model import Report
from scanner.report import catalog_view, codequality, html, json_report, markdown, sarif
from tests.fixture_repos import PLANTED_TOKEN

GOLDEN = Path(__file__).parent.parent / "golden"
SCENARIOS = sorted(path.stem for path in GOLDEN.glob("*.json"))

Renderer = Callable[[dict[str, Any], dict[str, Any]], str]
FORMATS: dict[str, Renderer] = {
    "sarif": lambda doc, cat: sarif.render(doc, cat, include_unknown=False),
    "codequality.json": codequality.render,
    "md": lambda doc, _cat: markdown.render(doc, diff=None, trend=()),
    "html": lambda doc, cat: html.render(doc, cat, diff=None, trend=()),
}


def check(golden: Path, text: str, request: pytest.FixtureRequest) -> None:
    """Compare with the golden file, or rewrite it under ``--update-golden``."""
    if request.config.getoption("--update-golden"):
        golden.parent.mkdir(exist_ok=True)
        golden.write_text(text, encoding="utf-8")
    assert golden.exists(), f"no golden {golden.name}: run pytest --update-golden"
    assert text == golden.read_text(encoding="utf-8"), f"{golden.name} differs"


def test_every_scenario_has_a_json_golden() -> None:
    assert len(SCENARIOS) >= 7


@pytest.mark.parametrize("ext", FORMATS)
@pytest.mark.parametrize("scenario", SCENARIOS)
def test_scenario_format_matches_its_golden(scenario: str, ext: str, catalog: Catalog,
                                            request: pytest.FixtureRequest) -> None:
    document = json.loads((GOLDEN / f"{scenario}.json").read_text(encoding="utf-8"))
    text = FORMATS[ext](document, catalog_view.as_dict(catalog))
    # the hostile scenario plants a token in its remote URL and a settings file
    assert PLANTED_TOKEN not in text
    check(GOLDEN / "formats" / f"{scenario}.{ext}", text, request)


@pytest.mark.parametrize("ext", [ext for ext in FORMATS if ext != "sarif"])
def test_organisation_format_matches_its_golden(org_report: Report, ext: str, catalog: Catalog,
                                                request: pytest.FixtureRequest) -> None:
    document = json.loads(json_report.render(org_report))
    text = FORMATS[ext](document, catalog_view.as_dict(catalog))
    # the fleet is built under a temporary directory: its path must not reach any format
    assert all(repo["path"] not in text for repo in document["repositories"])
    check(GOLDEN / "formats" / f"org-fleet.{ext}", text, request)


def test_organisation_sarif_matches_its_golden(org_report: Report, catalog: Catalog,
                                               request: pytest.FixtureRequest) -> None:
    document = json.loads(json_report.render(org_report))
    text = sarif.render(document, catalog_view.as_dict(catalog), include_unknown=True)
    assert all(repo["path"] not in text for repo in document["repositories"])
    check(GOLDEN / "formats" / "org-fleet.sarif", text, request)
