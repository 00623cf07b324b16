"""GraphQL queries of the GitHub sweep: many repositories per query, one alias each.

The sweep (:mod:`collectors.sources.github`) sends these and splits the answer by alias;
the platform collectors (:mod:`collectors.github_platform`) read the per-repository parts.
Owner, name and branch travel as variables, never spliced into the query text.

What a :class:`~collectors.sources.github_types.RepoHandle` holds:

* ``state.data`` is the repository object of :func:`state_query` for that alias::

    {nameWithOwner,
     defaultBranchRef: {name, target: {oid, committedDate},
                        refUpdateRule: {...},                 # classic protection, any reader
                        branchProtectionRule: {...}} | null,  # classic protection, admin only
     rulesets: {nodes: [{databaseId, name, enforcement, target, source: {__typename},
                         bypassActors: {nodes: [...]} | null}]},       # admin only
     environments: {totalCount, nodes: [{name, protectionRules: {nodes: [{type}]}}]}}

* ``pulls.data`` is the list of ``pullRequests.nodes`` of :func:`pulls_query` merged on or
  after the window's start (newest updated first), each with the fields of ``_PULL``.

Costs (GitHub's formula: one request per connection, assuming every ``first`` is reached,
divided by 100): a state query costs about 11 requests per repository (33 for an admin's:
rulesets and their bypass lists), so a full batch of 25 costs 3 to 8 points; a pulls query
about 101 per repository (the reviews and commits of each of 50 pull requests), so 5
points for 5 repositories.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

#: Repositories per state query (platform-apis.md §2.3: 25 or fewer).
MAX_STATE_REPOS = 25

#: Classic protection as any reader sees it (admin-only details are in ``_ADMIN``).
_REF_UPDATE_RULE = """refUpdateRule {
      pattern requiredApprovingReviewCount requiresCodeOwnerReviews
      requiredStatusCheckContexts requiresSignatures requiresLinearHistory
      allowsForcePushes allowsDeletions
    }"""

_STATE = f"""fragment RepoState on Repository {{
  nameWithOwner
  defaultBranchRef {{
    name
    target {{ ... on Commit {{ oid committedDate }} }}
    {_REF_UPDATE_RULE}
  }}
  environments(first: 10) {{
    totalCount
    nodes {{ name protectionRules(first: 5) {{ nodes {{ type }} }} }}
  }}
}}"""

_ACTOR = "__typename ... on App { slug } ... on Team { slug } ... on User { login }"

#: Fields that non-admins get errors for: asked only for repositories the caller administers.
_ADMIN = f"""fragment AdminState on Repository {{
  defaultBranchRef {{
    branchProtectionRule {{
      pattern isAdminEnforced requiresApprovingReviews requiredApprovingReviewCount
      requiresCodeOwnerReviews dismissesStaleReviews requiresStatusChecks
      requiredStatusCheckContexts requiresCommitSignatures
      bypassPullRequestAllowances(first: 20) {{ nodes {{ actor {{ {_ACTOR} }} }} }}
    }}
  }}
  rulesets(first: 20, includeParents: true) {{
    nodes {{
      databaseId name enforcement target
      source {{ __typename }}
      bypassActors(first: 20) {{
        nodes {{
          bypassMode organizationAdmin enterpriseOwner deployKey repositoryRoleName
          actor {{ __typename ... on App {{ slug }} ... on Team {{ slug }} }}
        }}
      }}
    }}
  }}
}}"""

_AUTHOR = "__typename login ... on User { databaseId } ... on Bot { databaseId }"

_PULL = f"""fragment PullFields on PullRequest {{
  number mergedAt updatedAt headRefName body
  author {{ {_AUTHOR} }}
  reviews(first: 30, states: [APPROVED]) {{ nodes {{ state author {{ {_AUTHOR} }} }} }}
  commits(first: 100) {{
    totalCount
    nodes {{
      commit {{
        oid message authoredDate committedDate
        author {{ email name user {{ login }} }}
        committer {{ email name }}
      }}
    }}
  }}
}}"""


def alias(i: int) -> str:
    """The alias of the ``i``-th repository of a batched query (``r0``, ``r1``...)."""
    return f"r{i}"


def state_query(repos: Sequence[tuple[str, str, bool]]) -> tuple[str, dict[str, Any]]:
    """Query and variables for the state of up to 25 repositories ``(owner, name, admin)``."""
    _check_batch(repos, MAX_STATE_REPOS)
    fields = []
    variables: dict[str, Any] = {}
    for i, (owner, name, admin) in enumerate(repos):
        spreads = "...RepoState ...AdminState" if admin else "...RepoState"
        fields.append(f"  {alias(i)}: repository(owner: $o{i}, name: $n{i}) {{ {spreads} }}")
        variables[f"o{i}"], variables[f"n{i}"] = owner, name
    fragments = [_STATE] + ([_ADMIN] if any(admin for _, _, admin in repos) else [])
    return _document("State", variables, fields, fragments), variables


def pulls_query(repos: Sequence[tuple[str, str, str]], first: int = 50,
                after: str | None = None) -> tuple[str, dict[str, Any]]:
    """Query and variables for merged PRs into ``branch`` per ``(owner, name, branch)``.

    Newest updated first (a merge updates a PR, so a page older than the window ends the
    walk). ``after`` continues one repository's walk: pass a single repository with it.
    """
    _check_batch(repos, MAX_STATE_REPOS)
    if after is not None and len(repos) != 1:
        raise ValueError("a page cursor belongs to one repository")
    fields = []
    variables: dict[str, Any] = {"first": first}
    if after is not None:
        variables["after"] = after
    page = "first: $first" + (", after: $after" if after is not None else "")
    for i, (owner, name, branch) in enumerate(repos):
        fields.append(
            f"  {alias(i)}: repository(owner: $o{i}, name: $n{i}) {{\n"
            f"    pullRequests(states: [MERGED], baseRefName: $b{i}, {page},\n"
            "                 orderBy: {field: UPDATED_AT, direction: DESC}) {\n"
            "      pageInfo { hasNextPage endCursor }\n"
            "      nodes { ...PullFields }\n"
            "    }\n"
            "  }")
        variables[f"o{i}"], variables[f"n{i}"], variables[f"b{i}"] = owner, name, branch
    return _document("Pulls", variables, fields, [_PULL]), variables


def _check_batch(repos: Sequence[object], limit: int) -> None:
    if not 1 <= len(repos) <= limit:
        raise ValueError(f"a batch holds 1 to {limit} repositories, not {len(repos)}")


_TYPES = {"first": "Int!", "after": "String!"}


def _document(name: str, variables: dict[str, Any], fields: Sequence[str],
              fragments: Sequence[str]) -> str:
    """A named query declaring every variable (``o``/``n``/``b`` + index are strings)."""
    declared = ", ".join(f"${key}: {_TYPES.get(key, 'String!')}" for key in variables)
    body = "\n".join(fields)
    return f"query {name}({declared}) {{\n{body}\n}}\n\n" + "\n\n".join(fragments) + "\n"


# --------------------------------------------------------------------------- readers
# GitHub's JSON is read defensively: a field of an unexpected type reads as empty, so a
# surprising answer gives an observation about what was there instead of an exception.
