"""The run summary read from saved JSON reports (the golden documents)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from scanner.summary import as_dict, summarize

GOLDEN = Path(__file__).parent / "golden"


def golden(name: str) -> dict[str, Any]:
    """A golden report document, parsed."""
    document: dict[str, Any] = json.loads((GOLDEN / f"{name}.json").read_text(encoding="utf-8"))
    return document


@pytest.mark.parametrize(("name", "target", "code", "code_ceiling", "stage", "partial"), [
    ("mid-maturity", "local:mid-maturity", "2-2-1-3", "5-2-1-3", (3, 3), False),
    ("high-maturity", "local:high-maturity", "2-3-3-4", "5-5-5-4", (3, 5), False),
    ("high-maturity-attested", "local:high-maturity", "2-3-3-4", "5-5-5-4", (4, 5), False),
    ("bare-minimum", "local:bare-minimum", "1-1-1-1", "1-1-1-1", (1, 1), False),
    ("hostile", "local:hostile", "1-1-1-1", "5-5-2-1", (1, 5), True),
])
def test_a_local_report_is_summarised_under_its_repository(
        name: str, target: str, code: str, code_ceiling: str, stage: tuple[int, int],
        partial: bool) -> None:
    document = golden(name)
    summary = summarize(document)
    (repo,) = summary.repos
    assert (summary.target, repo.repo, repo.code, repo.code_ceiling) == (
        target, target, code, code_ceiling)
    assert ((repo.stage, repo.stage_ceiling), summary.partial) == (stage, partial)
    assert (summary.as_of, summary.tool_version, summary.catalog_version) == (
        "2026-11-01T00:00:00Z", "0.1.0", "2026.11.2")
    assert (summary.org_stage, summary.org_stage_ceiling, summary.org_answers) == (
        None, None, ())
    # the code is the domain floors, in catalog order
    assert [d for d, _, _ in repo.domains] == ["CLG", "ABC", "GDA", "TRA"]
    assert "-".join(str(f) for _, f, _ in repo.domains) == code
    assert "-".join(str(c) for _, _, c in repo.domains) == code_ceiling
    # every indicator, then every answer, in the document's (catalog) order
    source = document["repositories"][0]
    expected = [(i["id"], i["status"]) for d in source["model_d"]["domains"]
                for i in d["indicators"]]
    expected += [(a["id"], a["status"]) for a in source["model_s"]["answers"]]
    assert list(repo.results) == expected
    assert repo.results[0] == ("CLG-2a", repo.results[0][1])
    assert repo.results[-1][0] == "S5-Q4"


def test_repositories_are_sorted_by_name() -> None:
    document = golden("mid-maturity")
    second = copy.deepcopy(document["repositories"][0])
    second["repo"] = "local:aardvark"
    document["repositories"].append(second)
    document["target"] = "github:acme"
    summary = summarize(document)
    assert [r.repo for r in summary.repos] == ["local:aardvark", "local:mid-maturity"]
    assert summary.target == "github:acme"


def test_mid_maturity_results_keep_their_statuses() -> None:
    (repo,) = summarize(golden("mid-maturity")).repos
    results = dict(repo.results)
    assert (results["CLG-2a"], results["CLG-3a"], results["ABC-3a"], results["S4-Q1"]) == (
        "met", "unknown", "unmet", "unmet")
    assert repo.domains[0] == ("CLG", 2, 5)


def test_as_dict_is_plain_json_keyed_by_id() -> None:
    summary = summarize(golden("mid-maturity"))
    data = json.loads(json.dumps(as_dict(summary)))
    (repo,) = data["repos"]
    assert repo["domains"]["CLG"] == {"floor": 2, "ceiling": 5}
    assert repo["results"]["ABC-3a"] == "unmet"
    assert (data["target"], data["org_stage"], data["org_answers"]) == (
        "local:mid-maturity", None, {})


def test_a_document_missing_its_levels_raises_a_key_error() -> None:
    document = golden("mid-maturity")
    del document["repositories"][0]["model_d"]
    with pytest.raises(KeyError, match="model_d"):
        summarize(document)

