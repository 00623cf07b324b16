"""The bundled semgrep rules: semgrep's own rule tests pass, and the rules keep the contract.

One ``semgrep --test`` run checks every rule file in ``collectors/deep/rules/`` against the
annotated targets in ``tests/semgrep_rules/`` (``ruleid:`` lines must match, ``ok:`` lines
and unannotated lines must not). semgrep pairs ``<family>.yml`` with every
``<family>.<ext>`` target and a YAML rule with ``<family>.test.yml``. CI installs semgrep, so
a missing semgrep fails this module instead of skipping it.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from collections.abc import Iterator, Mapping
from functools import cache
from pathlib import Path
from typing import Any

import pathspec
import pytest

from collectors.deep.semgrep import RULES_DIR, SemgrepError, find_semgrep
from scanner.yamlsafe import load_yaml

REPO_ROOT = Path(__file__).resolve().parents[1]
TARGETS_DIR = REPO_ROOT / "tests" / "semgrep_rules"

PYTHON, JS, JAVA, GO = ("python",), ("javascript", "typescript"), ("java",), ("go",)
FAMILIES = {"python": PYTHON, "js": JS, "java": JAVA, "go": GO}

#: The contract table: rule id -> (category, severity, languages).
CONTRACT: dict[str, tuple[str, str, tuple[str, ...]]] = {
    **{f"pii-to-network-{f}": ("dataflow", "ERROR", langs) for f, langs in FAMILIES.items()},
    **{f"pii-to-log-{f}": ("dataflow", "WARNING", langs) for f, langs in FAMILIES.items()},
    "model-output-to-exec-python": ("dataflow", "ERROR", PYTHON),
    "model-output-to-exec-js": ("dataflow", "ERROR", JS),
    **{f"hardcoded-credential-{f}": ("risky-pattern", "ERROR", langs)
       for f, langs in FAMILIES.items()},
    **{f"tls-verification-disabled-{f}": ("risky-pattern", "WARNING", langs)
       for f, langs in FAMILIES.items()},
    **{f"sql-from-strings-{f}": ("risky-pattern", "ERROR", langs)
       for f, langs in FAMILIES.items()},
    "gha-expression-injection": ("risky-pattern", "ERROR", ("yaml",)),
}

#: semgrep's annotation comments: "# ruleid: a, b" / "// ok: a".
ANNOTATION = re.compile(r"(?:#|//)\s*(ruleid|ok):\s*([\w\-, ]+)")


def _rule_files() -> list[Path]:
    return sorted(RULES_DIR.glob("*.yml"))


@cache
def _rules() -> dict[str, Mapping[str, Any]]:
    """Every bundled rule by id (read once per test session)."""
    rules: dict[str, Mapping[str, Any]] = {}
    for path in _rule_files():
        for rule in load_yaml(path.read_bytes())["rules"]:
            assert rule["id"] not in rules, f"duplicate rule id {rule['id']}"
            rules[rule["id"]] = rule
    return rules


@cache
def _annotations() -> dict[str, set[str]]:
    """Rule id -> the annotation kinds ("ruleid", "ok") found for it in the test targets."""
    found: dict[str, set[str]] = {}
    for path in TARGETS_DIR.iterdir():
        for kind, ids in ANNOTATION.findall(path.read_text(encoding="utf-8")):
            for rule_id in filter(None, (part.strip() for part in ids.split(","))):
                found.setdefault(rule_id, set()).add(kind)
    return found


def _regexes(rule: Mapping[str, Any], metavariable: str) -> Iterator[str]:
    """Every metavariable-regex on ``metavariable`` anywhere in the rule."""
    stack: list[Any] = [rule]
    while stack:
        node = stack.pop()
        if isinstance(node, Mapping):
            check = node.get("metavariable-regex")
            if isinstance(check, Mapping) and check.get("metavariable") == metavariable:
                yield check["regex"]
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)


@pytest.fixture(scope="module")
def semgrep_test(tmp_path_factory: pytest.TempPathFactory) -> Mapping[str, Any]:
    """The JSON report of one ``semgrep --test`` run over all rules and targets."""
    try:
        semgrep = find_semgrep()
    except SemgrepError as exc:
        pytest.fail(f"{exc}; the rule tests need it (CI installs it)", pytrace=False)
    state = tmp_path_factory.mktemp("semgrep-state")
    env = {**os.environ, "SEMGREP_ENABLE_VERSION_CHECK": "0", "SEMGREP_SEND_METRICS": "off",
           "SEMGREP_SETTINGS_FILE": str(state / "settings.yml"),
           "SEMGREP_LOG_FILE": str(state / "semgrep.log")}
    # Run from the repository root, where .semgrepignore excludes the targets from scans:
    # --test must still find them.
    done = subprocess.run(
        [semgrep.executable, "--test", "--json", "--metrics=off", "--disable-version-check",
         "--config", str(RULES_DIR.resolve()), str(TARGETS_DIR)],
        cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=600, check=False)
    try:
        report: Mapping[str, Any] = json.loads(done.stdout)
    except json.JSONDecodeError:
        pytest.fail(f"semgrep --test gave no JSON (exit {done.returncode}): "
                    f"{done.stderr.strip()[-2000:]}", pytrace=False)
    return report


def test_semgrep_finds_a_target_for_every_rule_file(semgrep_test: Mapping[str, Any]) -> None:
    assert semgrep_test["config_with_errors"] == []
    assert semgrep_test["config_missing_tests"] == []
    assert sorted(semgrep_test["results"]) == [str(p.resolve()) for p in _rule_files()]


def test_every_rule_check_passes(semgrep_test: Mapping[str, Any]) -> None:
    checks = {rule_id: check for result in semgrep_test["results"].values()
              for rule_id, check in result["checks"].items()}
    assert sorted(checks) == sorted(CONTRACT)
    failed = {rule_id: {path: (m["expected_lines"], m["reported_lines"])
                        for path, m in check["matches"].items()}
              for rule_id, check in checks.items() if not check["passed"] or check["errors"]}
    assert failed == {}
    # A check with no expected line would pass vacuously.
    for rule_id, check in checks.items():
        assert any(m["expected_lines"] for m in check["matches"].values()), rule_id


@pytest.mark.parametrize("rule_id", sorted(CONTRACT))
def test_rule_keeps_the_contract(rule_id: str) -> None:
    rules = _rules()
    assert rule_id in rules
    rule = rules[rule_id]
    category, severity, languages = CONTRACT[rule_id]
    metadata = rule["metadata"]
    assert (metadata["category"], rule["severity"], tuple(rule["languages"])) == (
        category, severity, languages)
    assert metadata["cwe"].startswith("CWE-")
    assert metadata["description"].strip() and "\n" not in metadata["description"]


def test_no_rule_beyond_the_contract() -> None:
    assert sorted(_rules()) == sorted(CONTRACT)


@pytest.mark.parametrize("rule_id", sorted(CONTRACT))
def test_rule_has_ruleid_and_ok_cases(rule_id: str) -> None:
    assert _annotations().get(rule_id) == {"ruleid", "ok"}


@pytest.mark.parametrize("rule_id", sorted(CONTRACT))
def test_message_interpolates_no_metavariable(rule_id: str) -> None:
    """A message naming $VALUE would copy a hardcoded secret into the report."""
    message = _rules()[rule_id]["message"]
    assert not re.search(r"\$[A-Z_]", message)
    if rule_id.startswith("hardcoded-credential-"):
        assert "$" not in message


@pytest.mark.parametrize("metavariable", ["$NAME", "$OBJ", "$F"])
def test_pii_sources_and_sanitizers_are_the_same_in_every_pii_rule(metavariable: str) -> None:
    pii = [rule for rule_id, rule in _rules().items() if rule_id.startswith("pii-to-")]
    regexes = {regex for rule in pii for regex in _regexes(rule, metavariable)}
    assert len(pii) == 8
    assert len(regexes) == 1


@pytest.mark.parametrize(("path", "ignored"), [
    ("tests/semgrep_rules/pii-to-network.py", True),
    ("tests/semgrep_rules/gha-expression-injection.test.yml", True),
    ("tests/test_semgrep_rules.py", False),
    ("collectors/deep/rules/pii-to-network.yml", False),
])
def test_root_semgrepignore_excludes_the_vulnerable_targets(path: str, ignored: bool) -> None:
    lines = (REPO_ROOT / ".semgrepignore").read_text(encoding="utf-8").splitlines()
    assert pathspec.GitIgnoreSpec.from_lines(lines).match_file(path) is ignored
