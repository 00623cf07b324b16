"""Merged GitLab merge requests of the window: which were AI-attributed, and which a human approved.

The same reading as for GitHub pull requests (:mod:`collectors.github_reviews`): a merge
request is AI-attributed when the signature catalog recognises it as the merge commit GitLab
would write for it (``Merge branch 'SOURCE' into 'TARGET'``, description as body, author's
identity), or recognises any of its commits. An approval counts when it comes from a person
other than the author whose account is neither a bot nor an AI identity.

Input: the handle's ``merge_requests`` list, each a REST ``MergeRequest`` with the added
``commits`` (its ``Commit`` list) and ``approvals`` (its ``/approvals`` answer).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from collectors.attribution import Matcher, match_commit
from collectors.review_signals import TrailerReader, ai_account, commit_record, merge_record
from collectors.sources.base import CommitRecord
from collectors.sources.json_shapes import mapping, moment, objects
from scanner.payloads import ReviewHistory

#: Accounts that are not people: project/group access-token bots and ``-bot`` style names.
_BOT = re.compile(r"(?:project|group)_\d+_bot\w*|.*(?:-bot|_bot|\[bot\])", re.I)


def unread(merge_requests: Sequence[Any]) -> tuple[int, ...]:
    """Iids of merge requests whose commits or approvals could not be read, ascending."""
    return tuple(sorted(iid for mr in objects(list(merge_requests))
                        if (mr.get("commits") is None or mr.get("approvals") is None)
                        and (iid := _iid(mr)) is not None))


def parse_reviews(merge_requests: Sequence[Any], matcher: Matcher, *,
                  complete: bool) -> ReviewHistory:
    """Count merged MRs, AI-attributed ones and those another human approved."""
    trailers = TrailerReader(matcher)
    merged = ai_merged = approved = 0
    unapproved: list[int] = []
    for mr in objects(list(merge_requests)):
        merged += 1
        if not ai_attributed(mr, matcher, trailers):
            continue
        ai_merged += 1
        if human_approved(mr, matcher):
            approved += 1
        elif (iid := _iid(mr)) is not None:
            unapproved.append(iid)
    return ReviewHistory(merged=merged, ai_merged=ai_merged, ai_human_approved=approved,
                         ai_unapproved=tuple(sorted(unapproved)), window_complete=complete)


def ai_attributed(mr: Mapping[str, Any], matcher: Matcher, trailers: TrailerReader) -> bool:
    """True when the MR (as its merge commit) or any of its commits carries a catalog signal."""
    if match_commit(_as_merge_commit(mr, trailers), matcher).ai:
        return True
    return any(match_commit(_as_commit(commit, trailers), matcher).ai
               for commit in objects(mr.get("commits")))


def human_approved(mr: Mapping[str, Any], matcher: Matcher) -> bool:
    """True when a person other than the author (not a bot, not an AI account) approved."""
    author = str(mapping(mr.get("author")).get("username") or "").lower()
    for entry in objects(mapping(mr.get("approvals")).get("approved_by")):
        approver = mapping(entry.get("user"))
        username = str(approver.get("username") or "")
        if (username and username.lower() != author and not is_bot(approver)
                and not ai_account(identities(approver), matcher)):
            return True
    return False


def is_bot(user: Mapping[str, Any]) -> bool:
    """True for a bot account: ``project_N_bot…``, ``group_N_bot…`` or a ``-bot`` name."""
    return _BOT.fullmatch(str(user.get("username") or "")) is not None


def identities(user: Mapping[str, Any]) -> tuple[str, ...]:
    """The ``Name <ID-USERNAME@users.noreply.gitlab.com>`` form of a GitLab account.

    An account's public address is not in the API's user object; only GitLab's noreply
    form can be derived from it.
    """
    username, number = user.get("username"), user.get("id")
    if not username or not isinstance(number, int):
        return ()
    name = str(user.get("name") or username)
    return (f"{name} <{number}-{username}@users.noreply.gitlab.com>",)


def _as_merge_commit(mr: Mapping[str, Any], trailers: TrailerReader) -> CommitRecord:
    """The MR as the merge commit GitLab writes for it."""
    subject = (f"Merge branch '{mr.get('source_branch') or ''}' "
               f"into '{mr.get('target_branch') or ''}'")
    return merge_record(subject, str(mr.get("description") or ""),
                        identities(mapping(mr.get("author"))), moment(mr.get("merged_at")),
                        trailers)


def _as_commit(commit: Mapping[str, Any], trailers: TrailerReader) -> CommitRecord:
    """One MR commit (REST ``Commit``), shaped like a commit read from git."""
    return commit_record(
        str(commit.get("id") or ""), str(commit.get("message") or ""),
        author=(str(commit.get("author_name") or ""), str(commit.get("author_email") or "")),
        committer=(str(commit.get("committer_name") or ""),
                   str(commit.get("committer_email") or "")),
        authored=moment(commit.get("authored_date")),
        committed=moment(commit.get("committed_date")), trailers=trailers)


def _iid(mr: Mapping[str, Any]) -> int | None:
    iid = mr.get("iid")
    return iid if isinstance(iid, int) and not isinstance(iid, bool) else None
