"""GitLab Code Quality output: the keys GitLab reads, valid severities, stable fingerprints."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from scanner.catalog import Catalog
from scanner.model import Report
from scanner.report import RenderError, catalog_view, codequality, json_report, sarif
from tests.report.test_sarif import GOLDEN, TESTS, UNSAFE, hostile_document, load, statuses

SEVERITIES = {"info", "minor", "major", "critical", "blocker"}


@pytest.fixture(scope="module")
def catalog_doc(catalog: Catalog) -> dict[str, Any]:
    """The packaged catalog as the renderers receive it."""
    return catalog_view.as_dict(catalog)


@pytest.fixture(scope="module")
def org_document(org_report: Report) -> dict[str, Any]:
    """The organisation report as a document."""
    document: dict[str, Any] = json.loads(json_report.render(org_report))
    return document


def check_entries(text: str) -> list[dict[str, Any]]:
    """Parse a report and check every entry has exactly what GitLab reads, well typed."""
    entries: list[dict[str, Any]] = json.loads(text)
    assert text == json.dumps(entries, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    for entry in entries:
        assert set(entry) == {"description", "check_name", "fingerprint", "severity",
                              "location"}
        assert entry["severity"] in SEVERITIES
        assert isinstance(entry["description"], str) and entry["description"]
        assert set(entry["location"]) == {"path", "lines"}
        assert isinstance(entry["location"]["path"], str) and entry["location"]["path"]
        begin = entry["location"]["lines"]["begin"]
        assert isinstance(begin, int) and begin >= 1
    fingerprints = [e["fingerprint"] for e in entries]
    assert len(set(fingerprints)) == len(fingerprints)  # GitLab keeps one per fingerprint
    return entries


@pytest.mark.parametrize("golden", GOLDEN, ids=[p.stem for p in GOLDEN])
def test_every_golden_gives_one_entry_per_unmet_result(golden: Path,
                                                       catalog_doc: dict[str, Any]) -> None:
    document = load(golden)
    entries = check_entries(codequality.render(document, catalog_doc))
    (repo,) = document["repositories"]
    assert [e["check_name"] for e in entries] == [
        r["id"] for r in statuses(repo) if r["status"] == "unmet"]
    assert all(e["fingerprint"] == sarif.fingerprint(repo["repo"], e["check_name"])
               for e in entries)


@pytest.mark.parametrize(("ident", "expected"), [
    ("CLG-2a", "major"),  # Model D level 2: a foundation
    ("CLG-3a", "minor"),
    ("TRA-5a", "minor"),
    ("S1-Q1", "major"),   # Model S stages 1 and 2: foundations
    ("S2-Q1", "major"),
    ("S3-Q1", "minor"),
    ("S5-Q1", "minor"),
])
def test_severity_follows_the_rung(ident: str, expected: str,
                                   catalog_doc: dict[str, Any]) -> None:
    entry = next(e for e in (*catalog_doc["indicators"], *catalog_doc["questions"])
                 if e["id"] == ident)
    assert codequality.severity(entry) == expected


@pytest.mark.parametrize(("golden", "ident", "path", "line"), [
    ("deep-findings", "GDA-3b", "config/deploy.sh", 2),
    ("deep-findings", "GDA-4a", ".github/workflows/triage.yml", 9),
    ("mid-maturity", "ABC-3a", ".github/CODEOWNERS", 1),
    ("deep-findings", "ABC-3a", ".gitlab-ci.yml", 1),  # absence: no file named
    ("mid-maturity", "TRA-5a", ".gitlab-ci.yml", 1),   # history, not a file
])
def test_location_is_the_cited_file_or_the_pipeline_file(
        golden: str, ident: str, path: str, line: int, catalog_doc: dict[str, Any]) -> None:
    entries = codequality.as_list(load(TESTS / "golden" / f"{golden}.json"), catalog_doc)
    entry = next(e for e in entries if e["check_name"] == ident)
    assert entry["location"] == {"path": path, "lines": {"begin": line}}


def test_fingerprints_do_not_follow_the_summary(catalog_doc: dict[str, Any]) -> None:
    document = load(TESTS / "golden" / "bare-minimum.json")
    text = codequality.render(document, catalog_doc)
    assert codequality.render(copy.deepcopy(document), catalog_doc) == text
    for row in statuses(document["repositories"][0]):
        row["summary"] = "entirely different words"
    before, after = json.loads(text), check_entries(codequality.render(document, catalog_doc))
    assert [e["fingerprint"] for e in after] == [e["fingerprint"] for e in before]
    assert [e["description"] for e in after] != [e["description"] for e in before]


def test_hostile_text_is_one_plain_line(catalog_doc: dict[str, Any]) -> None:
    entries = check_entries(codequality.render(hostile_document(), catalog_doc))
    assert entries
    for entry in entries:
        assert not UNSAFE.search(entry["description"])
    abc3a = next(e for e in entries if e["check_name"] == "ABC-3a")
    assert abc3a["location"]["path"] == "dir with space/ü#?%<b>:\x01.yml"


def test_organisation_entries_name_their_repository(org_document: dict[str, Any],
                                                    catalog_doc: dict[str, Any]) -> None:
    entries = check_entries(codequality.render(org_document, catalog_doc))
    expected = [(repo["repo"], r["id"]) for repo in org_document["repositories"]
                for r in statuses(repo) if r["status"] == "unmet"]
    assert [(e["description"].split(": ")[0], e["check_name"]) for e in entries] == expected
    assert {e["fingerprint"] for e in entries} == {sarif.fingerprint(repo, ident)
                                                   for repo, ident in expected}


def test_a_report_from_another_catalog_is_refused(catalog_doc: dict[str, Any]) -> None:
    document = load(TESTS / "golden" / "mid-maturity.json")
    document["catalog_version"] = "1999.1.1"
    with pytest.raises(RenderError, match=r"made with catalog 1999\.1\.1"):
        codequality.render(document, catalog_doc)
