"""End to end: the CLI on each fixture repository, against expected levels and goldens.

Goldens are the JSON reports with the fixture's absolute path replaced by ``<REPO>``;
regenerate with ``pytest --update-golden`` and review the diff.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from scanner.cli import main
from tests.fixture_repos import SCENARIOS, build_scenario

GOLDEN = Path(__file__).parent / "golden"
SCHEMA = Path(__file__).parent.parent / "scanner" / "report" / "schema" / "report.schema.json"
AS_OF = "2026-11-01T00:00:00Z"


@pytest.fixture(scope="session")
def scenarios(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Path]:
    """Build each scenario once, into a directory named after it (its repo id)."""
    root = tmp_path_factory.mktemp("scenarios")
    built: dict[str, Path] = {}

    def get(name: str) -> Path:
        if name not in built:
            built[name] = build_scenario(name, root / name)
        return built[name]

    return get


def run_json(path: Path, tmp_path: Path, *extra: str) -> tuple[int, str]:
    """Run ``aims scan`` in-process and return the exit code and the normalised JSON."""
    out = tmp_path / "report.json"
    code = main(["scan", str(path), "--as-of", AS_OF, "--format", "json", "-o", str(out),
                 "-q", *extra])
    return code, out.read_text(encoding="utf-8").replace(str(path.resolve()), "<REPO>")


def repository(text: str) -> dict[str, Any]:
    document = json.loads(text)
    (repo,) = document["repositories"]
    return repo  # type: ignore[no-any-return]


def statuses(repo: dict[str, Any]) -> dict[str, str]:
    found = {i["id"]: i["status"] for d in repo["model_d"]["domains"] for i in d["indicators"]}
    found.update({a["id"]: a["status"] for a in repo["model_s"]["answers"]})
    return found


ATTESTATIONS = Path(__file__).parent.parent / "fixtures" / "attestations"

# scenario -> (exit code, Model D floor, Model D ceiling, stage floor, stage ceiling, AI in use)
# A local scan includes the deep code scan: S1-Q4 (AI-related incidents) is answered from
# it, while S1-Q5 needs the platform's required checks and stays unknown locally.
EXPECTED = {
    "bare-minimum": (0, "1-1-1-1", "1-1-1-1", 1, 1, False),
    "ai-no-governance": (0, "1-1-1-2", "1-1-1-2", 1, 1, True),
    "mid-maturity": (0, "2-2-1-3", "5-2-1-3", 3, 3, True),
    "high-maturity": (0, "2-3-3-4", "5-5-5-4", 3, 5, True),
    "hostile": (3, "1-1-1-1", "5-5-2-1", 1, 5, None),
    "deep-findings": (0, "1-1-1-2", "1-1-1-2", 1, 1, True),
    "html-payloads": (0, "2-1-1-1", "5-1-1-1", 1, 1, False),
}


@pytest.mark.parametrize("name", SCENARIOS)
def test_scenario_matches_its_golden_and_the_schema(name: str, scenarios: Callable[[str], Path],
                                                    tmp_path: Path,
                                                    request: pytest.FixtureRequest) -> None:
    code, text = run_json(scenarios(name), tmp_path)
    jsonschema.Draft202012Validator(json.loads(SCHEMA.read_text())).validate(json.loads(text))
    golden = GOLDEN / f"{name}.json"
    if request.config.getoption("--update-golden"):
        golden.write_text(text, encoding="utf-8")
    assert golden.exists(), f"no golden for {name}: run pytest --update-golden"
    assert text == golden.read_text(encoding="utf-8")
    repo = repository(text)
    expected = EXPECTED[name]
    assert (code, repo["model_d"]["code"], repo["model_d"]["code_ceiling"],
            repo["model_s"]["stage"], repo["model_s"]["stage_ceiling"],
            repo["ai_in_use"]) == expected


def test_reruns_are_byte_identical(scenarios: Callable[[str], Path], tmp_path: Path) -> None:
    first = run_json(scenarios("high-maturity"), tmp_path / "a")
    second = run_json(scenarios("high-maturity"), tmp_path / "b")
    assert first == second


def test_attestations_lift_what_only_people_can_answer(scenarios: Callable[[str], Path],
                                                       tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch,
                                                       request: pytest.FixtureRequest) -> None:
    # The attestation file's path, as typed, is part of its provenance: type it relative
    # to the project, as a user would, so the golden does not depend on the checkout.
    monkeypatch.chdir(ATTESTATIONS.parent.parent)
    code, text = run_json(scenarios("high-maturity"), tmp_path, "--attestations",
                          "fixtures/attestations/high-maturity.yaml")
    golden = GOLDEN / "high-maturity-attested.json"
    if request.config.getoption("--update-golden"):
        golden.write_text(text, encoding="utf-8")
    assert text == golden.read_text(encoding="utf-8")
    repo = repository(text)
    assert (code, repo["model_s"]["stage"], repo["model_s"]["stage_ceiling"]) == (0, 4, 5)
    found = statuses(repo)
    # S1-Q4 is observed by the code scan, so its attestation is not used.
    assert (found["S1-Q4"], found["S1-Q5"], found["S4-Q4"]) == ("met", "attested", "attested")
    assert found["S5-Q2"] == "unknown"  # stale: dated more than 90 days before --as-of
    assert found["GDA-5a"] == "met"  # observed, so the attestation is not used
    answers = {a["id"]: a for a in repo["model_s"]["answers"]}
    assert (answers["S1-Q4"]["answer"], answers["S1-Q4"]["favourable"]) == ("no", True)
    assert answers["S5-Q2"]["reason"] == "stale-attestation"
