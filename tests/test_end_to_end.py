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


# scenario -> (exit code, Model D floor, Model D ceiling, stage floor, stage ceiling, AI in use)
EXPECTED = {
    "bare-minimum": (0, "1-1-1-1", "1-1-1-1", 1, 1, False),
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
