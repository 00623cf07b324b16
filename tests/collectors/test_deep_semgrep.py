"""The semgrep runner: finding semgrep, one real run over tiny rules, and its JSON parser."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, NamedTuple

import pytest

from collectors.deep.semgrep import (
    LANGUAGE_SUFFIXES,
    MISSING,
    RULES_DIR,
    FlowHit,
    Semgrep,
    SemgrepError,
    SemgrepRun,
    find_semgrep,
    in_scope,
    parse_output,
    rules_digest,
    run_semgrep,
)
from scanner.yamlsafe import load_yaml

RULES = """
rules:
  - id: eval-call
    languages: [python]
    severity: ERROR
    message: eval of $X
    pattern: eval($X)
    metadata: {category: risky-pattern}
  - id: print-call
    languages: [python]
    severity: WARNING
    message: |
      printed
      somewhere
    pattern: print(...)
    metadata: {category: dataflow}
  - id: bad-key
    languages: [yaml]
    severity: INFO
    message: bad key
    pattern: "bad: $V"
    metadata: {category: risky-pattern}
  - id: slow-rule
    languages: [python]
    severity: WARNING
    message: three calls in a row
    paths: {include: [/slow/]}
    patterns:
      - pattern: |
          $A(...)
          ...
          $B(...)
          ...
          $C(...)
      - pattern-not: |
          zzz(...)
          ...
          $B(...)
    metadata: {category: risky-pattern}
"""

# Three thousand calls make slow-rule's match space cubic: it cannot finish in a second.
SLOW = "".join(f"f{i}({i})\n" for i in range(3000))

TREE = {
    ".semgrepignore": "vendor/\n",
    "src/app.py": "x = input()\neval(x)\nprint(x)\n",
    "src/clean.py": "y = 2\n",
    "tests/test_app.py": "eval(1)\n",
    "vendor/lib.py": "eval(2)\n",
    "config/good.yml": "bad: 1\n",
    "config/broken.yml": "a: [\n",
    "slow/big.py": SLOW,
    "other.py": "eval(3)\n",
}
HANDED_OVER = ("src/app.py", "src/clean.py", "tests/test_app.py", "vendor/lib.py",
               "config/good.yml", "config/broken.yml", "slow/big.py")


def write_tree(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    return root


def listing(root: Path) -> set[str]:
    return {path.relative_to(root).as_posix() for path in root.rglob("*")}


class Scan(NamedTuple):
    semgrep: Semgrep
    run: SemgrepRun
    written_under_home: set[str]
    root_before: set[str]
    root_after: set[str]


@pytest.fixture(scope="module")
def scan(tmp_path_factory: pytest.TempPathFactory) -> Scan:
    """One real semgrep run (with an empty HOME) shared by the assertions below."""
    base = tmp_path_factory.mktemp("semgrep")
    home = base / "home"
    home.mkdir()
    rules = write_tree(base / "rules", {"test.yml": RULES})
    root = write_tree(base / "root", TREE)
    before = listing(root)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("HOME", str(home))
        for name in ("XDG_CACHE_HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME"):
            patch.delenv(name, raising=False)
        try:
            semgrep = find_semgrep()
        except SemgrepError as exc:
            pytest.skip(str(exc))
        run = run_semgrep(semgrep, root, HANDED_OVER, timeout=1, jobs=2, rules=rules)
    return Scan(semgrep, run, listing(home), before, listing(root))


@pytest.mark.slow
@pytest.mark.parametrize(("path", "expected"), [
    ("src/app.py", (FlowHit("eval-call", "risky-pattern", "high", 2, 2, "eval of x"),
                    FlowHit("print-call", "dataflow", "medium", 3, 3, "printed somewhere"))),
    ("src/clean.py", ()),
    # A .semgrepignore is present, so semgrep's default ignores (tests/) do not apply.
    ("tests/test_app.py", (FlowHit("eval-call", "risky-pattern", "high", 1, 1, "eval of 1"),)),
    ("config/good.yml", (FlowHit("bad-key", "risky-pattern", "low", 1, 1, "bad key"),)),
])
def test_hits(scan: Scan, path: str, expected: tuple[FlowHit, ...]) -> None:
    assert scan.run.hits[path] == expected


@pytest.mark.slow
def test_outcomes(scan: Scan) -> None:
    # other.py is in the root but was not handed over; vendor/ is in .semgrepignore.
    assert set(scan.run.hits) == {"src/app.py", "src/clean.py", "tests/test_app.py",
                                  "config/good.yml"}
    assert scan.run.excluded == ("vendor/lib.py",)
    assert scan.run.failures == {"config/broken.yml": "Other syntax error",
                                 "slow/big.py": "Timeout in rule slow-rule"}


@pytest.mark.slow
def test_nothing_written_under_home_or_root(scan: Scan) -> None:
    assert scan.written_under_home == set()
    assert scan.root_after == scan.root_before


@pytest.mark.slow
def test_broken_rules_fail_the_run(scan: Scan, tmp_path: Path) -> None:
    rules = write_tree(tmp_path / "rules", {"bad.yml": RULES.replace("eval($X)", "eval(")})
    root = write_tree(tmp_path / "root", {".semgrepignore": "", "a.py": "eval(1)\n"})
    with pytest.raises(SemgrepError, match=r"^semgrep failed \(exit 2\): Rule parse error"):
        run_semgrep(scan.semgrep, root, ["a.py"], timeout=5, jobs=1, rules=rules)


def fake_semgrep(path: Path, script: str) -> Path:
    """A stand-in executable: a shell script with the given body."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"#!/bin/sh\n{script}\n", encoding="utf-8")
    path.chmod(0o755)
    return path


@pytest.mark.parametrize(("beside", "on_path", "expected"), [
    (None, None, MISSING),
    ("echo 1.0.beside", "echo 1.0.path", "bin/semgrep 1.0.beside"),
    (None, "echo 1.0.path", "path/semgrep 1.0.path"),
    ("echo broken install >&2; exit 1", "echo 1.0.path",
     "semgrep --version failed (exit 1): broken install"),
])
def test_find_semgrep(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, beside: str | None,
                      on_path: str | None, expected: str) -> None:
    monkeypatch.setattr(sys, "executable", str(tmp_path / "bin" / "python"))
    monkeypatch.setenv("PATH", str(tmp_path / "path"))
    if beside:
        fake_semgrep(tmp_path / "bin" / "semgrep", beside)
    if on_path:
        fake_semgrep(tmp_path / "path" / "semgrep", on_path)
    try:
        found = find_semgrep()
    except SemgrepError as exc:
        outcome = str(exc)
    else:
        outcome = f"{Path(found.executable).relative_to(tmp_path)} {found.version}"
    assert outcome == expected


@pytest.mark.parametrize(("script", "message"), [
    ("echo starting >&2; echo 'out of memory' >&2; exit 2",
     "semgrep failed (exit 2): out of memory"),
    ("exit 0", "semgrep failed (exit 0): no readable JSON output"),
    ("echo '[]' > \"$6\"", "semgrep failed (exit 0): no readable JSON output"),
])
def test_run_semgrep_failures(tmp_path: Path, script: str, message: str) -> None:
    semgrep = Semgrep(str(fake_semgrep(tmp_path / "semgrep", script)), "1.0")
    with pytest.raises(SemgrepError) as raised:
        run_semgrep(semgrep, tmp_path, ["a.py"], timeout=5, jobs=1, rules=tmp_path)
    assert str(raised.value) == message


def test_run_semgrep_without_paths_runs_nothing(tmp_path: Path) -> None:
    semgrep = Semgrep(str(tmp_path / "no-such-semgrep"), "1.0")
    assert run_semgrep(semgrep, tmp_path, [], timeout=5, jobs=1) == SemgrepRun({}, (), {})


def result(path: str, severity: str = "ERROR", category: str | None = "dataflow",
           line: int = 3, message: str = "m") -> dict[str, Any]:
    """A result in the shape semgrep 1.182 writes (lines/fingerprint say 'requires login')."""
    metadata = {"category": category, "cwe": "CWE-200"} if category else {}
    return {"check_id": "pii-to-log-python", "path": path,
            "start": {"line": line, "col": 1, "offset": 0},
            "end": {"line": line + 1, "col": 9, "offset": 40},
            "extra": {"message": message, "metadata": metadata, "severity": severity,
                      "fingerprint": "requires login", "lines": "requires login",
                      "validation_state": "NO_VALIDATOR", "engine_kind": "OSS"}}


TIMEOUT = {"code": 2, "level": "warn", "type": "Timeout", "rule_id": "slow-rule",
           "message": "Timeout when running slow-rule on big.py:\n ", "path": "big.py"}
SYNTAX = {"code": 3, "level": "warn", "type": "Syntax error",
          "message": "Syntax error at line big.py:2:\n `token = leaked` was unexpected",
          "path": "big.py", "spans": [{"file": "big.py", "start": {"line": 2, "col": 1}}]}


def output(results: list[dict[str, Any]], errors: list[dict[str, Any]],
           scanned: list[str]) -> dict[str, Any]:
    return {"version": "1.182.0", "results": results, "errors": errors,
            "paths": {"scanned": scanned}}


@pytest.mark.parametrize(("data", "expected"), [
    # A failed file's partial findings go with it: its scan is incomplete.
    (output([result("big.py")], [TIMEOUT], ["big.py", "ok.py"]),
     SemgrepRun({"ok.py": ()}, ("skipped.py",), {"big.py": "Timeout in rule slow-rule"})),
    # Only the error types are kept: semgrep's messages can quote the code.
    (output([], [SYNTAX, TIMEOUT], ["big.py"]),
     SemgrepRun({}, ("ok.py", "skipped.py"),
                {"big.py": "Syntax error; Timeout in rule slow-rule"})),
    (output([result("ok.py", "WARNING", line=9), result("ok.py", "INFO", "risky-pattern"),
             result("not-handed-over.py")],
            [{**TIMEOUT, "path": "not-handed-over.py"}], ["ok.py", "not-handed-over.py"]),
     SemgrepRun({"ok.py": (FlowHit("pii-to-log-python", "risky-pattern", "low", 3, 4, "m"),
                           FlowHit("pii-to-log-python", "dataflow", "medium", 9, 10, "m"))},
                ("big.py", "skipped.py"), {})),
    (output([result("ok.py", message="email\n  reaches   a log")], [], ["ok.py"]),
     SemgrepRun({"ok.py": (FlowHit("pii-to-log-python", "dataflow", "high", 3, 4,
                                   "email reaches a log"),)},
                ("big.py", "skipped.py"), {})),
])
def test_parse_output(data: dict[str, Any], expected: SemgrepRun) -> None:
    assert parse_output(data, ["big.py", "ok.py", "skipped.py"]) == expected


@pytest.mark.parametrize(("data", "message"), [
    (output([result("ok.py", severity="CRITICAL")], [], ["ok.py"]),
     "rule pii-to-log-python: severity 'CRITICAL' is not one of ERROR, WARNING, INFO"),
    (output([result("ok.py", category=None)], [], ["ok.py"]),
     "rule pii-to-log-python: metadata category None is not one of dataflow, risky-pattern"),
    (output([], [{"code": 2, "level": "error", "type": "SemgrepError",
                  "message": "invalid configuration\nmore"}], []),
     "semgrep reported: invalid configuration"),
    ({"results": [], "errors": []}, "semgrep output not understood (KeyError: 'paths')"),
])
def test_parse_output_rejects(data: dict[str, Any], message: str) -> None:
    with pytest.raises(SemgrepError) as raised:
        parse_output(data, ["ok.py"])
    assert str(raised.value) == message


BASE_RULES = {"a.yml": "rules: []\n", "b.yaml": "rules: []\n"}


@pytest.mark.parametrize(("files", "same"), [
    ({**BASE_RULES, "README.md": "not a rule"}, True),
    ({"a.yml": "rules: [] \n", "b.yaml": "rules: []\n"}, False),
    ({"c.yml": "rules: []\n", "b.yaml": "rules: []\n"}, False),
    ({**BASE_RULES, "sub/c.yml": "rules: []\n"}, False),
])
def test_rules_digest(tmp_path: Path, files: dict[str, str], same: bool) -> None:
    base = rules_digest(write_tree(tmp_path / "base", BASE_RULES))
    assert (rules_digest(write_tree(tmp_path / "other", files)) == base) is same
    assert len(base) == 64


@pytest.mark.parametrize(("path", "expected"), [
    ("src/app.py", True),
    ("stubs/app.pyi", True),
    ("web/index.mjs", True),
    ("web/App.tsx", True),
    ("src/main/java/App.java", True),
    ("cmd/main.go", True),
    (".github/workflows/ci.yml", True),
    (".github/actions/setup/action.yaml", True),
    ("action.yml", True),                        # a composite action at the root
    ("actions/deploy/action.yaml", True),
    ("config/app.yml", False),
    ("docs/.github/x.yml", False),
    ("README.md", False),
    ("src/app.pyc", False),
    ("Makefile", False),
])
def test_in_scope(path: str, expected: bool) -> None:
    assert in_scope(path) is expected


def bundled_languages() -> list[tuple[str, str]]:
    return sorted({(path.name, language)
                   for path in RULES_DIR.glob("*.yml")
                   for rule in load_yaml(path.read_text(encoding="utf-8"))["rules"]
                   for language in rule["languages"]})


@pytest.mark.parametrize(("rule_file", "language"), bundled_languages())
def test_bundled_rule_languages_are_in_scope(rule_file: str, language: str) -> None:
    assert language in LANGUAGE_SUFFIXES, f"{rule_file}: extend LANGUAGE_SUFFIXES"
