"""Reports of a multi-repository scan: the JSON contract and the terminal view.

The repositories are real fixture scenarios assessed by the engine; only the organisation
wrapping (target, failures, preflight) is what a platform scan would add.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import jsonschema
import pytest

from scanner.model import Report
from scanner.report import json_report, table

SCHEMA = (Path(__file__).parent.parent.parent / "scanner" / "report" / "schema"
          / "report.schema.json")


def test_org_json_follows_the_schema_and_is_sorted(org_report: Report) -> None:
    text = json_report.render(org_report)
    document = json.loads(text)
    jsonschema.Draft202012Validator(json.loads(SCHEMA.read_text())).validate(document)
    org = document["organisation"]
    assert (document["schema_version"], document["target"], org["scanned"], org["failed"]) == (
        "1.4", "github:acme", 3, 2)
    assert [f["repo"] for f in document["failures"]] == ["local:aa-refused", "local:zz-gone"]
    assert [v["evidence"] for v in document["preflight"]] == ["classic branch protection",
                                                              "rulesets"]
    assert [r["repo"] for r in org["levels"]] == sorted(r["repo"] for r in org["levels"])
    assert [a["id"] for a in org["answers"]][:3] == ["S1-Q1", "S1-Q2", "S1-Q3"]
    visible = next(a for a in org["answers"] if a["id"] == "S3-Q1")
    assert (visible["among"], visible["counted"]) == ("ai_in_use", 2)
    # the order the report was given in does not change the bytes
    shuffled = dataclasses.replace(org_report, failures=org_report.failures[::-1],
                                   preflight=org_report.preflight[::-1])
    assert json_report.render(shuffled) == text


def test_schema_rejects_an_org_answer_without_its_coverage(org_report: Report) -> None:
    document = json.loads(json_report.render(org_report))
    del document["organisation"]["answers"][0]["share_floor"]
    with pytest.raises(jsonschema.ValidationError, match="share_floor"):
        jsonschema.Draft202012Validator(json.loads(SCHEMA.read_text())).validate(document)


def test_org_table_fits_80_columns_in_the_promised_order(org_report: Report) -> None:
    text = table.render(org_report)
    lines = text.splitlines()
    assert max(len(line) for line in lines) <= 80
    assert all(line == line.rstrip() for line in lines)
    headings = ["What this token can see:", "github:acme: 3 repositories scanned, 2 could not "
                "be scanned", "Model S, security stage:", "Repositories by level",
                "Repositories at each Model D floor level", "Could not be scanned:"]
    found = [next(n for n, line in enumerate(lines) if line.startswith(h)) for h in headings]
    assert found == sorted(found)
    assert " - classic branch protection (needs repository admin): 0 of 3 repositories" in lines
    assert " - local:aa-refused: forbidden: clone refused" in lines
    # the long name is cut with an ellipsis, the short ones are whole
    (long_row,) = [line for line in lines if line.startswith(" local:a-repository-name")]
    assert "…" in long_row and long_row.endswith("no")
    assert any(line.startswith(" local:api ") and line.endswith("yes") for line in lines)
    assert "   ✗ S1-Q2 Is there a documented policy for AI-generated code? favourable in 1" \
        in lines
    assert "     of 3 repositories (33.3 %), needs more than 50 %: no" in lines
    # stages beyond the next one, and per-repository detail, only on request
    assert "S3-Q2" not in text
    assert "Model D, governance domains:" not in text


def test_org_table_shows_each_repository_in_detail_when_asked(org_report: Report) -> None:
    text = table.render(org_report, detail=True)
    assert text.count("Model D, governance domains:") == 3
    assert any(line.startswith("   ✗ S3-Q2 Are pre-commit controls deployed across most "
                               "teams? favourable in 1") for line in text.splitlines())
    assert max(len(line) for line in text.splitlines()) <= 80


def test_org_table_spread_counts_repositories_per_level(org_report: Report) -> None:
    lines = table.render(org_report).splitlines()
    start = next(n for n, line in enumerate(lines) if line.startswith("Repositories at each"))
    assert lines[start + 1].split() == ["domain", "1", "2", "3", "4", "5"]
    expected = {s.id: [str(n) for n in s.repos_at_level]
                for s in org_report.organisation.spread} if org_report.organisation else {}
    for line in lines[start + 2:start + 6]:
        cells = line.split()
        assert cells[-5:] == expected[cells[0]]
    assert sum(int(n) for n in expected["CLG"]) == 3
