"""GitLab merge request reviews: AI attribution and human approval on GitLab's REST shapes.

Merge requests, commits and approvals follow GitLab's API documentation
(``doc/api/merge_requests.md``, ``doc/api/commits.md``, ``doc/api/merge_request_approvals.md``)
with the two keys the GitLab source adds to each merge request: ``commits`` and ``approvals``.
"""

from __future__ import annotations

import hashlib
from typing import Any

import pytest

from collectors.attribution import Matcher
from collectors.gitlab_reviews import (
    ai_attributed,
    human_approved,
    identities,
    is_bot,
    parse_reviews,
    unread,
)
from collectors.review_signals import TrailerReader
from scanner.catalog import Catalog
from scanner.payloads import ReviewHistory


@pytest.fixture(scope="module")
def matcher(catalog: Catalog) -> Matcher:
    return Matcher(catalog.signatures)


#: A catalog that knows one GitLab account as an AI agent (the packaged one knows none yet).
DUO = {"signals": [{"id": "test.gitlab_agent", "tool": "gitlab-duo", "channel": "identity",
                    "confidence": "H",
                    "pattern": r"<5-duo-developer@users\.noreply\.gitlab\.com>$"}]}


@pytest.fixture(scope="module")
def duo_matcher(catalog: Catalog) -> Matcher:
    return Matcher(catalog.signatures.extend(DUO))


def user(username: str, number: int, name: str | None = None,
         state: str = "active") -> dict[str, Any]:
    """A ``UserBasic`` as merge requests and approvals embed it."""
    return {"id": number, "username": username, "name": name or username.title(),
            "state": state, "locked": False,
            "avatar_url": f"https://gitlab.example.com/uploads/{username}.png",
            "web_url": f"https://gitlab.example.com/{username}"}


ALICE, BOB = user("alice", 11, "Alice Liddell"), user("bob", 12, "Bob Builder")
DUO_AGENT = user("duo-developer", 5, "GitLab Duo")


def commit(message: str, name: str = "Alice Liddell",
           email: str = "alice@example.com") -> dict[str, Any]:
    """A ``Commit`` as ``GET /projects/:id/merge_requests/:iid/commits`` lists it."""
    sha = hashlib.sha1(message.encode()).hexdigest()  # a fake commit id
    return {"id": sha, "short_id": sha[:8], "title": message.splitlines()[0],
            "message": message, "author_name": name, "author_email": email,
            "authored_date": "2026-10-01T10:00:00.000+00:00", "committer_name": name,
            "committer_email": email, "committed_date": "2026-10-01T10:00:00.000+00:00",
            "created_at": "2026-10-01T10:00:00.000+00:00", "parent_ids": ["0" * 40],
            "web_url": f"https://gitlab.example.com/acme/api/-/commit/{sha}",
            "trailers": {}, "extended_trailers": {}}


def approvals(*approvers: dict[str, Any]) -> dict[str, Any]:
    """A merge request's ``/approvals`` answer."""
    return {"id": 101, "iid": 1, "project_id": 7, "title": "Add feature", "description": "",
            "state": "merged", "created_at": "2026-09-30T09:00:00.000Z",
            "updated_at": "2026-10-01T12:00:00.000Z", "merge_status": "can_be_merged",
            "approved": bool(approvers), "approvals_required": 0, "approvals_left": 0,
            "approved_by": [{"user": approver} for approver in approvers]}


def merge_request(iid: int = 1, **changes: Any) -> dict[str, Any]:
    """A merged human MR approved by another human; rows change one field."""
    base: dict[str, Any] = {
        "id": 100 + iid, "iid": iid, "project_id": 7, "title": "Add feature",
        "description": "Adds a feature.", "state": "merged",
        "merged_at": "2026-10-01T12:00:00.000Z", "updated_at": "2026-10-01T12:00:00.000Z",
        "created_at": "2026-09-30T09:00:00.000Z", "target_branch": "main",
        "source_branch": "feature", "author": ALICE, "merge_commit_sha": "b" * 40,
        "squash_commit_sha": None, "squash": False, "sha": "c" * 40,
        "web_url": f"https://gitlab.example.com/acme/api/-/merge_requests/{iid}",
        "commits": [commit("Add feature")], "approvals": approvals(BOB)}
    base.update(changes)
    return base


CLAUDE = "Claude <noreply@anthropic.com>"
ATTRIBUTION_ROWS: dict[str, tuple[dict[str, Any], bool]] = {
    "human MR": (merge_request(), False),
    "a commit's Co-authored-by trailer": (
        merge_request(commits=[commit("Fix"),
                               commit(f"Handle expiry\n\nCo-authored-by: {CLAUDE}")]), True),
    "the same line mid-message is no trailer": (
        merge_request(commits=[commit(f"Doc\n\nCo-authored-by: {CLAUDE}\n\nExample.")]), False),
    "agent branch": (merge_request(source_branch="claude/fix-login"), True),
    "agent branch name elsewhere in the path is not one": (
        merge_request(source_branch="feature/claude/fix"), False),
    "description marker": (
        merge_request(description="Faster.\n\n🤖 Generated with [Claude Code](https://claude.com)"),
        True),
    "AI commit identity": (
        merge_request(commits=[commit("x", "Cursor Agent", "cursoragent@cursor.com")]), True),
    "a bot authored the MR (project access token)": (
        merge_request(author=user("project_7_bot_3f2a", 90, "renovate")), False),
}


@pytest.mark.parametrize("name", list(ATTRIBUTION_ROWS))
def test_ai_attributed(name: str, matcher: Matcher) -> None:
    data, expected = ATTRIBUTION_ROWS[name]
    assert ai_attributed(data, matcher, TrailerReader(matcher)) is expected


def test_an_ai_account_authoring_the_mr(matcher: Matcher, duo_matcher: Matcher) -> None:
    mr = merge_request(author=DUO_AGENT)
    assert ai_attributed(mr, duo_matcher, TrailerReader(duo_matcher)) is True
    assert ai_attributed(mr, matcher, TrailerReader(matcher)) is False


AI: dict[str, Any] = {"source_branch": "codex/add-cache"}
APPROVAL_ROWS: dict[str, tuple[list[dict[str, Any]], bool]] = {
    "another human approved": ([BOB], True),
    "a blocked human's approval still counts": ([user("carol", 13, state="blocked")], True),
    "self-approval does not count": ([ALICE], False),
    "self-approval, username case differs": ([user("ALICE", 11)], False),
    "project bot approval does not count": ([user("project_7_bot_3f2a", 90)], False),
    "group bot approval does not count": ([user("group_3_bot_77", 91)], False),
    "a -bot account does not count": ([user("review-bot", 92)], False),
    "self and a bot": ([ALICE, user("danger_bot", 93)], False),
    "no approval": ([], False),
}


@pytest.mark.parametrize("name", list(APPROVAL_ROWS))
def test_human_approval_of_an_ai_mr(name: str, matcher: Matcher) -> None:
    approvers, approved = APPROVAL_ROWS[name]
    history = parse_reviews([merge_request(7, approvals=approvals(*approvers), **AI)], matcher,
                            complete=True)
    assert history == ReviewHistory(merged=1, ai_merged=1, ai_human_approved=int(approved),
                                    ai_unapproved=() if approved else (7,))


def test_an_ai_account_approving_does_not_count(duo_matcher: Matcher) -> None:
    mr = merge_request(approvals=approvals(DUO_AGENT), **AI)
    assert human_approved(mr, duo_matcher) is False
    assert human_approved(merge_request(approvals=approvals(DUO_AGENT, BOB)), duo_matcher)


def test_parse_reviews_counts_the_window(matcher: Matcher) -> None:
    mrs = [merge_request(9, source_branch="claude/a", approvals=approvals()),
           merge_request(4),
           merge_request(3, source_branch="codex/b"),
           merge_request(5, commits=[commit(f"Fix\n\nCo-authored-by: {CLAUDE}")],
                         approvals=approvals(ALICE)),
           "not an object"]
    assert parse_reviews(mrs, matcher, complete=False) == ReviewHistory(
        merged=4, ai_merged=3, ai_human_approved=1, ai_unapproved=(5, 9), window_complete=False)


def test_unread_merge_requests() -> None:
    mrs = [merge_request(8, commits=None), merge_request(2), merge_request(5, approvals=None)]
    assert unread(mrs) == (5, 8)
    assert unread([merge_request(2)]) == ()


@pytest.mark.parametrize(("account", "expected"), [
    (ALICE, ("Alice Liddell <11-alice@users.noreply.gitlab.com>",)),
    ({"id": 12, "username": "bob"}, ("bob <12-bob@users.noreply.gitlab.com>",)),
    ({"username": "ghost"}, ()),
    ({}, ()),
])
def test_identities(account: dict[str, Any], expected: tuple[str, ...]) -> None:
    assert identities(account) == expected


@pytest.mark.parametrize(("username", "expected"), [
    ("project_7_bot_3f2a", True), ("project_7_bot", True), ("group_12_bot_ab", True),
    ("review-bot", True), ("danger_bot", True), ("gitlab[bot]", True),
    ("alice", False), ("bottom", False), ("robot", False), ("abbot", False), ("bot_builder", False),
])
def test_is_bot(username: str, expected: bool) -> None:
    assert is_bot({"username": username}) is expected
