"""The run history in SQLite, and ``aims trend`` over it."""

from __future__ import annotations

import dataclasses
import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from scanner.commands import history_commands
from scanner.history import History, HistoryError
from scanner.summary import RunSummary, summarize

GOLDEN = Path(__file__).parent / "golden"
NAMES = ("ai-no-governance", "bare-minimum", "deep-findings", "high-maturity", "hostile",
         "mid-maturity")


def golden(name: str) -> dict[str, Any]:
    """A golden report document, parsed."""
    document: dict[str, Any] = json.loads((GOLDEN / f"{name}.json").read_text(encoding="utf-8"))
    return document


def mid(as_of: str, *, clg: int = 2, stage: int = 3, partial: bool = False) -> RunSummary:
    """mid-maturity as of another day, with another CLG floor and stage."""
    document = golden("mid-maturity")
    repository = document["repositories"][0]
    document["as_of"], document["partial"] = as_of, partial
    repository["model_d"]["domains"][0]["floor"] = clg
    repository["model_d"]["code"] = f"{clg}-2-1-3"
    repository["model_s"]["stage"] = stage
    repository["model_s"]["stage_ceiling"] = max(stage, 3)
    return summarize(document)


THREE = (mid("2026-09-01T00:00:00Z", clg=1, stage=2), mid("2026-10-01T00:00:00Z", partial=True),
         mid("2026-11-01T00:00:00Z", clg=3, stage=4))


def recorded(path: Path, *runs: RunSummary) -> Path:
    """A history file holding ``runs``."""
    with History(path) as history:
        for run in runs:
            history.record(run)
    return path


def test_recorded_runs_come_back_equal(tmp_path: Path) -> None:
    summaries = [summarize(golden(name)) for name in NAMES]
    path = recorded(tmp_path / "deep" / "er" / "history.sqlite", *reversed(summaries))
    with History(path) as history:
        assert history.runs() == tuple(sorted(summaries, key=lambda s: s.target))
        assert history.targets() == tuple(sorted(s.target for s in summaries))
        assert history.runs("local:hostile") == (summarize(golden("hostile")),)
        assert history.runs("local:nothing") == ()


def test_recording_the_same_target_and_time_again_replaces_it(tmp_path: Path) -> None:
    plain = summarize(golden("high-maturity"))
    attested = summarize(golden("high-maturity-attested"))
    assert (plain.target, plain.as_of) == (attested.target, attested.as_of)
    path = recorded(tmp_path / "h.sqlite", plain, attested)
    with History(path) as history:
        assert history.runs() == (attested,)
    db = sqlite3.connect(path)
    assert db.execute("SELECT count(*) FROM runs").fetchone() == (1,)
    assert db.execute("SELECT count(*) FROM repos").fetchone() == (1,)
    (count,) = db.execute("SELECT count(*) FROM results").fetchone()
    assert count == len(attested.repos[0].results)


def test_runs_are_oldest_first_and_previous_is_strictly_before(tmp_path: Path) -> None:
    path = recorded(tmp_path / "h.sqlite", THREE[2], THREE[0], THREE[1],
                    summarize(golden("bare-minimum")))
    with History(path) as history:
        assert history.runs("local:mid-maturity") == THREE
        assert history.runs("local:mid-maturity", last=2) == THREE[1:]
        assert history.runs(last=1) == (THREE[2],)
        assert history.previous(THREE[2]) == THREE[1]
        assert history.previous(THREE[1]) == THREE[0]
        assert history.previous(THREE[0]) is None
        later = dataclasses.replace(THREE[2], as_of="2026-12-01T00:00:00Z")
        assert history.previous(later) == THREE[2]


def test_the_tables_can_be_queried_directly(tmp_path: Path) -> None:
    path = recorded(tmp_path / "h.sqlite", *THREE)
    db = sqlite3.connect(path)
    rows = db.execute("SELECT runs.as_of, domains.floor FROM runs JOIN domains "
                      "ON domains.run = runs.id WHERE domains.domain = 'CLG' "
                      "ORDER BY runs.as_of").fetchall()
    assert rows == [("2026-09-01T00:00:00Z", 1), ("2026-10-01T00:00:00Z", 2),
                    ("2026-11-01T00:00:00Z", 3)]
    assert db.execute("SELECT status FROM results WHERE id = 'ABC-3a' GROUP BY status"
                      ).fetchall() == [("unmet",)]
    assert db.execute("SELECT version FROM schema").fetchall() == [(1,)]
    assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)


def test_a_failed_record_leaves_the_file_as_it_was(tmp_path: Path) -> None:
    path = recorded(tmp_path / "h.sqlite", THREE[0])
    # the same repository twice breaks the key half-way through the run
    broken = dataclasses.replace(THREE[0], repos=THREE[0].repos * 2)
    with History(path) as history:
        with pytest.raises(sqlite3.IntegrityError):
            history.record(broken)
        assert history.runs() == (THREE[0],)


def test_a_damaged_history_is_reported_when_recording(tmp_path: Path) -> None:
    path = recorded(tmp_path / "h.sqlite", THREE[0])
    db = sqlite3.connect(path)
    db.execute("DROP TABLE org_results")
    db.commit()
    db.close()
    problem = r"cannot record the run in .*h\.sqlite: no such table: org_results"
    with History(path) as history, pytest.raises(HistoryError, match=problem):
        history.record(THREE[1])
    db = sqlite3.connect(path)
    assert db.execute("SELECT as_of FROM runs").fetchall() == [(THREE[0].as_of,)]
    (count,) = db.execute("SELECT count(*) FROM results").fetchone()
    assert count == len(THREE[0].repos[0].results)


def test_an_empty_file_becomes_a_history(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite"
    path.touch()
    assert recorded(path, THREE[0]) == path
    with History(path) as history:
        assert history.runs() == (THREE[0],)


def foreign(path: Path) -> None:
    """Another program's SQLite database."""
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE notes (text TEXT)")
    db.commit()
    db.close()


def newer(path: Path) -> None:
    """A history written by a later aims with another schema."""
    recorded(path)
    db = sqlite3.connect(path)
    db.execute("UPDATE schema SET version = 2")
    db.commit()
    db.close()


def same_id_no_schema(path: Path) -> None:
    """A database that claims our application id but has none of our tables."""
    db = sqlite3.connect(path)
    db.execute("PRAGMA application_id = 1634299251")
    db.execute("CREATE TABLE notes (text TEXT)")
    db.commit()
    db.close()


@pytest.mark.parametrize(("make", "message"), [
    (lambda p: p.write_bytes(b"not a database at all, just text " * 40),
     "{path} is not an aims history file (file is not a database)"),
    (foreign, "{path} is not an aims history file"),
    (same_id_no_schema, "{path} is not an aims history file (no such table: schema)"),
    (newer, "{path} is an aims history file of schema 2; this aims reads schema 1"),
    (lambda p: p.mkdir(), "cannot open history {path}: unable to open database file"),
])
def test_files_that_are_not_our_history_are_refused(tmp_path: Path, make: Any,
                                                    message: str) -> None:
    path = tmp_path / "h.sqlite"
    make(path)
    before = path.read_bytes() if path.is_file() else None
    with pytest.raises(HistoryError) as caught:
        History(path)
    assert str(caught.value) == message.format(path=path)
    assert (path.read_bytes() if path.is_file() else None) == before


# ---- aims trend ---------------------------------------------------------------------------

TABLE = """\
local:mid-maturity
  as of                 Model D            stage
  2026-09-01T00:00:00Z  1-2-1-3 (5-2-1-3)  2..3
  2026-10-01T00:00:00Z  2-2-1-3 (5-2-1-3)  3      partial
  2026-11-01T00:00:00Z  3-2-1-3 (5-2-1-3)  4
"""


def trend(*args: str, env: dict[str, str | None] | None = None) -> Any:
    """``aims trend`` run in-process."""
    return CliRunner(env=env or {}).invoke(history_commands.trend, list(args))


def test_trend_shows_each_run(tmp_path: Path) -> None:
    path = recorded(tmp_path / "h.sqlite", *THREE)
    outcome = trend("--history", str(path))
    assert (outcome.exit_code, outcome.stdout, outcome.stderr) == (0, TABLE, "")
    last = trend("--history", str(path), "--last", "1", "--target", "local:mid-maturity")
    assert last.stdout == "\n".join(TABLE.splitlines()[:2] + TABLE.splitlines()[-1:]) + "\n"


def test_trend_groups_targets_and_takes_the_last_runs_of_each(tmp_path: Path) -> None:
    hostile = golden("hostile")
    hostile["repositories"][0]["repo"] = "local:\x1b[2Jevil"
    path = recorded(tmp_path / "h.sqlite", *THREE, summarize(hostile),
                    summarize(golden("bare-minimum")))
    outcome = trend("--history", str(path), "--last", "2")
    assert outcome.stdout == (
        "local:?[2Jevil\n"
        "  as of                 Model D            stage\n"
        "  2026-11-01T00:00:00Z  1-1-1-1 (5-5-2-1)  1..5   partial\n"
        "local:bare-minimum\n"
        "  as of                 Model D            stage\n"
        "  2026-11-01T00:00:00Z  1-1-1-1            1\n"
        + "\n".join(TABLE.splitlines()[:2] + TABLE.splitlines()[-2:]) + "\n")


def test_trend_as_json(tmp_path: Path) -> None:
    path = recorded(tmp_path / "h.sqlite", *THREE)
    outcome = trend("--history", str(path), "--format", "json")
    runs = json.loads(outcome.stdout)["runs"]
    assert [(r["as_of"], r["repos"][0]["domains"]["CLG"]["floor"]) for r in runs] == [
        ("2026-09-01T00:00:00Z", 1), ("2026-10-01T00:00:00Z", 2), ("2026-11-01T00:00:00Z", 3)]


def test_trend_finds_the_history_from_the_environment(tmp_path: Path) -> None:
    recorded(tmp_path / "chosen.sqlite", *THREE)
    outcome = trend(env={"AIMS_HISTORY": str(tmp_path / "chosen.sqlite")})
    assert (outcome.exit_code, outcome.stdout) == (0, TABLE)
    recorded(tmp_path / "cache" / "history.sqlite", *THREE)
    outcome = trend(env={"AIMS_HISTORY": None, "AIMS_CACHE_DIR": str(tmp_path / "cache")})
    assert (outcome.exit_code, outcome.stdout) == (0, TABLE)


def test_trend_of_an_empty_history(tmp_path: Path) -> None:
    path = recorded(tmp_path / "h.sqlite")
    outcome = trend("--history", str(path))
    assert (outcome.exit_code, outcome.stdout) == (0, f"No runs recorded in {path}.\n")


@pytest.mark.parametrize(("make", "args", "message"), [
    (None, [], "no history at {path}: run `aims scan --history {path}` first"),
    (foreign, [], "{path} is not an aims history file"),
    (lambda p: recorded(p, *THREE), ["--target", "github:acme"],
     "no runs of github:acme in {path}; recorded targets: local:mid-maturity"),
])
def test_trend_errors_exit_2(tmp_path: Path, make: Any, args: list[str], message: str) -> None:
    path = tmp_path / "h.sqlite"
    if make:
        make(path)
    outcome = trend("--history", str(path), *args)
    assert (outcome.exit_code, outcome.stdout) == (2, "")
    assert outcome.stderr == "aims: error: " + message.format(path=path) + "\n"
    assert not path.exists() or make
