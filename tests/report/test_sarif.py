"""SARIF output: valid against the official 2.1.0 schema, within GitHub's limits, stable.

Inputs are the golden JSON reports (one local repository each) and the organisation report
built from real fixture repositories (``org_report``); a hostile copy of a golden carries
control characters, HTML, direction overrides and odd file names.
"""

from __future__ import annotations

import copy
import gzip
import hashlib
import json
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from scanner.catalog import Catalog
from scanner.model import Report
from scanner.report import RenderError, catalog_view, json_report, sarif

TESTS = Path(__file__).parent.parent
SCHEMA = TESTS / "data" / "sarif-schema-2.1.0.json"
GOLDEN = sorted((TESTS / "golden").glob("*.json"))
NO_FILE_URI = "no%20file%20associated%20with%20this%20alert"
# RFC 3986 relative reference: unreserved, sub-delims, ':', '@', '/' and %XX escapes, and no
# ':' before the first '/' (it would read as a scheme). The schema's "uri-reference" format is
# not checked by jsonschema without an extra package, so it is checked here.
URI_REFERENCE = re.compile(r"(?:[A-Za-z0-9\-._~!$&'()*+,;=@/]|%[0-9A-F]{2})"
                           r"(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/]|%[0-9A-F]{2})*")
UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
HOSTILE_TEXT = ("<script>alert(1)</script> **bold** [link](javascript:x) \x1b[31mred\x1b[0m "
                "\u202egnp.exe\u202c ]]> \x00\x07\r\nnext line " + "long " * 2000)


def load(path: Path) -> dict[str, Any]:
    """A golden report document."""
    document: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return document


def statuses(repo: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
    """Every indicator result and answer of a repository in the document."""
    for domain in repo["model_d"]["domains"]:
        yield from domain["indicators"]
    yield from repo["model_s"]["answers"]


def hostile_document() -> dict[str, Any]:
    """mid-maturity with hostile summaries, repository name and a hostile cited file name."""
    document = load(TESTS / "golden" / "mid-maturity.json")
    repo = document["repositories"][0]
    repo["repo"] = "local:<img src=x onerror=alert(1)>\x1b]8;;evil\x07" + "r" * 500
    for row in statuses(repo):
        row["summary"] = HOSTILE_TEXT
    name = "dir with space/ü#?%<b>:\x01.yml"
    item = next(i for i in document["evidence"]
                if i["provenance"]["locator"] == "tree:.github/CODEOWNERS")
    item["provenance"]["locator"] = f"tree:{name}"
    item["payload"]["path"] = name
    return document


@pytest.fixture(scope="session")
def catalog_doc(catalog: Catalog) -> dict[str, Any]:
    """The packaged catalog as the renderers receive it."""
    return catalog_view.as_dict(catalog)


@pytest.fixture(scope="session")
def validator() -> jsonschema.Draft4Validator:
    """The official SARIF 2.1.0 schema (draft-04)."""
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft4Validator.check_schema(schema)
    return jsonschema.Draft4Validator(schema)


@pytest.fixture(scope="session")
def org_document(org_report: Report) -> dict[str, Any]:
    """The organisation report as a document."""
    document: dict[str, Any] = json.loads(json_report.render(org_report))
    return document


def render(document: Mapping[str, Any], catalog_doc: Mapping[str, Any], *,
           include_unknown: bool, validator: jsonschema.Draft4Validator) -> dict[str, Any]:
    """Render, check the text is canonical JSON and the log valid SARIF, and parse it."""
    text = sarif.render(document, catalog_doc, include_unknown=include_unknown)
    log: dict[str, Any] = json.loads(text)
    assert text == json.dumps(log, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    validator.validate(log)
    for run in log["runs"]:
        for result in run["results"]:
            uri = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            assert URI_REFERENCE.fullmatch(uri), uri
    return log


@pytest.mark.parametrize("include_unknown", [False, True])
@pytest.mark.parametrize("golden", GOLDEN, ids=[p.stem for p in GOLDEN])
def test_every_golden_gives_valid_sarif_with_one_result_per_gap(
        golden: Path, include_unknown: bool, catalog_doc: dict[str, Any],
        validator: jsonschema.Draft4Validator) -> None:
    document = load(golden)
    log = render(document, catalog_doc, include_unknown=include_unknown, validator=validator)
    (run,) = log["runs"]
    (repo,) = document["repositories"]
    shown = {"unmet": "warning", "unknown": "note"} if include_unknown else {"unmet": "warning"}
    expected = [(r["id"], shown[r["status"]]) for r in statuses(repo) if r["status"] in shown]
    assert [(r["ruleId"], r["level"]) for r in run["results"]] == expected
    rules = run["tool"]["driver"]["rules"]
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        assert len(result["locations"]) == 1
        assert result["partialFingerprints"] == {
            "aimsIndicator/v1": hashlib.sha256(
                f"{repo['repo']}\0{result['ruleId']}".encode()).hexdigest()}
    assert "automationDetails" not in run
    assert run["properties"] == {
        "repository": repo["repo"], "head": repo["head"],
        "catalogVersion": document["catalog_version"], "asOf": document["as_of"],
        "modelD": repo["model_d"]["code"], "modelDCeiling": repo["model_d"]["code_ceiling"],
        "stage": repo["model_s"]["stage"], "stageCeiling": repo["model_s"]["stage_ceiling"],
        "partial": document["partial"]}


def test_one_rule_per_indicator_and_question_with_catalog_help(
        catalog_doc: dict[str, Any], validator: jsonschema.Draft4Validator) -> None:
    log = render(load(GOLDEN[0]), catalog_doc, include_unknown=False, validator=validator)
    driver = log["runs"][0]["tool"]["driver"]
    assert (driver["name"], driver["version"], driver["semanticVersion"]) == (
        "aims", "0.1.0", "0.1.0")
    assert "informationUri" not in driver
    entries = [*catalog_doc["indicators"], *catalog_doc["questions"]]
    assert [r["id"] for r in driver["rules"]] == [e["id"] for e in entries]
    by_id = {r["id"]: r for r in driver["rules"]}
    for entry in entries:
        rule = by_id[entry["id"]]
        assert rule["shortDescription"]["text"] == entry.get("title", entry.get("question"))
        assert rule["fullDescription"]["text"] == entry["rationale"]
        for form in ("text", "markdown"):
            assert entry["rationale"] in rule["help"][form]
            assert entry["remediation"] in rule["help"][form]
        assert rule["defaultConfiguration"] == {"level": "warning"}
        assert re.fullmatch(r"[A-Z][A-Za-z0-9]+", rule["name"])
    assert by_id["CLG-2a"]["properties"] == {
        "domain": "CLG", "level": 2, "tags": ["ai-governance", "model-d", "CLG"]}
    assert by_id["S1-Q4"]["properties"] == {
        "stage": 1, "tags": ["ai-governance", "model-s", "stage-1"]}


@pytest.mark.parametrize(("golden", "ident", "uri", "region"), [
    # a code finding: its file and lines
    ("deep-findings", "GDA-3b", "config/deploy.sh", {"startLine": 2}),
    ("deep-findings", "GDA-4a", ".github/workflows/triage.yml", {"startLine": 9, "endLine": 10}),
    # a file read at HEAD
    ("mid-maturity", "ABC-3a", ".github/CODEOWNERS", {"startLine": 1}),
    # a file that could not be read (a gap at its path)
    ("hostile", "ABC-3a", ".github/CODEOWNERS", {"startLine": 1}),
    # the recorded absence of CODEOWNERS names no file; nor does a setting
    ("deep-findings", "ABC-3a", NO_FILE_URI, {"startLine": 1}),
    ("mid-maturity", "CLG-3a", NO_FILE_URI, {"startLine": 1}),
])
def test_location_is_the_first_cited_file(golden: str, ident: str, uri: str,
                                          region: dict[str, int], catalog_doc: dict[str, Any],
                                          validator: jsonschema.Draft4Validator) -> None:
    log = render(load(TESTS / "golden" / f"{golden}.json"), catalog_doc, include_unknown=True,
                 validator=validator)
    result = next(r for r in log["runs"][0]["results"] if r["ruleId"] == ident)
    assert result["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": uri, "uriBaseId": "%SRCROOT%"}, "region": region}


def test_unknown_results_are_notes_with_their_reason_only_when_asked(
        catalog_doc: dict[str, Any], validator: jsonschema.Draft4Validator) -> None:
    document = load(TESTS / "golden" / "mid-maturity.json")
    without = render(document, catalog_doc, include_unknown=False, validator=validator)
    with_notes = render(document, catalog_doc, include_unknown=True, validator=validator)
    assert {r["level"] for r in without["runs"][0]["results"]} == {"warning"}
    notes = [r for r in with_notes["runs"][0]["results"] if r["level"] == "note"]
    clg3a = next(r for r in notes if r["ruleId"] == "CLG-3a")
    assert clg3a["message"]["text"].startswith("unknown (unsupported): not visible in a local")
    assert clg3a["properties"]["status"] == "unknown"
    assert len(notes) == sum(r["status"] == "unknown"
                             for r in statuses(document["repositories"][0]))


def test_output_and_fingerprints_are_stable(catalog_doc: dict[str, Any],
                                            validator: jsonschema.Draft4Validator) -> None:
    document = load(TESTS / "golden" / "deep-findings.json")
    first = sarif.render(document, catalog_doc, include_unknown=True)
    assert sarif.render(copy.deepcopy(document), catalog_doc, include_unknown=True) == first
    changed = copy.deepcopy(document)
    for row in statuses(changed["repositories"][0]):
        row["summary"] = f"reworded: {row['summary']}"
    before = json.loads(first)["runs"][0]["results"]
    after = render(changed, catalog_doc, include_unknown=True,
                   validator=validator)["runs"][0]["results"]
    assert [r["partialFingerprints"] for r in after] == [r["partialFingerprints"] for r in before]
    assert [r["message"] for r in after] != [r["message"] for r in before]


def test_hostile_text_stays_plain_and_valid(catalog_doc: dict[str, Any],
                                            validator: jsonschema.Draft4Validator) -> None:
    document = hostile_document()
    log = render(document, catalog_doc, include_unknown=True, validator=validator)
    (run,) = log["runs"]
    for result in run["results"]:
        assert "markdown" not in result["message"]
        assert not UNSAFE.search(result["message"]["text"])
        assert "<script>alert(1)</script>" in result["message"]["text"]  # shown, as text
    assert not UNSAFE.search(run["properties"]["repository"])
    abc3a = next(r for r in run["results"] if r["ruleId"] == "ABC-3a")
    uri = abc3a["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri == "dir%20with%20space/%C3%BC%23%3F%25%3Cb%3E%3A%01.yml"


def test_organisation_gives_one_run_per_repository_with_its_own_category(
        org_document: dict[str, Any], catalog_doc: dict[str, Any],
        validator: jsonschema.Draft4Validator) -> None:
    log = render(org_document, catalog_doc, include_unknown=True, validator=validator)
    repos = [r["repo"] for r in org_document["repositories"]]
    assert [run["properties"]["repository"] for run in log["runs"]] == repos
    assert [run["automationDetails"]["id"] for run in log["runs"]] == [
        f"aims/{repo}/" for repo in repos]
    for run, repo in zip(log["runs"], org_document["repositories"], strict=True):
        wanted = [r["id"] for r in statuses(repo) if r["status"] in ("unmet", "unknown")]
        assert [r["ruleId"] for r in run["results"]] == wanted
    fingerprints = [r["partialFingerprints"]["aimsIndicator/v1"]
                    for run in log["runs"] for r in run["results"]]
    assert len(set(fingerprints)) == len(fingerprints)


def test_largest_fixtures_stay_within_github_upload_limits(
        org_document: dict[str, Any], catalog_doc: dict[str, Any]) -> None:
    # The numbers as published by GitHub ("SARIF support for code scanning"); the module
    # constants must not drift from them.
    assert (sarif.MAX_RUNS, sarif.MAX_RESULTS_PER_RUN, sarif.MAX_RULES_PER_RUN,
            sarif.MAX_LOCATIONS_PER_RESULT, sarif.MAX_TAGS_PER_RULE, sarif.MAX_GZIP_BYTES) == (
        20, 25_000, 25_000, 1_000, 20, 10_000_000)
    for document in (org_document, hostile_document(), *map(load, GOLDEN)):
        text = sarif.render(document, catalog_doc, include_unknown=True)
        log = json.loads(text)
        assert len(gzip.compress(text.encode("utf-8"))) <= sarif.MAX_GZIP_BYTES
        assert len(log["runs"]) <= sarif.MAX_RUNS
        for run in log["runs"]:
            assert len(run["results"]) <= sarif.MAX_RESULTS_PER_RUN
            assert len(run["tool"]["driver"]["rules"]) <= sarif.MAX_RULES_PER_RUN
            assert all(len(r["properties"]["tags"]) <= sarif.MAX_TAGS_PER_RULE
                       for r in run["tool"]["driver"]["rules"])
            assert all(len(r["locations"]) <= sarif.MAX_LOCATIONS_PER_RESULT
                       for r in run["results"])


def test_more_repositories_than_github_accepts_runs_is_refused(
        org_document: dict[str, Any], catalog_doc: dict[str, Any]) -> None:
    document = copy.deepcopy(org_document)
    template = document["repositories"][0]
    document["repositories"] = [{**template, "repo": f"local:r{n:02}"}
                                for n in range(sarif.MAX_RUNS + 1)]
    with pytest.raises(RenderError, match=r"at most 20 runs .* 21 repositories"):
        sarif.render(document, catalog_doc, include_unknown=False)
    document["repositories"] = document["repositories"][:sarif.MAX_RUNS]
    assert len(json.loads(sarif.render(document, catalog_doc,
                                       include_unknown=False))["runs"]) == sarif.MAX_RUNS


@pytest.mark.parametrize(("change", "message"), [
    (lambda d: d.update(catalog_version="1999.1.1"),
     "made with catalog 1999.1.1, this aims has catalog"),
    (lambda d: d["repositories"][0]["model_s"]["answers"][0].update(id="S9-Q9"),
     "ids not in catalog .*: S9-Q9"),
])
def test_a_report_from_another_catalog_is_refused(change: Any, message: str,
                                                  catalog_doc: dict[str, Any]) -> None:
    document = load(TESTS / "golden" / "mid-maturity.json")
    change(document)
    with pytest.raises(RenderError, match=message):
        sarif.render(document, catalog_doc, include_unknown=True)
