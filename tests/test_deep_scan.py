"""The deep code scan end to end: planted secrets and risky code, who wrote them, the blob
cache, and that no planted value ever leaves the scan."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from collectors.deep import semgrep as semgrep_module
from scanner.cli import EXIT_OK, EXIT_PARTIAL, EXIT_USAGE, main
from tests.fixture_repos import build_scenario

AS_OF = ["--as-of", "2026-11-01"]
# The planted values, built from parts as in the scenario script.
PLANTED = ("AKIA" + "Z7QWERTYUFIXTURE", "ghp_" + "FAKEdeepFINDINGStoken0123456789abcde",
           "fixture-only-not-real-" + "9Xq")


@pytest.fixture(scope="module")
def deep_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_scenario("deep-findings", tmp_path_factory.mktemp("deep") / "repo")


def commits_by_subject(repo: Path) -> dict[str, str]:
    out = subprocess.run(["git", "-C", str(repo), "log", "--format=%H %s"], check=True,
                         capture_output=True, text=True).stdout
    return {line[41:]: line[:40] for line in out.splitlines()}


def scan(repo: Path, cache: Path, out: Path, *extra: str) -> tuple[int, dict[str, Any]]:
    code = main(["scan", str(repo), *AS_OF, "--format", "json", "-o", str(out),
                 "--cache-dir", str(cache), "-q", *extra])
    return code, json.loads(out.read_text(encoding="utf-8"))


def payload(report: dict[str, Any], kind: str) -> dict[str, Any]:
    (item,) = [e for e in report["evidence"] if e["kind"] == kind and "payload" in e]
    return item["payload"]  # type: ignore[no-any-return]


def results(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    (repo,) = report["repositories"]
    found = {i["id"]: i for d in repo["model_d"]["domains"] for i in d["indicators"]}
    found.update({a["id"]: a for a in repo["model_s"]["answers"]})
    return found


@pytest.fixture(scope="module")
def first_run(deep_repo: Path, tmp_path_factory: pytest.TempPathFactory
              ) -> tuple[Path, dict[str, Any], str]:
    """One deep scan with a fresh cache: the cache directory, the report and its text."""
    root = tmp_path_factory.mktemp("first")
    code, report = scan(deep_repo, root / "cache", root / "report.json", "--deep")
    assert code == EXIT_OK
    return root / "cache", report, (root / "report.json").read_text(encoding="utf-8")


def test_secrets_are_found_hashed_and_tied_to_their_commits(
        deep_repo: Path, first_run: tuple[Path, dict[str, Any], str]) -> None:
    commits = commits_by_subject(deep_repo)
    found = payload(first_run[1], "code.secrets")
    assert [(f["type"], f["path"], f["line"], f["commit"], f["ai_attributed"])
            for f in found["findings"]] == [
        ("GitHub Token", "config/deploy.sh", 2, commits["Add deploy script and signup"], False),
        ("AWS Access Key", "src/billing.py", 3, commits["Add charging"], True),
    ]
    assert all(f["fingerprint"].startswith("scrypt:") for f in found["findings"])
    assert found["findings"][1]["ai_signals"]
    assert found["audited_out"] == 1 and found["baseline"] == ".secrets.baseline"
    assert {s["reason"]: s["count"] for s in found["skipped"]} == {
        "binary": 1, "secrets baseline": 1, "vendored or generated": 1}


def test_risky_code_is_found_and_tied_to_its_commits(
        deep_repo: Path, first_run: tuple[Path, dict[str, Any], str]) -> None:
    commits = commits_by_subject(deep_repo)
    found = payload(first_run[1], "code.flows")
    assert [(f["rule"], f["path"], f["severity"], f["commit"], f["ai_attributed"])
            for f in found["findings"]] == [
        ("gha-expression-injection", ".github/workflows/triage.yml", "high",
         commits["Add triage and an HTTP client"], False),
        ("model-output-to-exec-python", "agent/fix.py", "high",
         commits["Let the agent fix things"], True),
        ("tls-verification-disabled-go", "net/client.go", "medium",
         commits["Add triage and an HTTP client"], False),
        ("pii-to-network-python", "src/billing.py", "high", commits["Add charging"], True),
        ("hardcoded-credential-python", "tests/fixtures/settings_test.py", "high",
         commits["Test settings, vendored code and the audited baseline"], False),
        ("pii-to-log-js", "web/signup.js", "medium", commits["Add deploy script and signup"],
         False),
    ]


def test_the_findings_decide_the_indicators(
        first_run: tuple[Path, dict[str, Any], str]) -> None:
    answers = results(first_run[1])
    assert answers["GDA-3b"]["status"] == "unmet"
    assert "2 unaudited secret(s) in the tree (1 introduced by AI-attributed commits)" in \
        answers["GDA-3b"]["summary"]
    assert answers["GDA-4a"]["status"] == "unmet"
    assert "3 risky flow(s) found (2 introduced by AI-attributed commits)" in \
        answers["GDA-4a"]["summary"]
    assert answers["S1-Q4"]["status"] == "unmet"
    assert answers["S1-Q4"]["summary"].startswith(
        "3 secret(s) or high-severity finding(s) introduced by AI-attributed commits")


def test_an_unchanged_rerun_answers_from_the_cache_with_the_same_report(
        deep_repo: Path, first_run: tuple[Path, dict[str, Any], str], tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    cache, _report, text = first_run
    out = tmp_path / "again.json"
    capsys.readouterr()
    assert main(["scan", str(deep_repo), *AS_OF, "--format", "json", "-o", str(out),
                 "--cache-dir", str(cache), "--deep", "-v"]) == EXIT_OK
    assert out.read_text(encoding="utf-8") == text
    err = capsys.readouterr().err
    assert "secrets: 0 file(s) scanned" in err
    assert "data flows: 0 file(s) scanned" in err


def test_a_changed_file_is_the_only_one_scanned_again(
        deep_repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    repo = tmp_path / "copy"
    subprocess.run(["git", "clone", "-q", str(deep_repo), str(repo)], check=True)
    cache = tmp_path / "cache"
    scan(repo, cache, tmp_path / "one.json", "--deep")
    (repo / "web" / "signup.js").write_text("module.exports = {};\n", encoding="utf-8")
    subprocess.run(["git", "-C", str(repo), "-c", "user.name=T", "-c", "user.email=t@e",
                    "commit", "-qam", "Drop signup"], check=True)
    capsys.readouterr()
    main(["scan", str(repo), *AS_OF, "--format", "json", "-o", str(tmp_path / "two.json"),
          "--cache-dir", str(cache), "--deep", "-v"])
    err = capsys.readouterr().err
    assert "secrets: 1 file(s) scanned" in err and "data flows: 1 file(s) scanned" in err
    report = json.loads((tmp_path / "two.json").read_text(encoding="utf-8"))
    assert "web/signup.js" not in {f["path"] for f in payload(report, "code.flows")["findings"]}


def test_no_planted_value_appears_in_any_output_or_the_cache(
        deep_repo: Path, first_run: tuple[Path, dict[str, Any], str], tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    cache = first_run[0]
    outputs = [first_run[2]]
    for fmt in ("json", "table"):
        capsys.readouterr()
        main(["scan", str(deep_repo), *AS_OF, "--format", fmt, "--cache-dir", str(cache),
              "--deep", "-vv"])
        captured = capsys.readouterr()
        outputs += [captured.out, captured.err]
    stored = b"".join(p.read_bytes() for p in cache.rglob("*") if p.is_file())
    for value in PLANTED:
        assert all(value not in text for text in outputs), value
        assert value.encode() not in stored, value


def test_a_file_over_the_time_limit_is_reported_and_the_rest_still_scanned(
        deep_repo: Path, tmp_path: Path) -> None:
    repo = tmp_path / "slow"
    subprocess.run(["git", "clone", "-q", str(deep_repo), str(repo)], check=True)
    # About 900 KB of assignments: detect-secrets needs several seconds for it.
    lines = "".join(f"value_{n} = 'a{n:08d}b{n * 7919:012d}c'\n" for n in range(22_000))
    (repo / "data").mkdir()
    (repo / "data" / "big.py.txt").write_text(lines, encoding="utf-8")
    subprocess.run(["git", "-C", str(repo), "add", "-A"], check=True)
    subprocess.run(["git", "-C", str(repo), "-c", "user.name=T", "-c", "user.email=t@e",
                    "commit", "-qm", "Big data file"], check=True)
    code, report = scan(repo, tmp_path / "cache", tmp_path / "r.json", "--deep",
                        "--deep-timeout", "1")
    assert code == EXIT_PARTIAL
    gaps = [e for e in report["evidence"] if e["kind"] == "code.secrets" and "gap" in e]
    assert [(g["provenance"]["locator"], g["gap"]["reason"]) for g in gaps] == [
        ("tree:data/big.py.txt", "unreadable")]
    assert "timed out" in gaps[0]["gap"]["detail"]
    assert len(payload(report, "code.secrets")["findings"]) == 2


def test_a_shallow_clone_cannot_say_who_wrote_a_line(deep_repo: Path, tmp_path: Path) -> None:
    shallow = tmp_path / "shallow"
    subprocess.run(["git", "clone", "-q", "--depth", "1", f"file://{deep_repo}", str(shallow)],
                   check=True)
    _code, report = scan(shallow, tmp_path / "cache", tmp_path / "r.json", "--deep")
    findings = payload(report, "code.secrets")["findings"]
    assert [(f["commit"], f["ai_attributed"]) for f in findings] == [(None, None)] * 2
    answer = results(report)["S1-Q4"]
    assert (answer["status"], answer["reason"]) == ("unknown", "not-observable")


def test_no_deep_leaves_the_code_scan_unknown(deep_repo: Path, tmp_path: Path) -> None:
    _code, report = scan(deep_repo, tmp_path / "cache", tmp_path / "r.json", "--no-deep")
    gaps = {e["kind"]: e["gap"]["reason"] for e in report["evidence"]
            if e["kind"].startswith("code.")}
    assert gaps == {"code.secrets": "not-collected", "code.flows": "not-collected"}
    assert results(report)["GDA-3b"]["status"] == "unknown"


@pytest.fixture
def no_semgrep(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    def missing() -> semgrep_module.Semgrep:
        raise semgrep_module.SemgrepError("semgrep is not installed")
    monkeypatch.setattr(semgrep_module, "find_semgrep", missing)
    yield


def test_semgrep_missing_is_an_error_when_deep_was_asked_for(
        deep_repo: Path, tmp_path: Path, no_semgrep: None,
        capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["scan", str(deep_repo), *AS_OF, "--deep", "--cache-dir", str(tmp_path)])
    assert code == EXIT_USAGE
    assert "--deep: semgrep is not installed" in capsys.readouterr().err


def test_semgrep_missing_by_default_still_scans_secrets(
        deep_repo: Path, tmp_path: Path, no_semgrep: None,
        capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "r.json"
    code = main(["scan", str(deep_repo), *AS_OF, "--format", "json", "-o", str(out),
                 "--cache-dir", str(tmp_path / "cache")])
    assert code == EXIT_OK
    assert "warning: semgrep is not installed; data flows are not scanned" in \
        capsys.readouterr().err
    report = json.loads(out.read_text(encoding="utf-8"))
    assert len(payload(report, "code.secrets")["findings"]) == 2
    (gap,) = [e["gap"] for e in report["evidence"] if e["kind"] == "code.flows"]
    assert gap["reason"] == "not-collected" and "not installed" in gap["detail"]
    assert results(report)["GDA-4a"]["status"] == "unknown"


def test_files_the_baseline_excludes_are_not_scanned_for_secrets(
        deep_repo: Path, tmp_path: Path) -> None:
    repo = tmp_path / "copy"
    subprocess.run(["git", "clone", "-q", str(deep_repo), str(repo)], check=True)
    baseline = json.loads((repo / ".secrets.baseline").read_text(encoding="utf-8"))
    baseline["filters_used"] = [{"path": "detect_secrets.filters.regex.should_exclude_file",
                                 "pattern": ["^config/"]}]
    (repo / ".secrets.baseline").write_text(json.dumps(baseline), encoding="utf-8")
    # A binary file in scope of the semgrep rules, excluded from the secrets scan.
    (repo / "config" / "native.py").write_bytes(b"\x7fELF\x00\x00binary")
    subprocess.run(["git", "-C", str(repo), "add", "-A"], check=True)
    subprocess.run(["git", "-C", str(repo), "-c", "user.name=T", "-c", "user.email=t@e",
                    "commit", "-qm", "Exclude config/ from the secrets scan"], check=True)
    code, report = scan(repo, tmp_path / "cache", tmp_path / "r.json", "--deep")
    assert code == EXIT_OK
    found = payload(report, "code.secrets")
    assert [f["path"] for f in found["findings"]] == ["src/billing.py"]
    assert {s["reason"]: s["count"] for s in found["skipped"]}[
        "excluded by .secrets.baseline"] == 2
    flows = payload(report, "code.flows")
    assert {s["reason"]: s["count"] for s in flows["skipped"]}["binary"] == 1


def test_a_corrupt_cache_is_a_warning_and_the_scan_goes_on(
        deep_repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cache = tmp_path / "cache"
    (cache / "deep").mkdir(parents=True)
    (cache / "deep" / "blobs.sqlite").write_bytes(b"not a database at all" * 64)
    out = tmp_path / "r.json"
    code = main(["scan", str(deep_repo), *AS_OF, "--format", "json", "-o", str(out),
                 "--cache-dir", str(cache), "--deep"])
    assert code == EXIT_OK
    assert "cannot be used" in capsys.readouterr().err
    report = json.loads(out.read_text(encoding="utf-8"))
    assert len(payload(report, "code.secrets")["findings"]) == 2
