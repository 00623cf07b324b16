"""Sharded scans merged (``aims merge``) give the unsharded report, byte for byte.

The key test scans an organisation on the fake GitHub once whole and once in four shards,
and merges the shards' JSON reports and evidence bundles into every format and a bundle.
The whole scan runs the real command line; the shard scans call
:func:`scanner.github_scan.scan_github` (what ``aims scan`` runs) with
``Selection(shard=...)`` and render the report as ``aims scan`` does, because the
``--shard`` option is wired into the command line separately. A GitLab group is sharded
the same way.
"""

from __future__ import annotations

import json
import re
import zipfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from collectors.sources.gitlab import parse_target as gitlab_target
from collectors.sources.selection import Selection, Shard, shard_of
from scanner.bundle import write_bundle
from scanner.bundle_check import passed, verify_bundle
from scanner.catalog import Catalog, load_catalog
from scanner.cli import main
from scanner.commands.merge import merge as merge_command
from scanner.console import EXIT_OK, EXIT_PARTIAL, EXIT_USAGE
from scanner.dsse import load_public_key
from scanner.engine import ScanOptions
from scanner.gitlab_scan import GitLabRun, scan_gitlab
from scanner.merge import MergeError, merge_bundles, merge_documents
from scanner.model import Report, ShardPart, Visibility
from scanner.outputs import FILE_NAMES, FORMATS
from scanner.progress import LineReporter
from scanner.report import catalog_view, json_report, loader
from tests.conftest import AS_OF
from tests.fixture_repos import scenario_repo
from tests.github_fake import FakeGitHub, FakeOrg, FakeRepo, check_shapes, make_bare
from tests.gitlab_fake import FakeGitLab, FakeGroup, FakeInstance, FakeProject
from tests.gitlab_fake import check_shapes as check_gitlab_shapes
from tests.report.conftest import org_report

__all__ = ["org_report", "scenario_repo"]

GOLDEN = Path(__file__).parent / "golden"
SHARDS = 4
TOKENS = {"tok-owner": "owner"}
PROTECTION = {"required_pull_request_reviews": {"required_approving_review_count": 1},
              "enforce_admins": True}
#: repository -> fixture scenario (None: an empty repository); their shards of 4 are
#: 1: deep, hostile; 2: legacy, empty; 3: high, mid, bare; 4: gone (deleted), web.
REPOS = {"high": "high-maturity", "mid": "mid-maturity", "web": "mid-maturity",
         "legacy": "ai-no-governance", "bare": "bare-minimum", "deep": "deep-findings",
         "hostile": "hostile", "empty": None}


# The organisation, scanned whole and in shards


@pytest.fixture(scope="module")
def github(tmp_path_factory: pytest.TempPathFactory,
           scenario_repo: Callable[[str], Path]) -> Iterator[FakeGitHub]:
    """Eight repositories, a deleted one and an archived one (left out of every shard)."""
    remote = tmp_path_factory.mktemp("remote")

    def bare(scenario: str | None, name: str) -> Path | None:
        return None if scenario is None else make_bare(scenario_repo(scenario),
                                                       remote / f"{name}.git")

    repos = [FakeRepo(name, bare(scenario, name)) for name, scenario in REPOS.items()]
    repos[0] = replace(repos[0], classic_protection=PROTECTION,
                       security={"secret_scanning": "enabled"})
    repos += [FakeRepo("gone", bare("mid-maturity", "gone"), deleted=True),
              FakeRepo("old", bare("bare-minimum", "old"), archived=True)]
    with FakeGitHub(FakeOrg("acme", repos, tokens=TOKENS)) as server:
        yield server
        assert check_shapes(server.log) == []


@pytest.fixture(scope="module")
def whole(github: FakeGitHub, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The unsharded scan through the command line: every format, and the bundle."""
    out = tmp_path_factory.mktemp("whole")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("GITHUB_TOKEN", "tok-owner")
        patch.delenv("GH_TOKEN", raising=False)
        code = main(["scan", "github:acme", "--github-url", github.url, "--cache-dir",
                     str(out / "cache"), "--as-of", AS_OF.date().isoformat(), "-q",
                     "--format", ",".join(FORMATS), "--out-dir", str(out / "formats"),
                     "--bundle", str(out / "bundle")])
    assert code == EXIT_PARTIAL  # the deleted repository
    return {"report": out / "formats" / FILE_NAMES["json"], "formats": out / "formats",
            "bundle": out / "bundle"}


@dataclass(frozen=True)
class Shards:
    """The shard scans' JSON reports and (unsigned and signed) bundles, in shard order."""

    reports: tuple[Path, ...]
    bundles: tuple[Path, ...]
    signed: tuple[Path, ...]
    public_key: Path


@pytest.fixture(scope="module")
def shards(github: FakeGitHub, tmp_path_factory: pytest.TempPathFactory) -> Shards:
    """Four shard scans, each with its own cache, as on four machines."""
    out = tmp_path_factory.mktemp("shards")
    catalog = load_catalog()
    key = Ed25519PrivateKey.generate()
    private, public = out / "sign.pem", out / "sign.pub"
    private.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                          serialization.PrivateFormat.PKCS8,
                                          serialization.NoEncryption()))
    public.write_bytes(key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
    reports: list[Path] = []
    bundles: list[Path] = []
    signed: list[Path] = []
    for index in range(1, SHARDS + 1):
        report, bundle = out / f"shard-{index}.json", out / f"shard-{index}"
        _scan_shard(github, f"{index}/{SHARDS}", out / f"cache-{index}", report, bundle)
        reports.append(report)
        bundles.append(bundle)
        text = report.read_text(encoding="utf-8")
        path = out / f"shard-{index}-signed.zip"
        write_bundle(path, report_text=text, document=json.loads(text),
                     catalog_doc=catalog_view.as_dict(catalog), attestation=None,
                     command=("aims", "scan", "github:acme", "--shard", f"{index}/{SHARDS}"),
                     tool_version=json.loads(text)["tool"]["version"], sign_key=private)
        signed.append(path)
    return Shards(tuple(reports), tuple(bundles), tuple(signed), public)


def _scan_shard(github: FakeGitHub, shard: str, cache: Path, report: Path,
                bundle: Path) -> None:
    """``aims scan github:acme --shard K/N`` as one machine of a matrix job would run it."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("GITHUB_TOKEN", "tok-owner")
        patch.delenv("GH_TOKEN", raising=False)
        code = main(["scan", "github:acme", "--github-url", github.url, "--cache-dir",
                     str(cache), "--as-of", "2026-11-01", "--shard", shard, "-q", "-o",
                     str(report), "--bundle", str(bundle)])
    assert code in (EXIT_OK, EXIT_PARTIAL)


def _merge(*args: str | Path) -> tuple[int, str, str]:
    """``aims merge ARGS``: exit code, stdout and stderr."""
    result = CliRunner().invoke(merge_command, [str(a) for a in args],
                                obj={"argv": ("aims", "merge", *map(str, args))})
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def _documents(paths: Sequence[Path]) -> list[dict[str, Any]]:
    return [json.loads(path.read_text(encoding="utf-8")) for path in paths]


# The key property: merged shards are the unsharded report


def test_the_shards_split_the_organisation(shards: Shards) -> None:
    names = [[r["repo"].rsplit("/", 1)[1] for r in doc["repositories"]] +
             [f["repo"].rsplit("/", 1)[1] for f in doc["failures"]]
             for doc in _documents(shards.reports)]
    assert [sorted(n) for n in names] == [["deep", "hostile"], ["empty", "legacy"],
                                          ["bare", "high", "mid"], ["gone", "web"]]
    assert all(shard_of(f"acme/{name}", SHARDS) == index
               for index, shard in enumerate(names, start=1) for name in shard)
    # hostile has unreadable files, gone could not be scanned at all.
    assert [doc["partial"] for doc in _documents(shards.reports)] == [True, False, False, True]
    assert "old" not in str(names)


def test_merged_reports_are_the_unsharded_report(shards: Shards,
                                                 whole: dict[str, Path]) -> None:
    expected = whole["report"].read_text(encoding="utf-8")
    assert json_report.dump(merge_documents(_documents(shards.reports))) == expected
    # In any order of the inputs.
    assert json_report.dump(merge_documents(_documents(shards.reports[::-1]))) == expected


def test_merge_command_writes_the_unsharded_report(shards: Shards, whole: dict[str, Path],
                                                   tmp_path: Path) -> None:
    code, _out, err = _merge(*shards.reports, "--format", "json", "-o", tmp_path / "m.json")
    assert code == EXIT_PARTIAL, err
    assert "partial result" in err
    assert (tmp_path / "m.json").read_bytes() == whole["report"].read_bytes()


def test_merged_preflight_sums_the_shards(shards: Shards) -> None:
    merged = merge_documents(_documents(shards.reports))
    rows = {row["evidence"]: row for row in merged["preflight"]}
    admin = rows["classic branch protection, admin enforcement, bypass lists"]
    assert (admin["visible"], admin["total"], admin["scope"]) == (9, 9, "repositories")
    org_rows = [row for row in merged["preflight"] if row["scope"] == "organisation"]
    assert org_rows and all(row["total"] == 1 for row in org_rows)


def test_every_format_of_the_merged_report(shards: Shards, whole: dict[str, Path],
                                           tmp_path: Path) -> None:
    code, _out, err = _merge(*shards.reports, "--format", ",".join(FORMATS), "--out-dir",
                             tmp_path)
    assert code == EXIT_PARTIAL, err
    for name in FILE_NAMES.values():
        assert (tmp_path / name).read_bytes() == (whole["formats"] / name).read_bytes(), name


@pytest.mark.parametrize(("tier", "token"), [("premium", "tok-dev"), ("free", "tok-owner")])
def test_a_sharded_gitlab_group_merges_to_the_whole(
        tmp_path: Path, scenario_repo: Callable[[str], Path], tier: str, token: str) -> None:
    projects = {"platform/api": "high-maturity", "platform/web": "mid-maturity",
                "tools/cli": "bare-minimum", "docs": "ai-no-governance",
                "infra": "mid-maturity"}
    instance = FakeInstance(tier=tier, tokens={"tok-owner": 50, "tok-dev": 30},
                            groups=[FakeGroup("acme"), FakeGroup("acme/platform"),
                                    FakeGroup("acme/tools")],
                            projects=[FakeProject(f"acme/{path}", git_dir=make_bare(
                                scenario_repo(scenario), tmp_path / "remote" / f"{i}.git"))
                                for i, (path, scenario) in enumerate(projects.items())])
    catalog = load_catalog()
    with FakeGitLab(instance) as server:
        target = gitlab_target("gitlab:acme", server.url)
        assert target is not None

        def scan(selection: Selection, cache: str) -> str:
            run = GitLabRun(target=target, token=token, cache_dir=tmp_path / cache,
                            selection=selection)
            options = ScanOptions(catalog=catalog, as_of=AS_OF,
                                  since=AS_OF - timedelta(days=365))
            report, _stats = scan_gitlab(run, options, note=lambda _msg: None,
                                         make_reporter=lambda total: LineReporter(
                                             lambda _m: None, total))
            return json_report.render(report)

        whole = scan(Selection(), "whole")
        parts = [json.loads(scan(Selection(shard=Shard(k, 3)), f"shard-{k}")) for k in (1, 2, 3)]
        assert check_gitlab_shapes(server.log) == []
    assert [len(part["repositories"]) for part in parts] == [2, 2, 1]
    assert {row["scope"] for row in parts[0]["preflight"]} == {"projects", "group"}
    assert json_report.dump(merge_documents(parts)) == whole


# Bundles


def test_merged_bundle_matches_the_unsharded_bundle(shards: Shards, whole: dict[str, Path],
                                                    tmp_path: Path) -> None:
    merged_path = tmp_path / "merged.zip"
    code, _out, err = _merge(*shards.bundles, "--format", "json", "-o", tmp_path / "m.json",
                             "--bundle", merged_path)
    assert code == EXIT_PARTIAL, err
    assert passed(verify_bundle(merged_path, None))
    with zipfile.ZipFile(merged_path) as archive:
        merged = {name: archive.read(name) for name in archive.namelist()}
    unsharded = {p.relative_to(whole["bundle"]).as_posix(): p.read_bytes()
                 for p in whole["bundle"].rglob("*") if p.is_file()}
    # Only the command line (run.json) and what seals it differ.
    sealed = {"run.json", "manifest.json", "statement.dsse.json"}
    assert set(merged) == set(unsharded)
    assert {n: d for n, d in merged.items() if n not in sealed} == \
        {n: d for n, d in unsharded.items() if n not in sealed}
    assert json.loads(merged["run.json"])["command"][:2] == ["aims", "merge"]


def test_signed_shard_bundles_are_checked_with_the_key(shards: Shards, tmp_path: Path) -> None:
    key = Ed25519PrivateKey.generate()
    (tmp_path / "other.pub").write_bytes(key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
    merged = merge_bundles(shards.signed, load_public_key(shards.public_key))
    assert merged.attestation is None
    assert json_report.as_dict(merged.report) == merge_documents(_documents(shards.reports))
    code, _out, err = _merge(*shards.signed, "--key", tmp_path / "other.pub", "--format",
                             "json", "-o", tmp_path / "m.json")
    assert code == EXIT_USAGE
    assert "fails verification (signature: signed by another key)" in err
    assert not (tmp_path / "m.json").exists()
    code, _out, err = _merge(*shards.bundles, "--key", shards.public_key)
    assert code == EXIT_USAGE
    assert "signature: the bundle is unsigned but --key was given" in err


def test_a_damaged_shard_bundle_is_refused(shards: Shards, tmp_path: Path) -> None:
    damaged = tmp_path / "damaged"
    _copy_tree(shards.bundles[1], damaged)
    report = damaged / "report.json"
    report.write_text(report.read_text().replace('"partial": false', '"partial": true'))
    code, _out, err = _merge(shards.bundles[0], damaged, *shards.bundles[2:])
    assert code == EXIT_USAGE
    assert f"{damaged}: the bundle fails verification (hashes:" in err


def test_shard_bundles_must_share_catalog_and_attestations(shards: Shards,
                                                           tmp_path: Path) -> None:
    document = _documents(shards.reports[:1])[0]
    text = shards.reports[0].read_text(encoding="utf-8")
    catalog = catalog_view.as_dict(load_catalog())
    attested = tmp_path / "attested"
    write_bundle(attested, report_text=text, document=document, catalog_doc=catalog,
                 attestation=("attest.yaml", b"version: 1\n"), command=("aims",),
                 tool_version=document["tool"]["version"], sign_key=None)
    with pytest.raises(MergeError, match=r"attested: its attestation file differs from that "
                                         r"of .*shard-2 \('attest.yaml' vs none\)"):
        merge_bundles([shards.bundles[1], attested], None)
    changed = tmp_path / "changed"
    write_bundle(changed, report_text=text, document=document,
                 catalog_doc={**catalog, "indicators": []}, attestation=None,
                 command=("aims",), tool_version=document["tool"]["version"], sign_key=None)
    with pytest.raises(MergeError, match=r"catalog\.json differs"):
        merge_bundles([shards.bundles[1], changed], None)


# Reports that must not be merged


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def change(document: dict[str, Any]) -> None:
        *outer, last = path.split(".")
        target = document
        for key in outer:
            target = target[key]
        target[last] = value
    return change


def _moved_clock(document: dict[str, Any]) -> None:
    document["as_of"] = document["window"]["until"] = "2026-11-02T00:00:00Z"


@pytest.mark.parametrize(("change", "message"), [
    (_set("target", "github:other"), 'target is "github:other", not "github:acme"'),
    (_moved_clock, 'as_of is "2026-11-02T00:00:00Z", not "2026-11-01T00:00:00Z"'),
    (_set("window.since", "2026-01-01T00:00:00Z"), "window is "),
    (_set("collectors", ["engine@1"]), 'collectors is ["engine@1"], not '),
    (_set("catalog_version", "0.0"), 'catalog_version is "0.0", not '),
    (_set("schema_version", "0.9"), 'schema_version is "0.9", not '),
    (_set("tool.version", "9.9.9"), 'tool is {"name": "aims", "version": "9.9.9"}, not '),
])
def test_reports_of_other_runs_are_refused(shards: Shards,
                                           change: Callable[[dict[str, Any]], None],
                                           message: str) -> None:
    documents = _documents(shards.reports)
    change(documents[2])
    with pytest.raises(MergeError) as raised:
        merge_documents(documents, names=[p.name for p in shards.reports])
    assert str(raised.value).startswith("shard-3.json is not a shard of the same run as "
                                        "shard-1.json: ")
    assert message in str(raised.value)


@pytest.mark.parametrize(("parts", "message"), [
    ([["local:api", "local:web"], ["local:web"]],
     "local:web is in both shard 1 and shard 2: shards must not overlap"),
    # A repository that could not be scanned counts as well.
    ([["local:zz-gone"], ["local:api", "local:zz-gone"]], "local:zz-gone is in both"),
])
def test_overlapping_shards_are_refused(org_report: Report, catalog: Catalog,
                                        parts: list[list[str]], message: str) -> None:
    with pytest.raises(MergeError, match=message):
        merge_documents(_split(org_report, parts), catalog=catalog)


def _shard(document: dict[str, Any], index: int, count: int) -> dict[str, Any]:
    return {**document, "shard": {"index": index, "count": count}}


@pytest.mark.parametrize(("pick", "message"), [
    (lambda d: d[:3], "shard 4/4 missing: 3 of 4 shards would not be the whole organisation"),
    (lambda d: [d[0], d[3]], "shard 2/4, 3/4 missing"),
    (lambda d: [*d, d[1]], "s5 and s2 are both shard 2/4"),
    (lambda d: [*d[:3], _shard(d[3], 4, 5)],
     "s4 is shard 4/5, but s1 is one of 4 shards: the shards must come from one split"),
    (lambda d: [*d[:3], {**d[3], "shard": None}],
     "s4: not the report of a shard (scanned without --shard)"),
])
def test_every_shard_of_one_split_is_needed(
        shards: Shards, pick: Callable[[list[dict[str, Any]]], list[dict[str, Any]]],
        message: str) -> None:
    documents = pick(_documents(shards.reports))
    with pytest.raises(MergeError, match=re.escape(message)):
        merge_documents(documents, names=[f"s{n}" for n in range(1, len(documents) + 1)])


def test_shard_reports_say_which_shard_they_are(shards: Shards,
                                                whole: dict[str, Path]) -> None:
    parts = [json.loads(path.read_text())["shard"] for path in shards.reports]
    assert parts == [{"index": n, "count": 4} for n in range(1, 5)]
    assert json.loads(whole["report"].read_text())["shard"] is None


def test_preflight_of_another_token_is_refused(shards: Shards) -> None:
    documents = _documents(shards.reports)
    row = next(r for r in documents[1]["preflight"] if r["scope"] == "organisation")
    row["visible"] = 1 - row["visible"]
    with pytest.raises(MergeError, match="were not scanned with the same token"):
        merge_documents(documents)


def test_catalog_of_another_version_is_refused(shards: Shards, catalog: Catalog) -> None:
    with pytest.raises(MergeError, match=r"this aims has catalog 0\.0: merge with the aims "
                                         "version that scanned them"):
        merge_documents(_documents(shards.reports), catalog=replace(catalog, version="0.0"))


def test_partial_is_any_shards_partial(shards: Shards) -> None:
    documents = _documents(shards.reports)
    partial = [d["partial"] for d in documents]
    assert True in partial and False in partial  # the fixture has both kinds of shard
    assert merge_documents(documents)["partial"] is True
    for document in documents:
        document["partial"] = False
        document["failures"] = []
    assert merge_documents(documents)["partial"] is False
    code, out, _err = _merge(*shards.reports, "--format", "json")
    assert code == EXIT_PARTIAL
    assert json.loads(out)["partial"] is True
    assert json.loads(out)["organisation"]["failed"] == 1


@pytest.mark.parametrize(("inputs", "message"), [
    (lambda s, t: [t / "missing.json"], "missing.json: cannot read (No such file"),
    (lambda s, t: [_write(t / "x.json", "{")], "x.json: not a JSON report"),
    (lambda s, t: [_write(t / "x.json", "[]")],
     "x.json: not an aims report this version can read: the document: expected an object"),
    (lambda s, t: [_write(t / "x.json", '{"tool": {"name": "other", "version": "1"}}')],
     "'other': not an aims report"),
    (lambda s, t: [GOLDEN / "mid-maturity.json"],
     "the report of a single repository (local:mid-maturity), not of an organisation"),
    (lambda s, t: [s.reports[0], s.bundles[1]], "either all as JSON reports or all as bundles"),
    (lambda s, t: [*s.reports, "--bundle", t / "b"], "--bundle needs the shards as evidence "
                                                      "bundles"),
    (lambda s, t: [*s.bundles, "--sign-key", _write(t / "k.pem", "x")],
     "--sign-key signs the merged bundle: give --bundle PATH too"),
    (lambda s, t: [_write(t / "x.zip", "not a zip")], "x.zip is neither a directory nor a zip"),
    (lambda s, t: [s.reports[0], "--format", "pdf"], "unknown format 'pdf'"),
])
def test_bad_input_exits_2(shards: Shards, tmp_path: Path,
                           inputs: Callable[[Shards, Path], list[Any]], message: str) -> None:
    code, out, err = _merge(*inputs(shards, tmp_path))
    assert code == EXIT_USAGE
    assert out == ""
    assert err.startswith("aims: error: ") and message in err
    assert "Traceback" not in err


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def _copy_tree(source: Path, target: Path) -> None:
    for path in source.rglob("*"):
        if path.is_file():
            (target / path.relative_to(source)).parent.mkdir(parents=True, exist_ok=True)
            (target / path.relative_to(source)).write_bytes(path.read_bytes())


# Without a platform: a report split by hand and merged is the report


def _split(report: Report, parts: Sequence[Sequence[str]]) -> list[dict[str, Any]]:
    """The report cut into shards holding these repositories (scanned or failed) each."""
    documents = []
    for index, part in enumerate(parts, start=1):
        repos = tuple(r for r in report.repositories if r.repo in part)
        failures = tuple(f for f in report.failures if f.repo in part)
        preflight = tuple(Visibility(evidence=v.evidence, needs=v.needs,
                                     visible=v.visible * len(repos) // v.total,
                                     total=len(repos)) for v in report.preflight)
        shard = replace(report, repositories=repos, failures=failures, preflight=preflight,
                        evidence=tuple(i for i in report.evidence if i.provenance.repo in part),
                        partial=bool(failures), shard=ShardPart(index=index, count=len(parts)))
        documents.append(json_report.as_dict(shard))
    return documents


@pytest.mark.parametrize("parts", [
    [["local:api", "local:web", "local:zz-gone", "local:aa-refused",
      "local:a-repository-name-far-too-long-for-the-eighty-column-table-of-levels"]],
    [["local:api", "local:zz-gone"], ["local:web"], ["local:aa-refused",
     "local:a-repository-name-far-too-long-for-the-eighty-column-table-of-levels"]],
    [["local:aa-refused", "local:zz-gone"], ["local:api", "local:web",
     "local:a-repository-name-far-too-long-for-the-eighty-column-table-of-levels"], []],
])
def test_a_split_report_merges_back(org_report: Report, catalog: Catalog,
                                    parts: list[list[str]]) -> None:
    merged = merge_documents(_split(org_report, parts), catalog=catalog)
    assert json_report.dump(merged) == json_report.render(org_report)


# Reading a report back (scanner.report.loader)


@pytest.mark.parametrize("golden", sorted(GOLDEN.glob("*.json")), ids=lambda p: p.stem)
def test_loader_round_trips_every_golden(golden: Path) -> None:
    text = golden.read_text(encoding="utf-8")
    document = json.loads(text)
    for repository in document["repositories"]:
        assert json_report.repository_dict(loader.repo_assessment(repository)) == repository
    assert json_report.render(loader.report(document)) == text


def test_loader_rebuilds_the_model_values(org_report: Report) -> None:
    document = json.loads(json_report.render(org_report))
    loaded = loader.report(document)
    assert loaded.repositories == org_report.repositories
    assert loaded.organisation == org_report.organisation
    assert loaded.failures == tuple(sorted(org_report.failures, key=lambda f: f.repo))
    assert [loader.repo_failure(f) for f in document["failures"]] == list(loaded.failures)
    assert [loader.visibility(v) for v in document["preflight"]] == \
        sorted(org_report.preflight, key=lambda v: (v.evidence, v.needs))
    gaps = [i for i in org_report.evidence if not hasattr(i, "payload")]
    assert gaps and all(loader.item(json_report.item_dict(g)) == g for g in gaps)


def _golden() -> dict[str, Any]:
    """A fresh copy of a local scan's report."""
    document: dict[str, Any] = json.loads((GOLDEN / "mid-maturity.json").read_text("utf-8"))
    return document


def _broken(path: str, value: Any) -> dict[str, Any]:
    document = _golden()
    _set(path, value)(document)
    return document


@pytest.mark.parametrize(("document", "message"), [
    ([], "the document: expected an object, found list"),
    ({"tool": {"name": "aims"}}, "tool.version: missing"),
    (_broken("tool.name", "other"), "tool.name: 'other': not an aims report"),
    (_broken("as_of", "yesterday"), "as_of: 'yesterday' is not an ISO date-time"),
    (_broken("as_of", "2026-11-01T00:00:00"), "as_of: '2026-11-01T00:00:00' has no time zone"),
    (_broken("partial", 0), "partial: expected true or false, found 0"),
    (_broken("repositories", {}), "repositories: expected a list, found {}"),
    (_broken("window.until", "2026-11-02T00:00:00Z"),
     "window: not in the form this aims writes (schema '1.4')"),
    (_broken("schema_version", "2.0") | {"added": 1},
     "added: a field this aims does not know (schema '2.0')"),
])
def test_loader_says_what_is_wrong_and_where(document: Any, message: str) -> None:
    with pytest.raises(loader.LoadError) as raised:
        loader.report(document)
    assert str(raised.value) == message or str(raised.value).startswith(message)


def test_loader_locates_deep_errors() -> None:
    document = _golden()
    repository = document["repositories"][0]
    repository["model_d"]["domains"][1]["indicators"][2]["status"] = "maybe"
    repository["model_s"]["tallies"][0]["favourable"] = True
    with pytest.raises(loader.LoadError, match=r"^repositories\[0\]\.model_d\.domains\[1\]\."
                                               r"indicators\[2\]\.status: 'maybe' is not one "
                                               "of met, unmet, attested, unknown$"):
        loader.report(document)
    with pytest.raises(loader.LoadError, match=r"^model_s\.tallies\[0\]\.favourable: expected "
                                               "an integer, found True$"):
        loader.repo_assessment(repository | {"model_d": _golden()["repositories"][0]["model_d"]})
    evidence = document["evidence"][0]
    del evidence["provenance"]["collected_at"]
    with pytest.raises(loader.LoadError, match=r"^provenance\.collected_at: missing$"):
        loader.item(evidence)


def test_evidence_about_a_repository_the_shard_does_not_assess_is_refused(
        shards: Shards) -> None:
    documents = _documents(shards.reports)
    stray = next(d for d in documents if d["evidence"])
    stray["evidence"][0]["provenance"]["repo"] = "github.com/acme/not-in-this-shard"
    with pytest.raises(MergeError, match=re.escape(
            "evidence about github.com/acme/not-in-this-shard, which the report does not")):
        merge_documents(documents)
