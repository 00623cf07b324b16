"""Merged pull requests of the window: which were AI-attributed, and which a human approved.

A pull request is AI-attributed when the signature catalog recognises it by any channel:
its author's identity, its head branch, its description, or any of its commits (which
catches squash merges, whose single commit on the default branch may have lost the
original trailers). The pull request itself is read as the merge commit git would write for
it, so that :func:`collectors.attribution.match_commit` decides, false-positive windows
included. An approval counts when it comes from a person other than the author whose
account is not an AI identity.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from collectors.attribution import Matcher, match_commit
from collectors.review_signals import TrailerReader, ai_account, commit_record, merge_record
from collectors.sources.base import CommitRecord
from collectors.sources.json_shapes import mapping, moment, nodes
from scanner.payloads import ReviewHistory


def parse_reviews(pulls: Sequence[Any], matcher: Matcher, *, complete: bool) -> ReviewHistory:
    """Count merged PRs, AI-attributed ones and those another human approved."""
    trailers = TrailerReader(matcher)
    merged = ai_merged = approved = 0
    unapproved: list[int] = []
    for pull in pulls:
        if not isinstance(pull, Mapping):
            continue
        merged += 1
        if not ai_attributed(pull, matcher, trailers):
            continue
        ai_merged += 1
        if human_approved(pull, matcher):
            approved += 1
        elif isinstance(pull.get("number"), int):
            unapproved.append(pull["number"])
    return ReviewHistory(merged=merged, ai_merged=ai_merged, ai_human_approved=approved,
                         ai_unapproved=tuple(sorted(unapproved)), window_complete=complete)


def ai_attributed(pull: Mapping[str, Any], matcher: Matcher, trailers: TrailerReader) -> bool:
    """True when the PR or any of its listed commits carries a catalog signal."""
    if match_commit(_as_merge_commit(pull, trailers), matcher).ai:
        return True
    return any(match_commit(_as_commit(mapping(node.get("commit")), trailers), matcher).ai
               for node in nodes(pull.get("commits")))


def human_approved(pull: Mapping[str, Any], matcher: Matcher) -> bool:
    """True when a person other than the author (and not an AI account) approved."""
    author = str(mapping(pull.get("author")).get("login") or "").lower()
    for review in nodes(pull.get("reviews")):
        reviewer = mapping(review.get("author"))
        login = str(reviewer.get("login") or "")
        if (review.get("state") == "APPROVED" and reviewer.get("__typename") == "User"
                and login and login.lower() != author
                and not ai_account(identities(reviewer), matcher)):
            return True
    return False


def identities(account: Mapping[str, Any]) -> tuple[str, ...]:
    """``Name <noreply address>`` forms of a GitHub account, as its commits would carry.

    GitHub's noreply address is ``ID+LOGIN@users.noreply.github.com``; apps' bot accounts
    add ``[bot]`` to the login, except a few (Copilot's agent), so bots get both forms.
    """
    login = str(account.get("login") or "").removesuffix("[bot]")
    number = account.get("databaseId")
    if not login or not isinstance(number, int):
        return ()
    forms = [f"{login} <{number}+{login}@users.noreply.github.com>"]
    if account.get("__typename") == "Bot":
        forms.insert(0, f"{login}[bot] <{number}+{login}[bot]@users.noreply.github.com>")
    return tuple(forms)


def _as_merge_commit(pull: Mapping[str, Any], trailers: TrailerReader) -> CommitRecord:
    """The PR as a merge commit: subject naming the head branch, the description as body,
    and the author's identities as author and committer."""
    return merge_record(f"Merge branch '{pull.get('headRefName') or ''}'",
                        str(pull.get("body") or ""), identities(mapping(pull.get("author"))),
                        moment(pull.get("mergedAt")), trailers)


def _as_commit(commit: Mapping[str, Any], trailers: TrailerReader) -> CommitRecord:
    """One PR commit from GraphQL, shaped like a commit read from git."""
    author, committer = mapping(commit.get("author")), mapping(commit.get("committer"))
    return commit_record(str(commit.get("oid") or ""), str(commit.get("message") or ""),
                         author=_person(author), committer=_person(committer),
                         authored=moment(commit.get("authoredDate")),
                         committed=moment(commit.get("committedDate")), trailers=trailers)


def _person(person: Mapping[str, Any]) -> tuple[str, str]:
    return str(person.get("name") or ""), str(person.get("email") or "")
