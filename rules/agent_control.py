"""Coding Agent Behavioral Control (Model D): boundaries on the AI tools themselves."""

from __future__ import annotations

from rules.queries import absent, ai_files, observed, paths
from rules.registry import rule
from scanner.evidence import Facts, Gap, UnknownReason
from scanner.model import Outcome
from scanner.payloads import AiConfigFile, BranchRules, CodeOwners, OrgRules


@rule("ABC-2a")
def agents_instructed(facts: Facts) -> Outcome:
    """An agent instruction file says what agents must and must not do."""
    instructions = ai_files(facts, "instructions")
    directed = [e for e in instructions if e.payload.directives > 0]
    if directed:
        total = sum(e.payload.directives for e in directed)
        return Outcome.met(f"{total} directive(s) for agents in {paths(directed)}", *directed)
    summary = (f"instruction files ({paths(instructions)}) state no do/don't rules"
               if instructions else "no agent instruction file")
    return absent(facts, summary, AiConfigFile, seen=instructions)


@rule("ABC-3a")
def sensitive_paths_owned(facts: Facts) -> Outcome:
    """CODEOWNERS covers the repository's sensitive paths."""
    found = facts.one(CodeOwners)
    if isinstance(found, Gap):
        return Outcome.unknown(f"CODEOWNERS could not be read: {found.detail}", found)
    if found is None:
        return absent(facts, "no CODEOWNERS evidence", CodeOwners)
    owners = found.payload
    uncovered = [s for s in owners.sensitive if s.uncovered]
    listed = ", ".join(f"{s.path} ({s.category})" for s in uncovered[:5])
    more = f" and {len(uncovered) - 5} more" if len(uncovered) > 5 else ""
    if owners.path is None:
        if not owners.sensitive:
            return Outcome.unmet("no CODEOWNERS file", found)
        return Outcome.unmet(f"no CODEOWNERS file; unowned: {listed}{more}", found)
    if uncovered:
        return Outcome.unmet(f"sensitive paths without owners: {listed}{more}", found)
    if not owners.sensitive:
        return Outcome.met(f"{owners.path} present; no sensitive paths in this tree", found)
    return Outcome.met(f"all {len(owners.sensitive)} sensitive paths have owners", found)


@rule("ABC-3b")
def agent_tooling_declared(facts: Facts) -> Outcome:
    """MCP servers and agent tools are declared in versioned configuration."""
    declared = [e for e in ai_files(facts) if e.payload.mcp_servers]
    if declared:
        servers = sorted({s for e in declared for s in e.payload.mcp_servers})
        return Outcome.met(f"MCP servers declared: {', '.join(servers[:5])} "
                           f"({paths(declared)})", *declared)
    return absent(facts, "no MCP server or agent tool declared in the repository", AiConfigFile,
                  seen=ai_files(facts, "mcp"))


def _narrows(config: AiConfigFile) -> bool:
    """Settings that limit an agent; risky ones (bypass modes, ``allow: Bash``) widen it."""
    risky = set(config.risky)
    return bool(config.deny_rules or config.ask_rules or config.ignore_patterns
                or [r for r in config.allow_rules if f"allow={r}" not in risky]
                or [s for s in config.sandbox if s not in risky]
                or any(h.blocking for h in config.hooks))


@rule("ABC-4a")
def agent_permissions_enforced(facts: Facts) -> Outcome:
    """Agent settings enforce deny/allow rules, blocking hooks, a sandbox or ignore files."""
    enforcing = [e for e in ai_files(facts) if _narrows(e.payload)]
    risky = sorted({r for e in ai_files(facts) for r in e.payload.risky})
    warning = f"; risky settings: {', '.join(risky)}" if risky else ""
    if enforcing:
        return Outcome.met(f"enforced agent settings in {paths(enforcing)}{warning}", *enforcing)
    return absent(facts, f"no enforced agent permissions{warning}", AiConfigFile,
                  seen=ai_files(facts))


@rule("ABC-4b")
def path_boundaries_enforced_on_merge(facts: Facts) -> Outcome:
    """A ruleset/push rule or required owner review guards protected paths on merge."""
    found = observed(facts, BranchRules)
    if isinstance(found, Outcome):
        return found
    rules = found.payload
    if rules.protected_paths:
        return Outcome.met(f"path restrictions: {', '.join(rules.protected_paths[:5])}", found)
    if not rules.code_owner_review:
        return Outcome.unmet("no path restriction and no required owner review", found)
    owners = observed(facts, CodeOwners)
    if isinstance(owners, Outcome):
        return Outcome.unknown(f"owner review required; CODEOWNERS: {owners.summary}", found,
                               *facts.gaps(CodeOwners))
    if owners.payload.path and not any(s.uncovered for s in owners.payload.sensitive):
        return Outcome.met("code owner review required and sensitive paths owned", found, owners)
    return Outcome.unmet("owner review required but sensitive paths lack owners", found, owners)


@rule("ABC-5a")
def platform_scopes_agents(facts: Facts) -> Outcome:
    """Path restrictions and least-privilege tokens are defined at organisation level."""
    found = observed(facts, OrgRules)
    if isinstance(found, Outcome):
        return found
    org = found.payload
    if org.path_restrictions is None:
        return Outcome.unknown("organisation path restrictions are not visible to this token",
                               found, reason=UnknownReason.NOT_PERMITTED)
    if org.path_restrictions and org.default_token_read_only:
        return Outcome.met("organisation path restrictions and read-only default tokens", found)
    if org.path_restrictions and org.default_token_read_only is None:
        return Outcome.unknown("organisation path restrictions; default token permissions not "
                               "visible to this token", found)
    return Outcome.unmet("organisation does not scope agents (path rules and read-only tokens)",
                         found)
