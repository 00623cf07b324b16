"""``--shard K/N``: parsing, and every repository in exactly one stable shard."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import pytest

from collectors.sources.selection import Selection, Shard, parse_shard, shard_of


@dataclass(frozen=True)
class Listed:
    """A listed repository as the selection sees it."""

    full_name: str
    archived: bool = False
    fork: bool = False

    @property
    def name(self) -> str:
        """The repository's own name."""
        return self.full_name.rsplit("/", 1)[-1]


@pytest.mark.parametrize(("text", "shard"), [
    ("1/1", Shard(1, 1)),
    ("2/8", Shard(2, 8)),
    ("8/8", Shard(8, 8)),
    (" 3 / 4 ", Shard(3, 4)),
    ("007/10", Shard(7, 10)),
])
def test_parse_shard(text: str, shard: Shard) -> None:
    assert parse_shard(text) == shard
    assert str(shard) == f"{shard.index}/{shard.count}"


@pytest.mark.parametrize(("text", "message"), [
    ("", "'' is not a shard: expected K/N"),
    ("3", "'3' is not a shard: expected K/N"),
    ("a/b", "'a/b' is not a shard"),
    ("1/2/3", "'1/2/3' is not a shard"),
    ("-1/4", "'-1/4' is not a shard"),
    ("1.5/4", "'1.5/4' is not a shard"),
    ("١/٤", "is not a shard"),  # Arabic-Indic digits: whole numbers, but not ours
    ("0/4", "shard 0 does not exist: shards of 4 are numbered 1 to 4"),
    ("5/4", "shard 5 does not exist: shards of 4 are numbered 1 to 4"),
    ("1/0", "a shard count must be at least 1, not 0"),
    ("0/0", "a shard count must be at least 1, not 0"),
])
def test_parse_shard_errors(text: str, message: str) -> None:
    with pytest.raises(ValueError) as raised:
        parse_shard(text)
    assert message in str(raised.value)


#: A change of hash (or of the name's normalisation) must break this table: shard scans on
#: machines running different aims versions would otherwise overlap and leave gaps.
STABLE = [
    ("acme/api", 1, 3, 5),
    ("acme/web", 2, 4, 8),
    ("acme/payments", 2, 2, 4),
    ("Acme/API", 1, 3, 5),
    ("group/sub/project", 1, 1, 7),
    ("acme/a", 2, 2, 2),
    ("acme/d", 2, 2, 10),
    ("acme/e", 1, 1, 9),
]


@pytest.mark.parametrize(("name", "of_2", "of_4", "of_10"), STABLE)
def test_shard_of_is_stable(name: str, of_2: int, of_4: int, of_10: int) -> None:
    assert (shard_of(name, 2), shard_of(name, 4), shard_of(name, 10)) == (of_2, of_4, of_10)


def test_case_does_not_move_a_repository() -> None:
    assert shard_of("ACME/Payments", 7) == shard_of("acme/payments", 7)


NAMES = [f"org-{i % 7}/repo-{i:04d}" for i in range(1000)]


@pytest.mark.parametrize("count", [1, 2, 3, 8, 16])
def test_every_repository_in_exactly_one_shard(count: int) -> None:
    selections = [Selection(shard=Shard(k, count)) for k in range(1, count + 1)]
    for name in NAMES:
        chosen = [s.shard for s in selections if s.why_excluded(Listed(name)) is None]
        assert chosen == [Shard(shard_of(name, count), count)]


@pytest.mark.parametrize("count", [2, 4, 8])
def test_shards_are_roughly_even(count: int) -> None:
    sizes = Counter(shard_of(name, count) for name in NAMES)
    assert set(sizes) == set(range(1, count + 1))
    expected = len(NAMES) / count
    # A fair split of 1,000 names stays well within ±25 % of the mean (about 4 sigma at N=8).
    assert all(abs(size - expected) < 0.25 * expected for size in sizes.values()), sizes


@pytest.mark.parametrize(("listed", "selection", "why"), [
    (Listed("acme/api"), Selection(shard=Shard(3, 4)), None),
    (Listed("acme/api"), Selection(shard=Shard(1, 4)), "in shard 3 of 4 (--shard)"),
    (Listed("acme/web"), Selection(shard=Shard(1, 4)), "in shard 4 of 4 (--shard)"),
    # The older reasons come first: an archived repository is in no shard at all.
    (Listed("acme/api", archived=True), Selection(shard=Shard(3, 4)),
     "archived (--include-archived)"),
    (Listed("acme/api"), Selection(patterns=("web",), shard=Shard(3, 4)),
     "not matched by --repos"),
    (Listed("acme/api"), Selection(), None),
])
def test_why_excluded(listed: Listed, selection: Selection, why: str | None) -> None:
    assert selection.why_excluded(listed) == why
