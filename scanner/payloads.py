"""Typed evidence payloads: the shared vocabulary between collectors and rules.

One small frozen dataclass per evidence kind. Collectors build them, rules read them, the
JSON report serialises them (``dataclasses.asdict``). Fields hold only JSON-friendly values
(str, int, float, bool, None, tuples and nested payload dataclasses). Each top-level payload
names its dotted evidence kind in ``KIND``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

# --------------------------------------------------------------------------- shared parts


@dataclass(frozen=True, slots=True, kw_only=True)
class ToolMatch:
    """A known tool recognised in a hook, CI step or agent hook, from the tool catalog."""

    tool: str
    """Catalog id, e.g. ``gitleaks``."""
    categories: tuple[str, ...]
    """Sorted categories from the catalog: sast, sca, secrets, sbom, provenance, aibom,
    ai-review, precommit, aims, dataflow, policy-as-code, test, lint, commit-policy,
    ai-policy, attribution-strip."""
    matched: str
    """The text that matched (hook id, ``uses:`` reference, command, template name)."""


# --------------------------------------------------------------------------- repository


@dataclass(frozen=True, slots=True, kw_only=True)
class RepoSnapshot:
    """What was scanned: the HEAD commit and tree of one repository."""

    KIND: ClassVar[str] = "repo.snapshot"
    head: str | None
    """HEAD commit SHA, None for a repository without commits."""
    tree: str | None
    """HEAD tree SHA: absence claims ("no CODEOWNERS file") are pinned to it."""
    branch: str | None
    """The checked-out (or bare HEAD) branch name, None when detached."""
    files: int
    """Number of files in the HEAD tree."""
    bare: bool
    shallow: bool
    worktree: bool
    """True when scanned through a linked worktree."""
    empty: bool
    """True when the repository has no commits."""
    origin: str | None
    """The ``origin`` remote URL with any credentials removed."""


# --------------------------------------------------------------------------- hooks


@dataclass(frozen=True, slots=True, kw_only=True)
class Hook:
    """One hook of a pre-commit, husky or lefthook configuration."""

    id: str
    """Hook id (pre-commit), hook file name (husky) or command name (lefthook)."""
    repo: str | None
    """pre-commit repository URL, ``local`` or ``meta``; None elsewhere."""
    rev: str | None
    stages: tuple[str, ...]
    """Git hook stages it runs at, e.g. ``pre-commit``, ``commit-msg``, ``pre-push``."""
    command: str | None
    """The command line for local/husky/lefthook hooks (None for remote pre-commit hooks)."""
    tools: tuple[ToolMatch, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class HookConfig:
    """A git-hook manager configuration file and its classified hooks."""

    KIND: ClassVar[str] = "tree.hooks"
    framework: str
    """``pre-commit``, ``husky`` or ``lefthook``."""
    path: str
    hooks: tuple[Hook, ...]
    categories: tuple[str, ...]
    """Union of the hooks' tool categories, sorted."""


# --------------------------------------------------------------------------- CI


@dataclass(frozen=True, slots=True, kw_only=True)
class CiStep:
    """One step (GitHub Actions) or script line group (GitLab CI) of a job."""

    name: str | None
    uses: str | None
    """``owner/action@ref`` or docker reference (GitHub Actions); None elsewhere."""
    run: str | None
    """The shell command(s), truncated to 2,000 characters."""
    tools: tuple[ToolMatch, ...]
    allow_failure: bool
    """The step may fail without failing its job (GitHub ``continue-on-error``)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class CiJob:
    """One CI job with the events it runs on and the tools it runs."""

    id: str
    name: str | None
    triggers: tuple[str, ...]
    """Effective events, from: ``pull_request`` (PRs and merge requests), ``push``, ``tag``,
    ``schedule``, ``manual``, ``other``; sorted."""
    steps: tuple[CiStep, ...]
    tools: tuple[ToolMatch, ...]
    """All tools recognised in the job (steps, image, templates, ``extends``)."""
    allow_failure: bool
    """True when the job may fail without failing the pipeline (GitLab ``allow_failure``,
    GitHub ``continue-on-error``)."""
    environment: str | None
    """Deployment environment name, if the job deploys to one."""
    permissions: str | None
    """The job's token permissions as written (normalised), None if not set."""
    artifacts_reports: tuple[str, ...]
    """GitLab ``artifacts:reports`` keys (e.g. ``sast``); SARIF uploads on GitHub appear as
    the ``sarif-upload`` report."""


@dataclass(frozen=True, slots=True, kw_only=True)
class CiPipeline:
    """One CI configuration file (a GitHub Actions workflow or ``.gitlab-ci.yml``)."""

    KIND: ClassVar[str] = "tree.ci"
    platform: str
    """``github-actions`` or ``gitlab-ci``."""
    path: str
    name: str | None
    triggers: tuple[str, ...]
    """Events the file as a whole reacts to (same vocabulary as ``CiJob.triggers``)."""
    jobs: tuple[CiJob, ...]
    permissions: str | None
    """Top-level token permissions as written (normalised), None if not set."""
    permissions_read_only: bool | None
    """True when the top-level permissions grant no write scope, None when not set."""
    templates: tuple[str, ...]
    """GitLab ``include`` templates/files, sorted."""
    categories: tuple[str, ...]
    """Union of the jobs' tool categories, sorted."""


# --------------------------------------------------------------------------- CODEOWNERS


@dataclass(frozen=True, slots=True, kw_only=True)
class OwnerRule:
    """One CODEOWNERS line: a path pattern and its owners."""

    line: int
    pattern: str
    owners: tuple[str, ...]
    section: str | None
    """GitLab section name (``[Section]``), None elsewhere."""


@dataclass(frozen=True, slots=True, kw_only=True)
class SensitivePath:
    """A sensitive area of this repository and whether CODEOWNERS covers it."""

    category: str
    """``auth``, ``security``, ``ci``, ``infrastructure``, ``migrations``, ``agent-config``."""
    path: str
    """A directory (ending in ``/``) or file of the HEAD tree."""
    files: int
    """Files under this path."""
    uncovered: int
    """Files under this path that no CODEOWNERS rule with owners matches."""
    owners: tuple[str, ...]
    """Owners of the covered files (sorted, de-duplicated)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class CodeOwners:
    """The effective CODEOWNERS file (or its absence) and the coverage of sensitive paths."""

    KIND: ClassVar[str] = "tree.codeowners"
    path: str | None
    """The file in effect, None when no file was found."""
    searched: tuple[str, ...]
    """Locations looked at, in precedence order."""
    rules: tuple[OwnerRule, ...]
    errors: tuple[str, ...]
    """Lines that could not be understood (``line N: why``)."""
    sensitive: tuple[SensitivePath, ...]


# --------------------------------------------------------------------------- AI tools


@dataclass(frozen=True, slots=True, kw_only=True)
class AgentHook:
    """A hook declared in an AI agent's configuration (e.g. Claude ``PreToolUse``)."""

    event: str
    matcher: str | None
    command: str
    blocking: bool
    """True for events that can stop an action (pre-tool, before-shell, ...)."""
    tools: tuple[ToolMatch, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class AiConfigFile:
    """One AI tool or agent configuration file and what it declares."""

    KIND: ClassVar[str] = "tree.ai_config"
    tool: str
    """Catalog tool id, e.g. ``claude-code``, ``cursor``, ``copilot``, ``cross-tool``."""
    path: str
    roles: tuple[str, ...]
    """Sorted, from: ``instructions``, ``guardrail``, ``mcp``, ``ci-agent``, ``provenance``,
    ``ignore``, ``environment``."""
    directives: int
    """Instruction files: number of lines that tell agents what they must or must not do."""
    deny_rules: tuple[str, ...]
    allow_rules: tuple[str, ...]
    ask_rules: tuple[str, ...]
    hooks: tuple[AgentHook, ...]
    mcp_servers: tuple[str, ...]
    """Names of declared MCP servers."""
    ignore_patterns: tuple[str, ...]
    """Patterns of AI ignore files (``.cursorignore``, ``.aiexclude``, ...)."""
    sandbox: tuple[str, ...]
    """Sandbox/approval settings as ``key=value``."""
    attribution_disabled: tuple[str, ...]
    """Settings that switch AI attribution off, as ``key=value``."""
    risky: tuple[str, ...]
    """Settings that widen what agents may do, as ``key=value``."""


# --------------------------------------------------------------------------- documents


@dataclass(frozen=True, slots=True, kw_only=True)
class PolicyDocument:
    """A policy or process document and what it covers."""

    KIND: ClassVar[str] = "tree.policy"
    path: str
    kinds: tuple[str, ...]
    """Sorted, from: ``ai-policy``, ``contributing``, ``security``, ``pr-template``,
    ``data-classification``."""
    mentions_ai: bool
    covers_review: bool
    """Asks for (human) review of changes, in a passage about AI where ``mentions_ai``."""
    attribution_trailers: tuple[str, ...]
    """Commit trailer keys the document names for AI attribution (e.g. ``Assisted-by``)."""
    forbids_attribution: bool
    """The document forbids AI attribution trailers (e.g. Kubernetes' rule)."""
    covers_data: bool
    """States rules for data, secrets or personal data (with AI, where ``mentions_ai``)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class SecretsBaseline:
    """A secrets-scanner baseline or configuration file kept in the repository."""

    KIND: ClassVar[str] = "tree.secrets_baseline"
    path: str
    tool: str
    """``detect-secrets``, ``gitleaks``, ``trufflehog``, ``ggshield``."""
    version: str | None
    results: int | None
    """Number of recorded findings (detect-secrets baselines), None when not applicable."""
    unaudited: int | None
    """Findings without an ``is_secret`` verdict, None when not applicable."""
    generated_at: str | None
    last_changed: str | None
    """ISO date of the last commit that changed the file."""


@dataclass(frozen=True, slots=True, kw_only=True)
class BomFile:
    """An SBOM, AI-BOM or provenance attestation file kept in the repository."""

    KIND: ClassVar[str] = "tree.bom"
    path: str
    format: str
    """``cyclonedx``, ``spdx``, ``in-toto``, ``slsa``."""
    spec_version: str | None
    components: int
    ai_components: int
    """CycloneDX ``machine-learning-model``/``data`` components or SPDX AI packages."""
    ai_codegen: bool
    """Carries cdxgen ``cdx:ai:codegen:*`` provenance properties."""


@dataclass(frozen=True, slots=True, kw_only=True)
class PolicyCode:
    """Policy-as-code files (OPA/Rego, Kyverno, Sentinel) kept in the repository."""

    KIND: ClassVar[str] = "tree.policy_code"
    engine: str
    paths: tuple[str, ...]
    """Sorted; at most 50 listed."""
    files: int


# --------------------------------------------------------------------------- git history


@dataclass(frozen=True, slots=True, kw_only=True)
class MonthCount:
    """Commits and AI-attributed commits in one calendar month (UTC)."""

    month: str
    """``YYYY-MM``."""
    commits: int
    ai_commits: int


@dataclass(frozen=True, slots=True, kw_only=True)
class History:
    """The commit history window that was read, with signing and activity figures."""

    KIND: ClassVar[str] = "git.history"
    since: str
    """ISO timestamp of the window start."""
    until: str
    """ISO timestamp of the window end (the run's ``as_of``)."""
    commits: int
    merges: int
    authors: int
    """Distinct author e-mail addresses (counted, never listed)."""
    signature_sample: int
    """How many of the window's most recent commits had their signatures checked (at most
    200: git verifies each signature with an external program)."""
    signed: int
    """Of the sample: commits carrying a signature."""
    verified: int
    """Of the sample: signatures git verified as good with the locally known keys."""
    unverifiable: int
    """Of the sample: signatures git could not check here (no public key or program)."""
    months: tuple[MonthCount, ...]
    shallow: bool
    truncated: bool
    """True when the history is shallow and the window reaches past its oldest commit."""
    oldest: str | None
    """ISO date of the oldest commit read."""


@dataclass(frozen=True, slots=True, kw_only=True)
class SignalCount:
    """How often one AI-attribution signal from the catalog occurred in the window."""

    signal: str
    """Catalog signal id, e.g. ``claude.coauthor``."""
    tool: str
    channel: str
    """``trailer``, ``identity``, ``branch``, ``body``."""
    confidence: str
    """``H``, ``M`` or ``L``."""
    commits: int
    model_named: int
    """Commits where the signal names the model or tool version."""
    first: str
    """ISO date of the first matching commit."""
    last: str
    examples: tuple[str, ...]
    """Up to five matching commit SHAs, oldest first, for re-checking by hand."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ToolUsage:
    """AI-attributed commits per tool."""

    tool: str
    commits: int
    first: str
    last: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Attribution:
    """AI attribution found in the commit history window."""

    KIND: ClassVar[str] = "git.attribution"
    commits: int
    """Commits in the window."""
    ai_commits: int
    """Commits with at least one AI signal (false-positive windows excluded)."""
    share: float
    """``ai_commits / commits``, rounded to 4 places (0.0 for no commits)."""
    model_named_commits: int
    """AI commits whose signal names the model or tool version."""
    tools: tuple[ToolUsage, ...]
    signals: tuple[SignalCount, ...]
    suspect: tuple[SignalCount, ...]
    """Matches inside known false-positive windows, reported but not counted."""
    ai_authors: tuple[str, ...]
    """Pseudonymised authors of AI commits: ``sha256(aims-author:<lower-case email>)[:12]``."""
    catalog_signals: int
    """Number of signals the catalog (plus ``--config``) checked."""


@dataclass(frozen=True, slots=True, kw_only=True)
class RefCount:
    """A provenance ref namespace and how many entries it holds locally."""

    ref: str
    entries: int


@dataclass(frozen=True, slots=True, kw_only=True)
class ProvenanceRefs:
    """Line-level AI provenance kept in git refs (git-ai notes, Entire checkpoints)."""

    KIND: ClassVar[str] = "git.provenance_refs"
    refs: tuple[RefCount, ...]
    """Only namespaces with at least one entry; empty when none are present locally."""


# --------------------------------------------------------------------------- platform
# Observable only through a platform API (GitHub/GitLab). A local scan records them as
# gaps with reason ``unsupported``; the platform collectors fill them in.


@dataclass(frozen=True, slots=True, kw_only=True)
class BranchRules:
    """Branch protection and rulesets in effect on the default branch (GitHub or GitLab)."""

    KIND: ClassVar[str] = "platform.branch_rules"
    branch: str
    requires_pull_request: bool
    required_approvals: int
    code_owner_review: bool
    dismiss_stale_approvals: bool | None
    """None when only the readers' view of classic protection was visible (no such field)."""
    required_checks: tuple[str, ...]
    enforce_admins: bool | None
    """Rules apply to administrators too; None when this token cannot see it (bypass lists
    and classic admin enforcement are visible to repository admins only)."""
    bypass_actors: tuple[str, ...]
    """Who may bypass the rules (``[bot]`` suffix for apps/bots), sorted."""
    signed_commits: bool | None
    """Signed commits are required; None when the setting that would say so is not visible
    to this token (GitLab push rules are for Maintainers)."""
    protected_paths: tuple[str, ...]
    org_level: bool
    """Some of these rules come from organisation/group level."""
    sources: tuple[str, ...] = ()
    """Where the rules come from, sorted: ``classic``, ``ruleset:NAME``, ``org-ruleset:NAME``
    (GitHub) or ``protected-branch`` (GitLab)."""
    unavailable: str | None = None
    """Why the platform offers some or all of these rules not at all for this repository
    (plan or product), as the platform said it; the fields it covers describe an absence."""
    pipeline_must_succeed: bool | None = None
    """GitLab: merge requests merge only after their pipeline succeeded, so every job that
    may not fail blocks the merge (None on GitHub, whose required checks are named)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class SecurityFeatures:
    """Platform security features of the repository."""

    KIND: ClassVar[str] = "platform.security_features"
    secret_scanning: bool | None
    push_protection: bool | None
    dependabot: bool | None
    code_scanning: bool | None


@dataclass(frozen=True, slots=True, kw_only=True)
class ReviewHistory:
    """Merged PRs/MRs with AI-attributed commits and their human approvals."""

    KIND: ClassVar[str] = "platform.reviews"
    merged: int
    ai_merged: int
    ai_human_approved: int
    ai_unapproved: tuple[int, ...] = ()
    """Numbers of AI-attributed PRs/MRs merged without another human's approval, ascending."""
    window_complete: bool = True
    """False when the platform listed fewer merged PRs/MRs than the window holds."""


@dataclass(frozen=True, slots=True, kw_only=True)
class DeployGates:
    """Deployment environments and their required reviewers."""

    KIND: ClassVar[str] = "platform.deploy_gates"
    environments: tuple[str, ...]
    gated: tuple[str, ...]
    unavailable: str | None = None
    """Why the platform offers no protected environments here (plan), as it said it."""


@dataclass(frozen=True, slots=True, kw_only=True)
class OrgRules:
    """Organisation/group-level rules and token defaults."""

    KIND: ClassVar[str] = "platform.org_rules"
    rulesets: tuple[str, ...]
    required_workflows: tuple[str, ...]
    path_restrictions: tuple[str, ...] | None
    """None when the setting that would hold them is not visible to this token (GitLab's
    group push rule is for group Owners)."""
    default_token_read_only: bool | None


PLATFORM_KINDS: tuple[type, ...] = (
    BranchRules,
    SecurityFeatures,
    ReviewHistory,
    DeployGates,
    OrgRules,
)

# --------------------------------------------------------------------------- code scan
# Filled by the deep code scan (``--deep``); without it, gaps ``not-collected``.


@dataclass(frozen=True, slots=True, kw_only=True)
class FileSkip:
    """Files of the HEAD tree the deep scan left out on purpose, by reason."""

    reason: str
    """``binary``, ``over 1 MiB``, ``vendored or generated``, ``lock file``, ``symlink``..."""
    count: int


@dataclass(frozen=True, slots=True, kw_only=True)
class SecretFinding:
    """A secret in a HEAD file: where, what kind, and a slow hash; never the value."""

    type: str
    """detect-secrets' name for it, e.g. ``AWS Access Key``."""
    path: str
    line: int
    fingerprint: str
    """``scrypt:`` hash of the value (same secret, same fingerprint, in any repository)."""
    commit: str | None
    """The commit that last wrote this line (git blame at HEAD); None when history does not
    reach it (shallow clone) or blame failed."""
    ai_attributed: bool | None
    """Whether that commit carries an AI attribution signal; None when ``commit`` is None."""
    ai_signals: tuple[str, ...]
    """Names of the catalog signals that matched that commit, sorted."""


@dataclass(frozen=True, slots=True, kw_only=True)
class CodeFinding:
    """A match of one of the bundled data-flow or risky-pattern rules."""

    rule: str
    category: str
    """``dataflow`` (data reaching where it must not) or ``risky-pattern``."""
    severity: str
    """``high``, ``medium`` or ``low``."""
    path: str
    line: int
    end_line: int
    message: str
    fingerprint: str
    """``sha256:`` of rule, path and the matched lines' text (stable when lines move)."""
    commit: str | None
    ai_attributed: bool | None
    ai_signals: tuple[str, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class SecretScan:
    """Secrets found by detect-secrets in the files of the HEAD tree."""

    KIND: ClassVar[str] = "code.secrets"
    engine: str
    files: int
    """Files examined (whether scanned in this run or answered from the blob cache, which
    is not recorded here: two runs over the same tree give the same evidence)."""
    skipped: tuple[FileSkip, ...]
    baseline: str | None
    """Path of the ``.secrets.baseline`` applied, if any."""
    audited_out: int
    """Findings the baseline marks as audited false positives (not reported)."""
    findings: tuple[SecretFinding, ...]
    """Sorted by path and line."""


@dataclass(frozen=True, slots=True, kw_only=True)
class FlowScan:
    """Matches of the bundled semgrep rules in the files of the HEAD tree."""

    KIND: ClassVar[str] = "code.flows"
    engine: str
    rules: str
    """``sha256:`` of the bundled rule files."""
    files: int
    """Files in scope of the rules and examined (now or from the blob cache)."""
    excluded: int
    """Files in scope that the repository's ``.semgrepignore`` excludes."""
    skipped: tuple[FileSkip, ...]
    findings: tuple[CodeFinding, ...]
    """Sorted by path, line and rule."""


CODE_KINDS: tuple[type, ...] = (SecretScan, FlowScan)


# --------------------------------------------------------------------------- people


@dataclass(frozen=True, slots=True, kw_only=True)
class AttestationRecord:
    """A person's declared answer, read from the attestation file (never an observation)."""

    KIND: ClassVar[str] = "attestation"
    id: str
    """The indicator or question it answers."""
    answer: bool
    """The declared answer as written: True for yes, False for no."""
    holds: bool
    """Whether that answer counts as met/favourable (for S1-Q4, "no" is favourable)."""
    owner: str
    date: str
    evidence: str
    """Link to the record behind the declaration."""
    expires: str | None
    note: str | None
    stale: bool
    """Older than the catalog's maximum age (or past ``expires``) at ``as_of``."""
