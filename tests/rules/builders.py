"""Builders for the rule tables: evidence and gaps as the collectors and engine record them.

Rules see only :class:`~scanner.evidence.Facts`, so their tests build facts directly: no git,
no files, no mocks. Every item gets a provenance shaped like the real one (``tree:PATH`` with
a blob SHA for files, ``git:git log ...`` for history, ``GET /endpoint`` with an ETag for
platform answers, ``scope:KIND`` for the engine's expected gaps), so ids are realistic.

:func:`scan` starts from what every local scan records (the repository snapshot, the
``unsupported`` platform gaps, the ``not-collected`` code scan and the ``not-observable``
attestation gaps) and lets a row add what its collectors saw; a row that adds platform
evidence (or a different gap) for one of those kinds replaces the engine's gap for it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any

import pytest

from rules import RULES
from scanner.evidence import (
    Evidence,
    Facts,
    Gap,
    Item,
    Provenance,
    UnknownReason,
    kind_of,
    make_evidence,
    make_gap,
)
from scanner.model import Outcome, Status
from scanner.payloads import (
    CODE_KINDS,
    PLATFORM_KINDS,
    AgentHook,
    AiConfigFile,
    AttestationRecord,
    Attribution,
    BomFile,
    BranchRules,
    CiJob,
    CiPipeline,
    CiStep,
    CodeFinding,
    CodeOwners,
    DeployGates,
    FlowScan,
    History,
    Hook,
    HookConfig,
    MonthCount,
    OrgRules,
    PolicyCode,
    PolicyDocument,
    ProvenanceRefs,
    RefCount,
    RepoSnapshot,
    ReviewHistory,
    SecretFinding,
    SecretsBaseline,
    SecretScan,
    SecurityFeatures,
    SensitivePath,
    SignalCount,
    ToolMatch,
    ToolUsage,
)
from tests.conftest import AS_OF

REPO = "local:acme-api"
HEAD = "9c1f0e6b2a7d4c3e8f5a1b0d6e2c4a8f3b7d9e1c"
TREE = "d2a4c7e91b0f36e85c4a7b1d09e3f6a2c8b5e4d1"
SINCE = AS_OF - timedelta(days=365)
ENGINE = "engine@1"
#: The API a platform scan would have asked (the platform collectors record these shapes).
API = "/repos/acme/api"

#: Categories of the catalog tools the tables use, as in ``scanner/catalog/tools.yaml``
#: (``test_registry`` checks they agree).
TOOLS: dict[str, tuple[str, ...]] = {
    "aims": ("aims",),
    "cdxgen-mlbom": ("aibom", "sbom"),
    "chaoss-disclosure": ("ai-policy",),
    "codeql": ("dataflow", "sast"),
    "conftest": ("policy-as-code",),
    "detect-secrets": ("secrets",),
    "github-attestations": ("provenance",),
    "gitleaks": ("secrets",),
    "osv-scanner": ("sca",),
    "precommit-ad-blocker": ("attribution-strip",),
    "pre-commit": ("precommit",),
    "pytest": ("test",),
    "ruff": ("lint",),
    "semgrep": ("sast",),
    "syft": ("sbom",),
}

# --------------------------------------------------------------------------- provenance


def blob_sha(text: str) -> str:
    """The git blob SHA of ``text``, as a collector would record it for a file."""
    data = text.encode("utf-8")
    return hashlib.sha1(b"blob %d\x00" % len(data) + data, usedforsecurity=False).hexdigest()


def provenance(collector: str, locator: str, digest: str | None) -> Provenance:
    """Provenance pinned to the test repository's HEAD and the suite's clock."""
    return Provenance(repo=REPO, commit=HEAD, locator=locator, digest=digest,
                      collector=collector, collected_at=AS_OF)


def file_evidence(collector: str, path: str, payload: Any) -> Evidence[Any]:
    """Evidence read from one HEAD file, as ``Context.file_evidence`` records it."""
    return make_evidence(payload, provenance(collector, f"tree:{path}",
                                             blob_sha(f"{path}\n{payload!r}")))


def file_gap(collector: str, kind: type[Any], path: str, detail: str,
             reason: UnknownReason = UnknownReason.UNREADABLE) -> Gap:
    """A HEAD file that exists but could not be read or understood."""
    return make_gap(kind_of(kind), reason, detail, provenance(collector, f"tree:{path}", None))


def platform(payload: Any, endpoint: str) -> Evidence[Any]:
    """A platform API answer (a hosted scan), pinned to its endpoint and ETag."""
    etag = 'W/"' + hashlib.sha256(repr(payload).encode()).hexdigest()[:32] + '"'
    return make_evidence(payload, provenance("github@1", f"GET {endpoint}", etag))


def forbidden(kind: type[Any], endpoint: str = "/orgs/acme/rulesets") -> Gap:
    """A platform answer this token may not read."""
    return make_gap(kind_of(kind), UnknownReason.FORBIDDEN,
                    f"GET {endpoint}: 403 Resource not accessible by integration",
                    provenance("github@1", f"GET {endpoint}", None))


# --------------------------------------------------------------------------- the scan


def snapshot(**changes: Any) -> Evidence[RepoSnapshot]:
    """The repository snapshot the engine records first in every scan."""
    payload = replace(RepoSnapshot(head=HEAD, tree=TREE, branch="main", files=42, bare=False,
                                   shallow=False, worktree=False, empty=False,
                                   origin="https://github.com/acme/api.git"), **changes)
    return make_evidence(payload, provenance(ENGINE, "git:git rev-parse HEAD HEAD^{tree}",
                                             TREE))


def expected_gap(kind: type[Any]) -> Gap:
    """The gap the engine records for a kind a local scan cannot see (``_expected_gaps``)."""
    name = kind_of(kind)
    if kind in CODE_KINDS:
        reason = UnknownReason.NOT_COLLECTED
        detail = "the deep code scan was not run; run the scan with --deep"
    elif kind is AttestationRecord:
        reason, detail = (UnknownReason.NOT_OBSERVABLE,
                          "only a person can answer this: no attestation file given")
    else:
        reason, detail = (UnknownReason.UNSUPPORTED,
                          f"{name} is a platform setting, not visible in a local scan")
    return make_gap(name, reason, detail, provenance(ENGINE, f"scope:{name}", None))


EXPECTED_KINDS: tuple[type[Any], ...] = (*PLATFORM_KINDS, *CODE_KINDS, AttestationRecord)


def local_scan() -> list[Item]:
    """What every local scan records before any collector runs."""
    return [snapshot(), *(expected_gap(kind) for kind in EXPECTED_KINDS)]


def scan(*items: Item) -> list[Item]:
    """A local scan plus ``items``; items of an expected kind replace the engine's gap."""
    given = {i.kind for i in items}
    return [i for i in local_scan() if i.kind not in given] + list(items)


def collector_failed(kind: type[Any], collector: str) -> Gap:
    """The gap the engine records when a collector raised (``run_collector``)."""
    return make_gap(kind_of(kind), UnknownReason.COLLECTOR_ERROR,
                    f"{collector}@1 failed: KeyError: 'owners'",
                    provenance(f"{collector}@1", f"collector:{collector}", None))


# --------------------------------------------------------------------------- CI and hooks


def tool(ident: str) -> ToolMatch:
    """A catalog tool match."""
    return ToolMatch(tool=ident, categories=TOOLS[ident], matched=ident)


def job(ident: str, *tools: str, triggers: Sequence[str] = ("pull_request", "push"),
        allow_failure: bool = False, reports: Sequence[str] = (),
        soft_steps: bool = False) -> CiJob:
    """A CI job with one step per tool (``soft_steps``: every step may fail)."""
    matches = tuple(tool(t) for t in tools)
    steps = tuple(CiStep(name=m.tool, uses=None, run=m.tool, tools=(m,),
                         allow_failure=soft_steps) for m in matches)
    return CiJob(id=ident, name=None, triggers=tuple(sorted(triggers)), steps=steps,
                 tools=matches, allow_failure=allow_failure, environment=None,
                 permissions=None, artifacts_reports=tuple(reports))


def ci(path: str, *jobs: CiJob) -> Evidence[CiPipeline]:
    """A CI file and its jobs: GitLab CI for ``.gitlab-ci.yml``, else GitHub Actions."""
    categories = sorted({c for j in jobs for t in j.tools for c in t.categories})
    triggers = sorted({t for j in jobs for t in j.triggers})
    platform = "gitlab-ci" if path.endswith(".gitlab-ci.yml") else "github-actions"
    payload = CiPipeline(platform=platform, path=path, name=None,
                         triggers=tuple(triggers), jobs=jobs, permissions="contents: read",
                         permissions_read_only=True, templates=(),
                         categories=tuple(categories))
    return file_evidence("ci@1", path, payload)


def broken_ci(path: str = ".github/workflows/security.yml") -> Gap:
    """A workflow file the CI collector could not parse."""
    return file_gap("ci@1", CiPipeline, path, f"{path}: YAML error at line 12: mapping values "
                    "are not allowed here")


def hook(ident: str, *tools: str, stages: Sequence[str] = ("pre-commit",)) -> Hook:
    """A remote pre-commit hook."""
    return Hook(id=ident, repo=f"https://github.com/example/{ident}", rev="v1.0.0",
                stages=tuple(stages), command=None, tools=tuple(tool(t) for t in tools))


def precommit(*hooks: Hook, path: str = ".pre-commit-config.yaml") -> Evidence[HookConfig]:
    """A pre-commit configuration file."""
    categories = sorted({c for h in hooks for t in h.tools for c in t.categories})
    payload = HookConfig(framework="pre-commit", path=path, hooks=hooks,
                         categories=tuple(categories))
    return file_evidence("hooks@1", path, payload)


def broken_hooks(path: str = ".pre-commit-config.yaml") -> Gap:
    """A hook configuration the hooks collector could not read."""
    return file_gap("hooks@1", HookConfig, path, f"{path}: not UTF-8 text (invalid byte at 7)")


# --------------------------------------------------------------------------- tree files


def owners(path: str | None = ".github/CODEOWNERS",
           *sensitive: SensitivePath) -> Evidence[CodeOwners]:
    """The CODEOWNERS file in effect (or its absence, pinned to the tree) and its coverage."""
    searched = (".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS")
    payload = CodeOwners(path=path, searched=searched, rules=(), errors=(),
                         sensitive=tuple(sensitive))
    if path is None:
        return make_evidence(payload, provenance("codeowners@1", "tree:CODEOWNERS", TREE))
    return file_evidence("codeowners@1", path, payload)


def area(category: str, path: str, files: int, uncovered: int = 0) -> SensitivePath:
    """A sensitive area with its coverage by CODEOWNERS."""
    owned = ("@acme/security",) if uncovered < files else ()
    return SensitivePath(category=category, path=path, files=files, uncovered=uncovered,
                         owners=owned)


def broken_owners(path: str = ".github/CODEOWNERS") -> Gap:
    """A CODEOWNERS file that could not be read."""
    return file_gap("codeowners@1", CodeOwners, path, f"{path}: binary content")


def ai_config(tool_id: str, path: str, *roles: str, **fields: Any) -> Evidence[AiConfigFile]:
    """An AI tool configuration file; ``fields`` set what it declares."""
    payload = replace(AiConfigFile(tool=tool_id, path=path, roles=tuple(sorted(roles)),
                                   directives=0, deny_rules=(), allow_rules=(), ask_rules=(),
                                   hooks=(), mcp_servers=(), ignore_patterns=(), sandbox=(),
                                   attribution_disabled=(), risky=()), **fields)
    return file_evidence("ai_config@1", path, payload)


def agent_hook(event: str, *tools: str, blocking: bool = True) -> AgentHook:
    """A hook in an agent's settings running ``tools``."""
    command = " ".join(tools) or "echo done"
    return AgentHook(event=event, matcher="Edit|Write", command=command, blocking=blocking,
                     tools=tuple(tool(t) for t in tools))


def broken_ai_config(path: str = ".claude/settings.json") -> Gap:
    """An AI settings file that is not valid JSON."""
    return file_gap("ai_config@1", AiConfigFile, path,
                    f"{path}: Expecting ',' delimiter: line 4 column 5")


def policy(path: str, *kinds: str, **flags: Any) -> Evidence[PolicyDocument]:
    """A policy or process document; ``flags`` set what it covers."""
    payload = replace(PolicyDocument(path=path, kinds=tuple(sorted(kinds)), mentions_ai=False,
                                     covers_review=False, attribution_trailers=(),
                                     forbids_attribution=False, covers_data=False), **flags)
    return file_evidence("policies@1", path, payload)


def broken_policy(path: str = "CONTRIBUTING.md") -> Gap:
    """A policy document that could not be read."""
    return file_gap("policies@1", PolicyDocument, path, f"{path}: file too large (3 MB)")


def secrets_baseline(path: str = ".secrets.baseline") -> Evidence[SecretsBaseline]:
    """A detect-secrets baseline."""
    payload = SecretsBaseline(path=path, tool="detect-secrets", version="1.5.0", results=2,
                              unaudited=0, generated_at="2026-09-01T10:00:00Z",
                              last_changed="2026-09-01")
    return file_evidence("artifacts@1", path, payload)


def bom(path: str, *, ai_components: int = 0, ai_codegen: bool = False) -> Evidence[BomFile]:
    """A CycloneDX BOM kept in the repository."""
    payload = BomFile(path=path, format="cyclonedx", spec_version="1.6", components=120,
                      ai_components=ai_components, ai_codegen=ai_codegen)
    return file_evidence("artifacts@1", path, payload)


def policy_code(*paths: str) -> Evidence[PolicyCode]:
    """Rego policy files, pinned to the tree like the artifacts collector does."""
    payload = PolicyCode(engine="opa", paths=tuple(sorted(paths)), files=len(paths))
    return make_evidence(payload, provenance("artifacts@1", "tree:**/*.rego", TREE))


# --------------------------------------------------------------------------- git history

HISTORY_LOCATOR = (f"git:git log --since=@{int(SINCE.timestamp())} "
                   f"--until=@{int(AS_OF.timestamp())} HEAD")


#: An AI-attributed commit, cited as an example by the attribution signal.
AI_COMMIT = "5e0c2a1f9b3d7e4c6a8b0d2f1e3c5a7b9d0f2e4c"


def month(name: str, commits: int, ai_commits: int = 0) -> MonthCount:
    """One month of activity."""
    return MonthCount(month=name, commits=commits, ai_commits=ai_commits)


def history(*months: MonthCount, verified: int = 0, truncated: bool = False,
            model_named: int = 0, unverifiable: int = 0, bad: int = 0) -> list[Item]:
    """History and attribution evidence of the window, as the attribution collector yields."""
    commits = sum(m.commits for m in months)
    ai_commits = sum(m.ai_commits for m in months)
    active = [m.month for m in months if m.ai_commits]
    first, last = (f"{active[0]}-03", f"{active[-1]}-27") if active else ("", "")
    signal = SignalCount(signal="claude.coauthor", tool="claude-code", channel="trailer",
                         confidence="H", commits=ai_commits, model_named=model_named,
                         first=first, last=last, examples=(AI_COMMIT,))
    usage = ToolUsage(tool="claude-code", commits=ai_commits, first=first, last=last)
    signals, tools = ((signal,), (usage,)) if ai_commits else ((), ())
    attribution = Attribution(
        commits=commits, ai_commits=ai_commits,
        share=round(ai_commits / commits, 4) if commits else 0.0,
        model_named_commits=model_named, tools=tools, signals=signals, suspect=(),
        ai_authors=("0f3c9a7e21b4",) if ai_commits else (), catalog_signals=48)
    record = History(since=SINCE.isoformat(), until=AS_OF.isoformat(), commits=commits,
                     merges=0, authors=3, signature_sample=commits,
                     signed=verified + unverifiable + bad, verified=verified,
                     unverifiable=unverifiable, months=months,
                     shallow=truncated, truncated=truncated,
                     oldest=f"{months[0].month}-01" if months else None)
    origin = provenance("attribution@1", HISTORY_LOCATOR, HEAD)
    return [make_evidence(record, origin), make_evidence(attribution, origin)]


def broken_history() -> list[Item]:
    """``git log`` failed: both history kinds are gaps."""
    origin = provenance("attribution@1", HISTORY_LOCATOR, None)
    detail = "git log failed: fatal: bad object HEAD"
    return [make_gap(kind_of(k), UnknownReason.UNREADABLE, detail, origin)
            for k in (History, Attribution)]


REFS_LOCATOR = "git:git for-each-ref refs/notes/ai refs/entire/"


def provenance_refs(*refs: RefCount) -> Evidence[ProvenanceRefs]:
    """Provenance ref namespaces found locally."""
    return make_evidence(ProvenanceRefs(refs=refs), provenance("attribution@1", REFS_LOCATOR,
                                                               None))


def broken_refs() -> Gap:
    """``git for-each-ref`` failed: the provenance refs are a gap."""
    return make_gap(ProvenanceRefs.KIND, UnknownReason.UNREADABLE,
                    "git for-each-ref failed: fatal: bad object refs/notes/ai",
                    provenance("attribution@1", REFS_LOCATOR, None))


#: Six months, five of them active, with AI attribution in three (2026-06, 2026-08, 2026-10).
STEADY_AI: tuple[MonthCount, ...] = (
    month("2026-05", 10), month("2026-06", 8, 2), month("2026-07", 0),
    month("2026-08", 12, 3), month("2026-09", 6), month("2026-10", 9, 4))
#: Six active months without any AI attribution (60 commits).
NO_AI: tuple[MonthCount, ...] = tuple(month(f"2026-{m:02d}", 10) for m in range(5, 11))


# --------------------------------------------------------------------------- platform, code scan


def branch_rules(**changes: Any) -> Evidence[BranchRules]:
    """Default-branch rules from the platform; by default a PR with one approval."""
    payload = replace(BranchRules(branch="main", requires_pull_request=True,
                                  required_approvals=1, code_owner_review=False,
                                  dismiss_stale_approvals=False, required_checks=(),
                                  enforce_admins=False, bypass_actors=(), signed_commits=False,
                                  protected_paths=(), org_level=False), **changes)
    return platform(payload, f"{API}/rules/branches/main")


def security_features(**changes: Any) -> Evidence[SecurityFeatures]:
    """Platform security features; by default all off."""
    payload = replace(SecurityFeatures(secret_scanning=False, push_protection=False,
                                       dependabot=False, code_scanning=False), **changes)
    return platform(payload, API)


def reviews(merged: int, ai_merged: int, ai_human_approved: int, *,
            complete: bool = True) -> Evidence[ReviewHistory]:
    """Merged PRs with AI-attributed commits and their human approvals."""
    return platform(ReviewHistory(merged=merged, ai_merged=ai_merged,
                                  ai_human_approved=ai_human_approved,
                                  window_complete=complete),
                    f"{API}/pulls?state=closed")


def deploy_gates(environments: Sequence[str], gated: Sequence[str]) -> Evidence[DeployGates]:
    """Deployment environments and which require reviewers."""
    return platform(DeployGates(environments=tuple(environments), gated=tuple(gated)),
                    f"{API}/environments")


def org_rules(**changes: Any) -> Evidence[OrgRules]:
    """Organisation-level rules; by default none."""
    payload = replace(OrgRules(rulesets=(), required_workflows=(), path_restrictions=(),
                               default_token_read_only=False), **changes)
    return platform(payload, "/orgs/acme/rulesets")


def secret_scan(*findings: SecretFinding, audited_out: int = 0) -> Evidence[SecretScan]:
    """Secrets found by the deep scan of HEAD."""
    return make_evidence(SecretScan(engine="detect-secrets 1.5.0", files=40, skipped=(),
                                    baseline=None,
                                    audited_out=audited_out, findings=findings),
                         provenance("deep@1", "tree:deep:secrets", TREE))


def flow_scan(*findings: CodeFinding) -> Evidence[FlowScan]:
    """Matches of the bundled semgrep rules in HEAD."""
    return make_evidence(FlowScan(engine="semgrep 1.182.0", rules="sha256:0", files=30,
                                  excluded=0, skipped=(),
                                  findings=findings),
                         provenance("deep@1", "tree:deep:flows", TREE))


def code_scan(secrets: Sequence[SecretFinding] = (),
              dataflow: Sequence[CodeFinding] = ()) -> tuple[Item, Item]:
    """Both results of the deep code scan of HEAD."""
    return secret_scan(*secrets), flow_scan(*dataflow)


def not_scanned(kind: type[Any], path: str) -> Gap:
    """A file the deep scan could not scan (e.g. it timed out)."""
    return make_gap(kind_of(kind), UnknownReason.UNREADABLE, "timed out after 30 s",
                    provenance("deep@1", f"tree:{path}", None))


def _commit(ai: bool | None) -> dict[str, Any]:
    return {"commit": None if ai is None else "c" * 40, "ai_attributed": ai,
            "ai_signals": ("claude-coauthor",) if ai else ()}


def secret(path: str, *, ai: bool | None) -> SecretFinding:
    """One secret found at line 12 of ``path`` (fingerprint only)."""
    return SecretFinding(type="AWS Access Key", path=path, line=12,
                         fingerprint="scrypt:" + hashlib.sha256(path.encode()).hexdigest()[:32],
                         **_commit(ai))


def flow(rule_id: str, path: str, *, ai: bool | None, category: str = "dataflow",
         severity: str = "high") -> CodeFinding:
    """One match of a bundled semgrep rule at line 12 of ``path``."""
    return CodeFinding(rule=rule_id, category=category, severity=severity, path=path, line=12,
                       end_line=12, message=f"{rule_id} matched",
                       fingerprint="sha256:" + hashlib.sha256(path.encode()).hexdigest(),
                       **_commit(ai))


# --------------------------------------------------------------------------- table rows

Items = Callable[[], Sequence[Item]]


@dataclass(frozen=True, slots=True)
class Row:
    """One table row: a rule, the facts it sees, and the answer it must give."""

    rule: str
    description: str
    items: Items
    status: Status
    reason: UnknownReason | None = None
    """Required for ``unknown`` rows."""
    says: tuple[str, ...] = ()
    """Words the summary must contain."""
    bug: str | None = None
    """Set when the rule is believed wrong: the row states the right answer (strict xfail)."""

    def __post_init__(self) -> None:
        if (self.status is Status.UNKNOWN) != (self.reason is not None):
            raise ValueError(f"{self.rule} {self.description}: a reason goes with unknown only")

    def param(self) -> pytest.ParameterSet:
        """This row as a pytest parameter (strict xfail when it documents a suspected bug)."""
        marks = ([pytest.mark.xfail(strict=True, raises=AssertionError, reason=self.bug)]
                 if self.bug else [])
        return pytest.param(self, id=f"{self.rule} {self.description}", marks=marks)


def params(rows: Sequence[Row]) -> list[pytest.ParameterSet]:
    """The rows as pytest parameters."""
    return [row.param() for row in rows]


def decide(row: Row) -> tuple[Outcome, list[Item]]:
    """The rule's outcome on the row's facts, and the items those facts hold."""
    items = list(row.items())
    return RULES[row.rule](Facts.of(REPO, AS_OF, items)), items


def check(row: Row) -> None:
    """Assert the row: status, reason, summary words, and citations of given items only."""
    outcome, items = decide(row)
    assert outcome.status is row.status, outcome.summary
    assert outcome.cites, "a verdict must cite something"
    assert outcome.cites == tuple(sorted(set(outcome.cites))), "cites sorted and unique"
    assert set(outcome.cites) <= {i.id for i in items}, "cites only items it was given"
    assert outcome.reason is row.reason, outcome.summary
    for word in row.says:
        assert word in outcome.summary, outcome.summary
