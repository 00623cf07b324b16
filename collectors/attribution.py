"""AI attribution in git history: which commits of the window carry AI signals, and how many.

One pass over the window's commits (one streamed ``git log``) gives three evidence kinds:
``git.history`` (commit, merge, author and signature figures per month), ``git.attribution``
(which catalog signals matched, per signal and per tool) and ``git.provenance_refs`` (local
git-ai notes and Entire checkpoint refs). Memory stays flat whatever the history length:
only counters, bounded example lists and the set of author addresses (which grows with
people, not commits) are kept.

Matching is cheap for the common commit without any signal: a :class:`Matcher` looks up the
trailer keys, runs one combined regex over the message, looks up identities in a memo and
parses the subject only when it is a merge subject; the individual signals run only on the
few candidates. :func:`match_commit` answers "is this commit AI-attributed?" for reuse
elsewhere (e.g. a deep scan tying findings to commits). Branch names are taken from merge
subjects whatever the commit's parents, since a rebased merge subject keeps the name too.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

import git

from collectors.base import Collector, Context
from collectors.sources.base import CommitRecord
from scanner.catalog.signatures import FLAGS, FalsePositiveWindow, Signal, SignatureCatalog
from scanner.evidence import Item, UnknownReason, make_evidence, make_gap
from scanner.payloads import (
    Attribution,
    History,
    MonthCount,
    ProvenanceRefs,
    RefCount,
    SignalCount,
    ToolUsage,
)

#: Example SHAs kept per signal, for re-checking by hand.
MAX_EXAMPLES = 5
#: Most recent commits whose signatures git verifies (one external program call each).
SIGNATURE_SAMPLE = 200

#: Merge subjects written by GitHub, git and GitLab, with the merged branch's name.
_MERGE_SUBJECT = re.compile(
    r"\AMerge (?:pull request #\d+ from [^/\s]+/(?P<pr>[^\s]+)|branch '(?P<branch>[^'\n]+)')")


@dataclass(frozen=True, slots=True)
class Hit:
    """One signal that matched a commit, with the model it names (if any)."""

    signal: Signal
    model: str | None


@dataclass(frozen=True, slots=True)
class CommitMatch:
    """The signals that matched one commit."""

    hits: tuple[Hit, ...]
    """Matches that count as AI attribution."""
    suspect: tuple[Hit, ...]
    """Matches inside a known false-positive window: reported, not counted."""

    @property
    def ai(self) -> bool:
        """True when the commit is AI-attributed."""
        return bool(self.hits)


NO_MATCH = CommitMatch((), ())


class Matcher:
    """A signature catalog compiled for matching many commits quickly.

    Identity results are memoised per distinct ``Name <email>`` (a history has far fewer
    identities than commits); the memo is capped so memory stays bounded.
    """

    MEMO_LIMIT = 50_000

    def __init__(self, catalog: SignatureCatalog) -> None:
        by_channel: dict[str, list[Signal]] = {}
        by_trailer: dict[str, list[Signal]] = {}
        for signal in catalog.signals:
            by_channel.setdefault(signal.channel, []).append(signal)
            if signal.trailer is not None:
                by_trailer.setdefault(signal.trailer, []).append(signal)
        self.signals = len(catalog.signals)
        self.by_trailer = {k: tuple(v) for k, v in by_trailer.items()}
        self.body = tuple(by_channel.get("body", ()))
        self.identity = tuple(by_channel.get("identity", ()))
        self.branch = tuple(by_channel.get("branch", ()))
        # Case-insensitive search is several times slower in Python's re than a plain one:
        # patterns without upper-case letters are searched as written in lower-cased text.
        lower = [s for s in self.body if not _has_upper(s.pattern.pattern)]
        self.body_lower = _union(lower, re.M)
        self.body_other = _union([s for s in self.body if s not in lower], FLAGS)
        windows: dict[str, list[FalsePositiveWindow]] = {}
        for window in catalog.windows:
            windows.setdefault(window.signal, []).append(window)
        self.windows = {k: tuple(v) for k, v in windows.items()}
        self._identities: dict[str, tuple[Hit, ...]] = {}

    def body_candidate(self, message: str) -> bool:
        """True when some body signal may match (cheap; confirmed by the signals)."""
        return bool((self.body_lower and self.body_lower.search(message.lower()))
                    or (self.body_other and self.body_other.search(message)))

    def identity_hits(self, identity: str) -> tuple[Hit, ...]:
        """The identity signals matching ``Name <email>`` (memoised)."""
        hits = self._identities.get(identity)
        if hits is None:
            found: dict[str, Hit] = {}
            for signal in self.identity:
                _try(signal, identity, found)
            hits = tuple(found.values())
            if len(self._identities) < self.MEMO_LIMIT:
                self._identities[identity] = hits
        return hits


def _has_upper(pattern: str) -> bool:
    """True when a regex has upper-case letters outside escapes (``\\S``, ``\\A``...)."""
    return any(c.isupper() for c in re.sub(r"\\.", "", pattern))


def _union(signals: Sequence[Signal], flags: int) -> re.Pattern[str] | None:
    """One regex matching wherever any of the signals' patterns matches (a prefilter)."""
    if not signals:
        return None
    return re.compile("|".join(f"(?:{s.pattern.pattern})" for s in signals), flags)


def match_commit(commit: CommitRecord, matcher: Matcher) -> CommitMatch:
    """The catalog signals that match this commit, split by false-positive windows."""
    found: dict[str, Hit] = {}
    for key, value in commit.trailers:
        for signal in matcher.by_trailer.get(key.lower(), ()):
            _try(signal, value, found)
    if matcher.body_candidate(commit.message):
        for signal in matcher.body:
            _try(signal, commit.message, found)
    for hit in matcher.identity_hits(commit.author) + matcher.identity_hits(commit.committer):
        found.setdefault(hit.signal.id, hit)
    merged = _MERGE_SUBJECT.match(commit.message)
    if merged:
        branch = merged.group("pr") or merged.group("branch")
        for signal in matcher.branch:
            _try(signal, branch, found)
    if not found:
        return NO_MATCH
    day = commit.authored.astimezone(UTC).date()
    hits: list[Hit] = []
    suspect: list[Hit] = []
    for hit in found.values():
        windows = matcher.windows.get(hit.signal.id, ())
        (suspect if any(w.covers(day) for w in windows) else hits).append(hit)
    return CommitMatch(tuple(hits), tuple(suspect))


def _try(signal: Signal, text: str, found: dict[str, Hit]) -> None:
    """Record ``signal`` if it matches ``text`` (first match per signal wins, unless the
    earlier one named no model and this one does)."""
    if not signal.pattern.search(text):
        return
    model = None
    named = signal.model.search(text) if signal.model is not None else None
    if named and named.group(1):
        model = named.group(1).strip() or None
    earlier = found.get(signal.id)
    if earlier is None or (earlier.model is None and model is not None):
        found[signal.id] = Hit(signal, model)


# --------------------------------------------------------------------------- aggregation


@dataclass(slots=True)
class _Tally:
    """Running count of one signal (or tool): bounded whatever the history length."""

    commits: int = 0
    model_named: int = 0
    first: datetime | None = None
    last: datetime | None = None
    examples: list[tuple[datetime, str]] = field(default_factory=list)

    def add(self, commit: CommitRecord, when: datetime, named: bool) -> None:
        self.commits += 1
        self.model_named += named
        self.first = when if self.first is None or when < self.first else self.first
        self.last = when if self.last is None or when > self.last else self.last
        self.examples.append((when, commit.sha))
        if len(self.examples) > MAX_EXAMPLES:
            self.examples.remove(max(self.examples))

    def signal_count(self, signal: Signal) -> SignalCount:
        return SignalCount(signal=signal.id, tool=signal.tool, channel=signal.channel,
                           confidence=signal.confidence, commits=self.commits,
                           model_named=self.model_named, first=_day(self.first),
                           last=_day(self.last),
                           examples=tuple(sha for _, sha in sorted(self.examples)))


@dataclass(slots=True)
class _Window:
    """Running figures of the history window."""

    commits: int = 0
    merges: int = 0
    ai_commits: int = 0
    model_named: int = 0
    oldest: datetime | None = None
    authors: set[str] = field(default_factory=set)
    ai_authors: set[str] = field(default_factory=set)
    months: dict[int, list[int]] = field(default_factory=dict)
    """``year * 100 + month`` -> [commits, ai_commits]."""
    signals: dict[str, tuple[Signal, _Tally]] = field(default_factory=dict)
    suspect: dict[str, tuple[Signal, _Tally]] = field(default_factory=dict)
    tools: dict[str, _Tally] = field(default_factory=dict)
    boundary: frozenset[str] = frozenset()
    """Shallow-clone boundary commits; reaching one means older history is missing."""
    reached_boundary: bool = False

    def add(self, commit: CommitRecord, match: CommitMatch) -> None:
        # The hot loop of a scan: plain branches and dict lookups, no allocation per commit.
        when = commit.committed
        if when.tzinfo is not UTC:
            when = when.astimezone(UTC)
        self.commits += 1
        if self.boundary and commit.sha in self.boundary:
            self.reached_boundary = True
        if commit.parents > 1:
            self.merges += 1
        self.authors.add(commit.author_email.lower())
        if self.oldest is None or when < self.oldest:
            self.oldest = when
        key = when.year * 100 + when.month
        month = self.months.get(key)
        if month is None:
            month = self.months[key] = [0, 0]
        month[0] += 1
        if match is NO_MATCH:
            return
        for hit in match.suspect:
            _tally(self.suspect, hit.signal).add(commit, when, hit.model is not None)
        if not match.ai:
            return
        month[1] += 1
        self.ai_commits += 1
        self.ai_authors.add(commit.author_email.lower())
        self.model_named += any(hit.model is not None for hit in match.hits)
        for hit in match.hits:
            _tally(self.signals, hit.signal).add(commit, when, hit.model is not None)
        for tool in {hit.signal.tool for hit in match.hits}:
            self.tools.setdefault(tool, _Tally()).add(commit, when, False)


def _tally(tallies: dict[str, tuple[Signal, _Tally]], signal: Signal) -> _Tally:
    entry = tallies.get(signal.id)
    if entry is None:
        entry = tallies[signal.id] = (signal, _Tally())
    return entry[1]


def collect(commits: Iterable[CommitRecord], matcher: Matcher, *, since: datetime,
            until: datetime, shallow: bool, signatures: str = "",
            boundary: frozenset[str] = frozenset()) -> tuple[History, Attribution]:
    """Read the window's commits once and build its history and attribution payloads.

    ``signatures`` holds git's ``%G?`` states of the most recent commits (a bounded sample).
    """
    window = _Window(boundary=boundary)
    for commit in commits:
        window.add(commit, match_commit(commit, matcher))
    history = History(
        since=since.isoformat(), until=until.isoformat(), commits=window.commits,
        merges=window.merges, authors=len(window.authors),
        signature_sample=len(signatures), signed=sum(s != "N" for s in signatures),
        verified=sum(s in "GU" for s in signatures),
        unverifiable=signatures.count("E"),
        months=tuple(MonthCount(month=f"{key // 100:04d}-{key % 100:02d}", commits=c,
                                ai_commits=a)
                     for key, (c, a) in sorted(window.months.items())),
        shallow=shallow,
        # Truncated only if the walk reached a commit whose parents the clone lacks (or
        # read nothing at all); a deep enough shallow clone covers the whole window.
        truncated=shallow and (window.commits == 0 or window.reached_boundary),
        oldest=_day(window.oldest) if window.oldest else None,
    )
    attribution = Attribution(
        commits=window.commits, ai_commits=window.ai_commits,
        share=round(window.ai_commits / window.commits, 4) if window.commits else 0.0,
        model_named_commits=window.model_named,
        tools=tuple(ToolUsage(tool=tool, commits=t.commits, first=_day(t.first),
                              last=_day(t.last))
                    for tool, t in sorted(window.tools.items())),
        signals=tuple(t.signal_count(s) for s, t in _sorted(window.signals)),
        suspect=tuple(t.signal_count(s) for s, t in _sorted(window.suspect)),
        ai_authors=tuple(sorted(pseudonym(email) for email in window.ai_authors)),
        catalog_signals=matcher.signals,
    )
    return history, attribution


def _sorted(tallies: dict[str, tuple[Signal, _Tally]]) -> list[tuple[Signal, _Tally]]:
    return [tallies[key] for key in sorted(tallies)]


def _day(when: datetime | None) -> str:
    return when.date().isoformat() if when else ""


def pseudonym(email: str) -> str:
    """A stable pseudonym for an author address (the address itself is never reported)."""
    return hashlib.sha256(f"aims-author:{email.lower()}".encode()).hexdigest()[:12]


# --------------------------------------------------------------------------- reading


def run(ctx: Context) -> Iterator[Item]:
    """History, attribution and provenance refs of the window, or gaps saying why not."""
    label = COLLECTOR.label
    locator = "git:" + ctx.source.history_command(ctx.since, ctx.as_of)
    matcher = Matcher(ctx.catalog.signatures)
    try:
        signatures = ctx.source.signature_states(ctx.since, ctx.as_of, SIGNATURE_SAMPLE)
        history, attribution = collect(ctx.source.commits(ctx.since, ctx.as_of), matcher,
                                       since=ctx.since, until=ctx.as_of,
                                       shallow=ctx.info.shallow, signatures=signatures,
                                       boundary=ctx.info.shallow_boundary)
    except git.GitCommandError as exc:
        detail = f"git log failed: {_git_message(exc)}"
        for kind in (History.KIND, Attribution.KIND):
            yield make_gap(kind, UnknownReason.UNREADABLE, detail,
                           ctx.provenance(label, locator, None))
    else:
        provenance = ctx.provenance(label, locator, ctx.info.head)
        yield make_evidence(history, provenance)
        yield make_evidence(attribution, provenance)
    patterns = ctx.catalog.signatures.provenance_refs
    ref_locator = "git:git for-each-ref " + " ".join(patterns)
    try:
        counts = ctx.source.ref_counts(patterns)
    except git.GitCommandError as exc:
        yield make_gap(ProvenanceRefs.KIND, UnknownReason.UNREADABLE,
                       f"git for-each-ref failed: {_git_message(exc)}",
                       ctx.provenance(label, ref_locator, None))
        return
    refs = tuple(RefCount(ref=ref, entries=n) for ref, n in sorted(counts.items()) if n)
    yield make_evidence(ProvenanceRefs(refs=refs), ctx.provenance(label, ref_locator, None))


def _git_message(exc: git.GitCommandError) -> str:
    """git's own first error line, without GitPython's decoration."""
    for raw in str(exc.stderr or exc).splitlines():
        line = raw.strip().removeprefix("stderr:").strip().strip("'").strip()
        if line:
            return line
    return f"exit status {exc.status}"


COLLECTOR = Collector(name="attribution", version=1,
                      kinds=(History, Attribution, ProvenanceRefs), run=run)
