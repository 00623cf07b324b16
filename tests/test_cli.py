"""The command line: exit codes, clear errors, the shadowing self-check, help texts."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from scanner.cli import EXIT_INTERNAL, EXIT_OK, EXIT_PARTIAL, EXIT_USAGE, main
from tests.conftest import RepoBuilder

PROJECT = Path(__file__).resolve().parent.parent
AS_OF = ["--as-of", "2026-11-01"]


def small_repo(repo: RepoBuilder) -> RepoBuilder:
    repo.write("README.md", "# demo\n").commit("init")
    return repo


def test_scan_json_to_stdout(repo: RepoBuilder, capsys: pytest.CaptureFixture[str]) -> None:
    small_repo(repo)
    assert main(["scan", str(repo.path), *AS_OF, "--format", "json"]) == EXIT_OK
    report = json.loads(capsys.readouterr().out)
    assert report["repositories"][0]["model_d"]["code"] == "1-1-1-1"
    assert report["as_of"] == "2026-11-01T00:00:00Z"


def test_table_fits_80_columns(repo: RepoBuilder, capsys: pytest.CaptureFixture[str]) -> None:
    small_repo(repo)
    assert main(["scan", str(repo.path), *AS_OF, "--format", "table"]) == EXIT_OK
    out = capsys.readouterr().out
    assert "Model D, governance domains: 1-1-1-1" in out and "Model S, security stage: 1" in out
    assert "Next steps:" in out
    assert max(len(line) for line in out.splitlines()) <= 80


def test_output_file_and_summary_line(repo: RepoBuilder, tmp_path: Path,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    small_repo(repo)
    target = tmp_path / "out" / "report.json"
    assert main(["scan", str(repo.path), *AS_OF, "-o", str(target)]) == EXIT_OK
    assert json.loads(target.read_text())["schema_version"] == "1.4"
    assert f"report written to {target}" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["scan", "/nonexistent/path"], "no such file or directory"),
        (["scan", "{tmp}"], "not a git repository"),
        (["scan", "{repo}", "--since", "yesterday"], "not an ISO date"),
        (["scan", "{repo}", "--as-of", "2026-02-30"], "not an ISO date"),
        (["scan", "{repo}", "--since", "2027-01-01", "--as-of", "2026-11-01"], "not before"),
        (["scan", "{repo}", "--format", "xml"], "unknown format 'xml'"),
        (["scan", "{repo}", "--attestations", "{tmp}/missing.yaml"], "--attestations"),
        (["scan", "{repo}", "--attestations", "{invalid}"], "unknown indicator or question id"),
        (["scan", "{repo}", "--config", "{badconfig}"], "unknown keys"),
        (["scan", "{repo}", "--config", "{badtool}"], "--config"),
        (["nosuchcommand"], "No such command"),
    ],
)
def test_usage_and_input_errors_exit_2_without_traceback(
        args: list[str], message: str, repo: RepoBuilder, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    small_repo(repo)
    (tmp_path / "bad.yaml").write_text("version: 1\ncolour: red\n")
    (tmp_path / "badtool.yaml").write_text(
        "version: 1\ntools:\n  - {id: x, name: X, categories: [nonsense], commands: ['x']}\n")
    values = {"tmp": str(tmp_path / "plain"), "repo": str(repo.path),
              "invalid": str(PROJECT / "fixtures/attestations/invalid.yaml"),
              "badconfig": str(tmp_path / "bad.yaml"), "badtool": str(tmp_path / "badtool.yaml")}
    (tmp_path / "plain").mkdir()
    argv = [a.format(**values) for a in args]
    assert main(argv) == EXIT_USAGE
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_attestations_are_read_from_the_repository(repo: RepoBuilder,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    repo.write(".aims/attestations.yaml",
               "version: 1\nattestations:\n  - id: S4-Q4\n    answer: yes\n"
               "    owner: lead@example.com\n    date: 2026-10-15\n"
               "    evidence: https://intranet.example.com/survey\n").commit("attest")
    assert main(["scan", str(repo.path), *AS_OF, "--format", "json"]) == EXIT_OK
    report = json.loads(capsys.readouterr().out)
    answers = {a["id"]: a for a in report["repositories"][0]["model_s"]["answers"]}
    assert answers["S4-Q4"]["status"] == "attested"
    assert answers["S4-Q4"]["attestation"]["owner"] == "lead@example.com"


def test_catalog_command_lists_every_id(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["catalog", "--format", "json"]) == EXIT_OK
    data = json.loads(capsys.readouterr().out)
    assert len(data["indicators"]) == 32 and len(data["questions"]) == 21
    assert main(["catalog"]) == EXIT_OK
    assert "CLG-3c (level 3)" in capsys.readouterr().out


def test_help_documents_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["scan", "--help"]) == EXIT_OK
    out = capsys.readouterr().out
    for line in ("0  scan completed", "2  usage or input error", "3  partial"):
        assert line in out


def test_a_shadowing_rules_package_is_refused(tmp_path: Path) -> None:
    """A foreign top-level ``rules`` package (e.g. django-rules) must not be used silently."""
    fake = tmp_path / "site" / "rules"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text("RULES = {}\n")
    env = {**os.environ, "PYTHONPATH": f"{fake.parent}{os.pathsep}{PROJECT}"}
    done = subprocess.run([sys.executable, "-c", "from scanner.cli import main; "
                           "raise SystemExit(main(['catalog']))"],
                          env=env, capture_output=True, text=True, cwd=tmp_path, check=False)
    assert done.returncode == EXIT_USAGE
    assert "is not aims' own" in done.stderr and "pipx" in done.stderr


def test_installed_console_script_runs(repo: RepoBuilder) -> None:
    small_repo(repo)
    script = Path(sys.executable).with_name("aims")
    if not script.exists():
        pytest.skip("the aims console script is not installed in this environment")
    done = subprocess.run([str(script), "scan", str(repo.path), *AS_OF, "--format", "json",
                           "-q"], capture_output=True, text=True, check=False)
    assert done.returncode == EXIT_OK, done.stderr
    assert json.loads(done.stdout)["tool"]["name"] == "aims"


def test_partial_scan_exits_3(repo: RepoBuilder, capsys: pytest.CaptureFixture[str]) -> None:
    repo.write(".pre-commit-config.yaml", "repos: [\n").commit("broken hooks")
    assert main(["scan", str(repo.path), *AS_OF, "--format", "table"]) == EXIT_PARTIAL
    captured = capsys.readouterr()
    assert "Could not be read:" in captured.out and ".pre-commit-config.yaml" in captured.out
    assert "partial result" in captured.err


def scan_json(path: Path, capsys: pytest.CaptureFixture[str], *extra: str
              ) -> tuple[int, dict[str, object]]:
    code = main(["scan", str(path), *AS_OF, "--format", "json", *extra])
    (repo,) = json.loads(capsys.readouterr().out)["repositories"]
    return code, repo


def test_empty_repository_is_reported_not_crashed(repo: RepoBuilder,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    code, report = scan_json(repo.path, capsys)
    assert code == EXIT_OK and report["head"] is None
    assert report["ai_in_use"] is False
    assert any("no commits" in note for note in report["notes"])  # type: ignore[attr-defined]


def test_shallow_clone_is_partial_and_says_why(repo: RepoBuilder, tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    from datetime import UTC, datetime

    for month in (3, 5, 7):
        repo.write("a", str(month)).commit(
            f"change {month}\n\nAssisted-by: Claude:claude-opus-4-6",
            when=datetime(2026, month, 2, tzinfo=UTC))
    clone = tmp_path / "shallow"
    subprocess.run(["git", "clone", "-q", "--depth", "1", f"file://{repo.path}", str(clone)],
                   check=True, env=repo.env)
    code, report = scan_json(clone, capsys)
    assert code == EXIT_PARTIAL
    assert any("shallow clone and the history window is truncated" in n
               for n in report["notes"])  # type: ignore[attr-defined]
    indicators = {i["id"]: i for d in report["model_d"]["domains"]  # type: ignore[index]
                  for i in d["indicators"]}
    assert indicators["TRA-3b"]["status"] == "unknown"  # 1 month readable, not 'unmet'


def test_config_extends_the_signature_catalog(repo: RepoBuilder, tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    repo.write("a", "1").commit("internal tool\n\nX-Internal-Assistant: codegen-7\n")
    config = tmp_path / "aims.yaml"
    config.write_text("version: 1\nsignatures:\n  signals:\n    - id: acme.assistant\n"
                      "      tool: acme-codegen\n      channel: trailer\n"
                      "      trailer: x-internal-assistant\n      confidence: M\n"
                      "      pattern: '^codegen-'\n")
    assert scan_json(repo.path, capsys)[1]["ai_in_use"] is False
    code, report = scan_json(repo.path, capsys, "--config", str(config))
    assert code == EXIT_OK and report["ai_in_use"] is True
    indicators = {i["id"]: i for d in report["model_d"]["domains"]  # type: ignore[index]
                  for i in d["indicators"]}
    assert indicators["TRA-2a"]["summary"].endswith("acme-codegen (1)")


def test_an_internal_bug_is_one_clear_line(repo: RepoBuilder, monkeypatch: pytest.MonkeyPatch,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    """A bug must not show a traceback (nor a token from an exception text) by default."""
    import scanner.engine

    def broken(*_args: object, **_kwargs: object) -> None:
        raise KeyError("https://x-access-token:ghp_secret@example.com")

    monkeypatch.setattr(scanner.engine, "scan", broken)
    small_repo(repo)
    assert main(["scan", str(repo.path)]) == EXIT_INTERNAL
    err = capsys.readouterr().err
    assert "internal error: KeyError" in err and "Traceback" not in err
    assert "ghp_secret" not in err


def test_scans_this_project_itself(capsys: pytest.CaptureFixture[str]) -> None:
    if not (PROJECT / ".git").exists():
        pytest.skip("not a git checkout")
    assert main(["scan", str(PROJECT), "--format", "json", "-q"]) == EXIT_OK
    (report,) = json.loads(capsys.readouterr().out)["repositories"]
    assert report["model_d"]["code"] and report["head"]


def test_missing_git_is_a_clear_input_error(repo: RepoBuilder, tmp_path: Path) -> None:
    small_repo(repo)
    env = {**os.environ, "PATH": str(tmp_path / "no-git-here"), "PYTHONPATH": str(PROJECT)}
    env.pop("GIT_PYTHON_GIT_EXECUTABLE", None)
    done = subprocess.run([sys.executable, "-m", "scanner", "scan", str(repo.path)], env=env,
                          capture_output=True, text=True, check=False)
    assert done.returncode == EXIT_USAGE
    assert "git is not installed or not on PATH" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_shallow_clone_deep_enough_for_the_window_is_complete(
        repo: RepoBuilder, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from datetime import UTC, datetime

    repo.write("a", "old").commit("before the window", when=datetime(2024, 6, 1, tzinfo=UTC))
    repo.write("a", "0").commit("boundary, also before", when=datetime(2025, 6, 1, tzinfo=UTC))
    for month in (3, 5, 7):
        repo.write("a", str(month)).commit(f"change {month}",
                                           when=datetime(2026, month, 2, tzinfo=UTC))
    clone = tmp_path / "shallow"
    subprocess.run(["git", "clone", "-q", "--depth", "4", f"file://{repo.path}", str(clone)],
                   check=True, env=repo.env)
    code, report = scan_json(clone, capsys)
    assert code == EXIT_OK
    assert any(n.startswith("shallow clone:") for n in report["notes"])  # type: ignore[attr-defined]
