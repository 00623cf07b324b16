"""What changed between two reports: classification, repositories, text and JSON, `aims diff`."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from scanner.commands import history_commands
from scanner.diff import Change, as_dict, compare, render_text
from scanner.summary import summarize

GOLDEN = Path(__file__).parent / "golden"
REPO = "local:mid-maturity"
Document = dict[str, Any]


def golden(name: str) -> Document:
    """A golden report document, parsed."""
    document: Document = json.loads((GOLDEN / f"{name}.json").read_text(encoding="utf-8"))
    return document


def result(document: Document, ident: str, repo: int = 0) -> dict[str, Any]:
    """The indicator or answer ``ident`` of a repository, to edit in place."""
    repository = document["repositories"][repo]
    found = [i for d in repository["model_d"]["domains"] for i in d["indicators"]]
    found += repository["model_s"]["answers"]
    (row,) = [r for r in found if r["id"] == ident]
    return row  # type: ignore[no-any-return]


def domain(document: Document, ident: str) -> dict[str, Any]:
    """The domain ``ident`` of the first repository, to edit in place."""
    (row,) = [d for d in document["repositories"][0]["model_d"]["domains"] if d["id"] == ident]
    return row  # type: ignore[no-any-return]


def status(ident: str, value: str) -> Callable[[Document], None]:
    """An edit setting a result's status."""
    return lambda doc: result(doc, ident).update(status=value)


def stage(value: int) -> Callable[[Document], None]:
    """An edit setting the first repository's stage floor."""
    return lambda doc: doc["repositories"][0]["model_s"].update(stage=value)


def floor(ident: str, value: int) -> Callable[[Document], None]:
    """An edit setting a domain's floor."""
    return lambda doc: domain(doc, ident).update(floor=value)


def drop(ident: str) -> Callable[[Document], None]:
    """An edit removing an indicator, as a catalog change would."""
    def edit(doc: Document) -> None:
        clg = domain(doc, "CLG")
        clg["indicators"] = [i for i in clg["indicators"] if i["id"] != ident]
    return edit


def edited(edit: Callable[[Document], None], name: str = "mid-maturity") -> Document:
    """A copy of a golden document with ``edit`` applied."""
    document = copy.deepcopy(golden(name))
    edit(document)
    return document


# (edit of the new report, subject, before, after, direction); mid-maturity has CLG-2a met,
# CLG-3a unknown, ABC-3a unmet, GDA-3a met, CLG floor 2 (ceiling 5), stage 3
CHANGES = [
    (status("CLG-3a", "met"), "CLG-3a", "unknown", "met", "improved"),
    (status("ABC-3a", "unknown"), "ABC-3a", "unmet", "unknown", "improved"),
    (status("ABC-3a", "met"), "ABC-3a", "unmet", "met", "improved"),
    (status("CLG-2a", "unmet"), "CLG-2a", "met", "unmet", "regressed"),
    (status("CLG-2a", "unknown"), "CLG-2a", "met", "unknown", "regressed"),
    (status("CLG-3a", "unmet"), "CLG-3a", "unknown", "unmet", "regressed"),
    (status("GDA-3a", "attested"), "GDA-3a", "met", "attested", "changed"),
    (status("ABC-3a", "attested"), "ABC-3a", "unmet", "attested", "changed"),
    (status("S4-Q1", "met"), "S4-Q1", "unmet", "met", "improved"),
    (floor("CLG", 3), "CLG", "2", "3", "improved"),
    (floor("TRA", 2), "TRA", "3", "2", "regressed"),
    (stage(4), "stage", "3", "4", "improved"),
    (stage(2), "stage", "3", "2", "regressed"),
    (drop("CLG-5b"), "CLG-5b", "unknown", "absent", "changed"),
]


@pytest.mark.parametrize(("edit", "subject", "before", "after", "direction"), CHANGES)
def test_each_change_is_classified(edit: Callable[[Document], None], subject: str, before: str,
                                   after: str, direction: str) -> None:
    diff = compare(summarize(golden("mid-maturity")), summarize(edited(edit)))
    assert diff.changes == (Change(scope=REPO, subject=subject, before=before, after=after,
                                   direction=direction),)
    assert diff.regressed is (direction == "regressed")
    assert (diff.added_repos, diff.removed_repos) == ((), ())
    # and back again: improved and regressed swap, changed stays changed
    back = compare(summarize(edited(edit)), summarize(golden("mid-maturity")))
    swapped = {"improved": "regressed", "regressed": "improved", "changed": "changed"}
    assert back.changes == (Change(scope=REPO, subject=subject, before=after, after=before,
                                   direction=swapped[direction]),)


def test_an_indicator_new_in_the_catalog_is_only_changed() -> None:
    diff = compare(summarize(edited(drop("CLG-5b"))), summarize(golden("mid-maturity")))
    assert [(c.subject, c.before, c.after, c.direction) for c in diff.changes] == [
        ("CLG-5b", "absent", "unknown", "changed")]


def test_ceilings_alone_change_nothing() -> None:
    def open_up(doc: Document) -> None:
        domain(doc, "CLG")["ceiling"] = 3
        doc["repositories"][0]["model_s"]["stage_ceiling"] = 5
        doc["repositories"][0]["model_d"]["code_ceiling"] = "3-2-1-3"
    diff = compare(summarize(golden("mid-maturity")), summarize(edited(open_up)))
    assert (diff.changes, diff.regressed) == ((), False)


def test_the_same_report_has_no_changes() -> None:
    summary = summarize(golden("high-maturity"))
    assert compare(summary, summary).changes == ()


def test_attested_golden_against_plain_one() -> None:
    diff = compare(summarize(golden("high-maturity")), summarize(golden("high-maturity-attested")))
    assert [(c.subject, c.before, c.after, c.direction) for c in diff.changes] == [
        ("stage", "3", "4", "improved"),
        ("S1-Q5", "unknown", "attested", "changed"),
        ("S2-Q4", "unknown", "attested", "changed"),
        ("S4-Q4", "unknown", "attested", "changed"),
    ]
    assert not diff.regressed


def two_repos(document: Document, other: str) -> Document:
    """The document with a copy of its repository under another name."""
    twin = copy.deepcopy(document["repositories"][0])
    twin["repo"] = other
    document["repositories"].append(twin)
    return document


def test_changes_are_ordered_by_repository_then_stage_domains_indicators() -> None:
    old = two_repos(golden("mid-maturity"), "local:alpha")
    new = two_repos(golden("mid-maturity"), "local:alpha")
    for index in (0, 1):
        result(new, "TRA-4b", index)["status"] = "met"
        result(new, "CLG-2a", index)["status"] = "unmet"
        new["repositories"][index]["model_d"]["domains"][1]["floor"] = 3
        new["repositories"][index]["model_s"]["stage"] = 1
    diff = compare(summarize(old), summarize(new))
    subjects = ["stage", "ABC", "CLG-2a", "TRA-4b"]
    assert [(c.scope, c.subject) for c in diff.changes] == (
        [("local:alpha", s) for s in subjects] + [(REPO, s) for s in subjects])


def test_repositories_in_one_report_only_are_added_or_removed_not_changed() -> None:
    old = two_repos(golden("mid-maturity"), "local:gone")
    new = two_repos(golden("mid-maturity"), "local:new")
    result(new, "CLG-2a", 1)["status"] = "unmet"  # a regression in an added repository
    diff = compare(summarize(old), summarize(new))
    assert (diff.added_repos, diff.removed_repos, diff.changes) == (
        ("local:new",), ("local:gone",), ())
    assert diff.regressed is False


def test_text_is_readable_and_safe() -> None:
    hostile = "local:evil\x1b[2J\nname [red]x[/red]"
    old = two_repos(golden("mid-maturity"), hostile)
    new = two_repos(golden("mid-maturity"), hostile)
    new["repositories"][1]["model_s"]["stage"] = 2
    result(new, "CLG-3a", 1)["status"] = "met"
    old["target"] = new["target"] = REPO
    text = render_text(compare(summarize(old), summarize(edited(stage(4), "mid-maturity"))))
    assert text == (
        "aims diff\n"
        "old: local:mid-maturity, 2026-11-01T00:00:00Z, catalog 2026.11.2\n"
        "new: local:mid-maturity, 2026-11-01T00:00:00Z, catalog 2026.11.2\n"
        "0 regressed, 1 improved, 0 changed; levels and stages are floors\n"
        "\n"
        "Removed repositories:\n"
        "  local:evil?[2J name [red]x[/red]\n"
        "\n"
        "local:mid-maturity\n"
        "  improved   stage: 3 -> 4\n")
    text = render_text(compare(summarize(old), summarize(new)))
    lines = text.splitlines()
    assert "local:evil?[2J name [red]x[/red]" in lines
    assert "  regressed  stage: 3 -> 2" in lines
    assert "  improved   CLG-3a: unknown -> met" in lines
    assert all(len(line) <= 80 and "\x1b" not in line for line in lines)


def test_text_wraps_long_names_in_80_columns() -> None:
    old = two_repos(golden("mid-maturity"), "local:" + "long-" * 30)
    text = render_text(compare(summarize(old), summarize(golden("mid-maturity"))))
    assert max(len(line) for line in text.splitlines()) <= 80
    assert text.endswith("No level, stage or status changed.\n")


def test_json_lists_every_change() -> None:
    diff = compare(summarize(golden("mid-maturity")), summarize(edited(status("CLG-2a", "unmet"))))
    assert json.loads(json.dumps(as_dict(diff))) == {
        "old": {"target": REPO, "as_of": "2026-11-01T00:00:00Z"},
        "new": {"target": REPO, "as_of": "2026-11-01T00:00:00Z"},
        "regressed": True,
        "changes": [{"scope": REPO, "subject": "CLG-2a", "before": "met", "after": "unmet",
                     "direction": "regressed"}],
        "added_repos": [], "removed_repos": [],
    }


# ---- aims diff ----------------------------------------------------------------------------

def write(path: Path, document: Document) -> Path:
    """A report file."""
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


@pytest.mark.parametrize(("edit", "flags", "code", "message"), [
    (stage(3), [], 0, ""),
    (status("CLG-2a", "unmet"), [], 0, ""),
    (status("CLG-3a", "met"), ["--fail-on-regression"], 0, ""),
    (status("GDA-3a", "attested"), ["--fail-on-regression"], 0, ""),
    (status("CLG-2a", "unmet"), ["--fail-on-regression"], 1,
     "aims: regression: 1 indicator(s)/level(s) regressed\n"),
    (lambda doc: (stage(1)(doc), floor("CLG", 1)(doc)), ["--fail-on-regression"], 1,
     "aims: regression: 2 indicator(s)/level(s) regressed\n"),
])
def test_diff_exit_codes(tmp_path: Path, edit: Callable[[Document], None], flags: list[str],
                         code: int, message: str) -> None:
    old = write(tmp_path / "old.json", golden("mid-maturity"))
    new = write(tmp_path / "new.json", edited(edit))
    outcome = CliRunner().invoke(history_commands.diff, [str(old), str(new), *flags])
    assert (outcome.exit_code, outcome.stderr) == (code, message)
    assert outcome.stdout.startswith("aims diff\n")


def test_diff_as_json(tmp_path: Path) -> None:
    old = write(tmp_path / "old.json", golden("mid-maturity"))
    new = write(tmp_path / "new.json", edited(status("CLG-2a", "unmet")))
    outcome = CliRunner().invoke(history_commands.diff, [str(old), str(new), "--format", "json"])
    assert outcome.exit_code == 0
    data = json.loads(outcome.stdout)
    assert (data["regressed"], [c["subject"] for c in data["changes"]]) == (True, ["CLG-2a"])


def test_diff_of_different_targets_warns(tmp_path: Path) -> None:
    old = write(tmp_path / "old.json", golden("mid-maturity"))
    new = write(tmp_path / "new.json", golden("bare-minimum"))
    outcome = CliRunner().invoke(history_commands.diff, [str(old), str(new)])
    assert outcome.exit_code == 0
    assert outcome.stderr == ("aims: warning: comparing reports of different targets: "
                              "local:mid-maturity and local:bare-minimum\n")
    assert "Added repositories:\n  local:bare-minimum\n" in outcome.stdout


@pytest.mark.parametrize(("content", "message"), [
    (None, "cannot read {path}: No such file or directory"),
    (b"{not json", "{path} is not JSON: "),
    (b"\xff\xfe", "{path} is not a JSON report: it is not UTF-8 text"),
    (b"[1, 2]", "{path} is not an aims report (no schema_version)"),
    (b'{"repositories": []}', "{path} is not an aims report (no schema_version)"),
    (b'{"schema_version": "1.4", "repositories": []}',
     "{path} is not a complete aims report (KeyError: 'as_of')"),
    (b'{"schema_version": "1.4", "repositories": [3]}',
     "{path} is not a complete aims report (TypeError: "),
])
def test_diff_refuses_what_is_not_a_report(tmp_path: Path, content: bytes | None,
                                           message: str) -> None:
    good = write(tmp_path / "good.json", golden("mid-maturity"))
    bad = tmp_path / "bad.json"
    if content is not None:
        bad.write_bytes(content)
    for args in ([str(good), str(bad)], [str(bad), str(good)]):
        outcome = CliRunner().invoke(history_commands.diff, args)
        assert outcome.exit_code == 2
        assert outcome.stderr.startswith("aims: error: " + message.format(path=bad))
        assert outcome.stdout == ""
