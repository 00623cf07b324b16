"""Secrets stay secret: a planted token never appears in any output, log or error."""

from __future__ import annotations

from pathlib import Path

import pytest

from scanner.cli import main
from tests.fixture_repos import PLANTED_TOKEN, build_scenario

TOKEN_PARTS = (PLANTED_TOKEN, PLANTED_TOKEN[4:], "x-access-token")


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_scenario("hostile", tmp_path_factory.mktemp("leaks") / "hostile")


@pytest.mark.parametrize(
    "extra",
    [["--format", "json"], ["--format", "table"], ["--format", "table", "-v"],
     ["--format", "json", "-vv"]],
)
def test_planted_token_is_never_printed(hostile: Path, tmp_path: Path, extra: list[str],
                                        capsys: pytest.CaptureFixture[str],
                                        caplog: pytest.LogCaptureFixture) -> None:
    out_file = tmp_path / "report.out"
    for args in (["scan", str(hostile), "--as-of", "2026-11-01", *extra],
                 ["scan", str(hostile), "--as-of", "2026-11-01", *extra, "-o", str(out_file)]):
        main(args)
        captured = capsys.readouterr()
        everything = captured.out + captured.err + caplog.text
        if out_file.exists():
            everything += out_file.read_text(encoding="utf-8")
        for part in TOKEN_PARTS:
            assert part not in everything
    assert "github.com/acme/hostile.git" in out_file.read_text(encoding="utf-8")


def test_author_emails_are_never_printed(hostile: Path, capsys: pytest.CaptureFixture[str]
                                         ) -> None:
    main(["scan", str(hostile), "--as-of", "2026-11-01", "--format", "json"])
    assert "@example.com" not in capsys.readouterr().out
