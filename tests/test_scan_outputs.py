"""``aims scan`` writing what a nightly job keeps: several formats, history, gates, bundles.

Each test runs the real command in-process on a real git repository; the renderers
themselves are checked by their own tests and goldens, so these tests check the wiring:
that the files agree with the JSON report, that history makes the next run say what
changed, that gates pick the exit code and that a signed bundle verifies.
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from scanner.catalog import Catalog
from scanner.cli import EXIT_GATE, EXIT_OK, EXIT_USAGE, main
from scanner.outputs import FILE_NAMES
from scanner.report import catalog_view, codequality, markdown, sarif
from tests.conftest import RepoBuilder

GITLEAKS_HOOK = """repos:
  - repo: https://github.com/gitleaks/gitleaks
    rev: v8.24.2
    hooks:
      - id: gitleaks
"""
#: Written review and a scanner on every pull request: CLG floor 2; branch protection is not
#: visible to a local scan, so CLG's ceiling is 5 (the gap between floor and ceiling).
CONTRIBUTING = "Every change is reviewed by a second person in a pull request before merge.\n"
WORKFLOW = """on: [pull_request]
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - run: make test
      - run: semgrep ci
"""
FIRST, SECOND = "2026-11-01", "2026-11-02"


@pytest.fixture
def guarded(repo: RepoBuilder) -> RepoBuilder:
    """Model D 2-1-1-1 (ceiling 5-1-1-1); its secrets hook meets GDA-3a."""
    repo.write("README.md", "# demo\n").write(".pre-commit-config.yaml", GITLEAKS_HOOK)
    repo.write("CONTRIBUTING.md", CONTRIBUTING).write(".github/workflows/ci.yml", WORKFLOW)
    repo.commit("init")
    return repo


def scan(repo: RepoBuilder, *args: str, as_of: str = FIRST) -> int:
    return main(["scan", str(repo.path), "--no-deep", "-q", "--as-of", as_of, *args])


def test_out_dir_writes_every_format_from_the_one_json_report(guarded: RepoBuilder,
                                                              tmp_path: Path,
                                                              catalog: Catalog) -> None:
    out = tmp_path / "out"
    everything = ",".join(FILE_NAMES)
    assert scan(guarded, "--format", everything, "--out-dir", str(out)) == EXIT_OK
    assert sorted(p.name for p in out.iterdir()) == sorted(FILE_NAMES.values())
    document = json.loads((out / "aims-report.json").read_text(encoding="utf-8"))
    catalog_doc = catalog_view.as_dict(catalog)
    assert (out / "aims-report.sarif").read_text(encoding="utf-8") == sarif.render(
        document, catalog_doc, include_unknown=False)
    assert (out / "aims-codequality.json").read_text(encoding="utf-8") == codequality.render(
        document, catalog_doc)
    assert (out / "aims-report.md").read_text(encoding="utf-8") == markdown.render(
        document, diff=None, trend=())
    assert "Model D, governance domains: 2-1-1-1" in (out / "aims-report.txt").read_text()
    # reports are shared artefacts: readable by others under the usual umask, not private
    mask = os.umask(0o022)
    os.umask(mask)
    assert stat.S_IMODE((out / "aims-report.html").stat().st_mode) == 0o666 & ~mask


def test_outputs_pair_with_formats_in_order(guarded: RepoBuilder, tmp_path: Path) -> None:
    first, second = tmp_path / "a.sarif", tmp_path / "b.md"
    assert scan(guarded, "--format", "sarif", "--format", "markdown", "-o", str(first),
                "-o", str(second)) == EXIT_OK
    assert json.loads(first.read_text())["version"] == "2.1.0"
    assert second.read_text().startswith("# aims report")


@pytest.mark.parametrize(("args", "message"), [
    (["--format", "json,sarif"], "need a file each"),
    (["--format", "json,sarif", "-o", "a.json"], "2 format(s) but 1 -o"),
    (["--format", "pdf"], "unknown format 'pdf'"),
    (["--fail-under", "stage=9"], "--fail-under"),
    (["--fail-under", "XYZ=2"], "--fail-under"),
    (["--sign-key", "{key}"], "give --bundle PATH too"),
    (["--bundle", "b.zip", "--sign-key", "{notkey}"], "--sign-key"),
])
def test_bad_delivery_options_fail_before_scanning(
        guarded: RepoBuilder, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        args: list[str], message: str) -> None:
    key, notkey = signing_key(tmp_path), tmp_path / "not-a-key.pem"
    notkey.write_text("not a key\n")
    filled = [a.format(key=key, notkey=notkey) for a in args]
    assert scan(guarded, *filled) == EXIT_USAGE
    err = capsys.readouterr().err
    assert message in err
    assert "not a key" not in err  # key file content is never echoed


def signing_key(tmp_path: Path) -> Path:
    """A fresh Ed25519 private key as PEM (made at test time; nothing secret is committed)."""
    key = Ed25519PrivateKey.generate()
    path = tmp_path / "signing.pem"
    path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                       serialization.PrivateFormat.PKCS8,
                                       serialization.NoEncryption()))
    public = tmp_path / "signing.pub"
    public.write_bytes(key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
    return path


def test_signed_bundle_verifies_and_names_a_tampered_file(guarded: RepoBuilder, tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]
                                                          ) -> None:
    key = signing_key(tmp_path)
    bundle = tmp_path / "bundle"
    assert scan(guarded, "--format", "json", "-o", str(tmp_path / "r.json"),
                "--bundle", str(bundle), "--sign-key", str(key)) == EXIT_OK
    assert (bundle / "report.json").read_bytes() == (tmp_path / "r.json").read_bytes()
    run = json.loads((bundle / "run.json").read_text())
    assert run["command"][:3] == ["aims", "scan", str(guarded.path)]
    assert run["command"][-2:] == ["--sign-key", str(key)]
    capsys.readouterr()
    public = str(tmp_path / "signing.pub")
    assert main(["verify", str(bundle), "--key", public]) == EXIT_OK
    report = bundle / "report.json"
    report.write_bytes(report.read_bytes().replace(b'"2-1-1-1"', b'"5-5-5-5"', 1))
    assert main(["verify", str(bundle), "--key", public]) == EXIT_GATE
    assert "report.json" in capsys.readouterr().out


def test_history_makes_the_next_run_say_what_changed(guarded: RepoBuilder, tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    history = tmp_path / "history.sqlite"
    first, second = tmp_path / "first.json", tmp_path / "second.json"
    assert scan(guarded, "--history", str(history), "-o", str(first)) == EXIT_OK
    guarded.git("rm", "-q", ".pre-commit-config.yaml")
    guarded.commit("drop the secrets hook")
    summary = tmp_path / "summary.md"
    assert scan(guarded, "--history", str(history), "--format", "json,markdown",
                "-o", str(second), "-o", str(summary), as_of=SECOND) == EXIT_OK
    text = summary.read_text(encoding="utf-8")
    changed = text[text.index("What changed since the previous run"):]
    assert "GDA-3a" in changed and "regressed" in changed.lower()
    capsys.readouterr()
    assert main(["trend", "--history", str(history)]) == EXIT_OK
    trend = capsys.readouterr().out
    assert "2026-11-01" in trend and "2026-11-02" in trend
    assert main(["diff", str(first), str(second)]) == EXIT_OK
    assert main(["diff", str(first), str(second), "--fail-on-regression"]) == EXIT_GATE
    assert "GDA-3a" in capsys.readouterr().out


def test_an_unusable_history_warns_and_loses_no_report(guarded: RepoBuilder, tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]
                                                       ) -> None:
    history = tmp_path / "history.sqlite"
    history.write_bytes(b"this is not a database" * 100)
    out = tmp_path / "r.json"
    assert scan(guarded, "--history", str(history), "-o", str(out)) == EXIT_OK
    assert "history not recorded" in capsys.readouterr().err
    assert json.loads(out.read_text())["schema_version"]


def test_bare_history_flag_uses_the_file_trend_reads(guarded: RepoBuilder, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("AIMS_HISTORY", str(tmp_path / "named.sqlite"))
    assert scan(guarded, "--history", "-o", str(tmp_path / "r.json")) == EXIT_OK
    assert (tmp_path / "named.sqlite").exists()
    capsys.readouterr()
    assert main(["trend"]) == EXIT_OK
    assert "2026-11-01" in capsys.readouterr().out


@pytest.mark.parametrize(("spec", "basis", "code"), [
    ("stage=1", "floor", EXIT_OK),
    ("stage=2", "floor", EXIT_GATE),
    ("GDA=1,CLG=2", "floor", EXIT_OK),
    ("CLG=3", "floor", EXIT_GATE),
    ("CLG=3", "ceiling", EXIT_OK),
    ("clg=5, stage=1", "ceiling", EXIT_OK),
    ("ABC=2", "ceiling", EXIT_GATE),
])
def test_fail_under_picks_the_exit_code(guarded: RepoBuilder, tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str], spec: str,
                                        basis: str, code: int) -> None:
    out = tmp_path / "r.json"
    assert scan(guarded, "-o", str(out), "--fail-under", spec, "--gate-basis", basis) == code
    err = capsys.readouterr().err
    assert ("gate failed" in err) == (code == EXIT_GATE)
    assert out.exists()  # the report is written whether or not the gate passes


def test_bundle_keeps_the_attestation_file_used(guarded: RepoBuilder, tmp_path: Path) -> None:
    attestations = tmp_path / "answers.yaml"
    attestations.write_text("version: 1\nattestations:\n  - id: S1-Q4\n    answer: no\n"
                            "    owner: security-lead@example.com\n    date: 2026-10-20\n"
                            "    evidence: incident register 2026\n", encoding="utf-8")
    bundle = tmp_path / "bundle"
    assert scan(guarded, "-o", str(tmp_path / "r.json"), "--attestations", str(attestations),
                "--bundle", str(bundle)) == EXIT_OK
    assert (bundle / "attestations" / "answers.yaml").read_bytes() == attestations.read_bytes()
    manifest = json.loads((bundle / "manifest.json").read_text())
    assert "attestations/answers.yaml" in manifest["files"]
