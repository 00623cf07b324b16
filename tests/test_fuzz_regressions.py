"""Every file of ``tests/fuzz_corpus/`` replayed through its harness entry point.

Seeds (``seed-*``), inputs the fuzzers kept for their coverage (``cov-*``), inputs that once
crashed a parser or ran away with it (``crash-*``, ``timeout-*``, ``oom-*``, ``slow-unit-*``,
as libFuzzer names them) and hand-written reproductions of bugs (``bug-*``) all run through
the same entry points as the fuzzers (:mod:`tests.property.harness`), without atheris. A
crash or bug file fails here again if its bug comes back.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.property.harness import NAMES, Entry, entry_points

CORPUS = Path(__file__).resolve().parent / "fuzz_corpus"
KINDS = ("seed-", "cov-", "crash-", "timeout-", "oom-", "slow-unit-", "bug-")
def _case(path: Path) -> object:
    return pytest.param(path, id=f"{path.parent.name}/{path.name}")


FILES = sorted(p for p in CORPUS.glob("*/*") if p.is_file())
#: Inputs that once ran too long: replayed in a child process, which must answer within
#: ``SLOW_LIMIT`` seconds of harness time and is stopped after ``HARD_LIMIT``.
SLOW_KINDS = ("timeout-", "slow-unit-", "oom-")
SLOW_LIMIT, HARD_LIMIT = 2.0, 120
_TIMED = """
import sys, time
from pathlib import Path
from tests.property.harness import entry_points
name, path, scratch = sys.argv[1:]
entry = entry_points(Path(scratch))[name]
data = Path(path).read_bytes()
start = time.perf_counter()
entry(data)
print(time.perf_counter() - start)
"""


@pytest.fixture(scope="module")
def harness(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Entry]:
    """The harness entry points, writing the config file under a temporary directory."""
    return entry_points(tmp_path_factory.mktemp("harness"))


@pytest.mark.parametrize("path", [_case(p) for p in FILES if not p.name.startswith(SLOW_KINDS)])
def test_corpus_file_keeps_the_property(harness: dict[str, Entry], path: Path) -> None:
    harness[path.parent.name](path.read_bytes())


@pytest.mark.parametrize("path", [_case(p) for p in FILES if p.name.startswith(SLOW_KINDS)])
def test_slow_input_answers_quickly(tmp_path: Path, path: Path) -> None:
    done = subprocess.run([sys.executable, "-c", _TIMED, path.parent.name, str(path),
                           str(tmp_path)], cwd=CORPUS.parent.parent, capture_output=True,
                          text=True, timeout=HARD_LIMIT, check=True)
    assert float(done.stdout) < SLOW_LIMIT


def test_every_harness_has_seeds_and_every_file_a_harness() -> None:
    assert sorted(p.name for p in CORPUS.iterdir()) == sorted(NAMES)
    for name in NAMES:
        assert any(p.name.startswith("seed-") for p in (CORPUS / name).iterdir()), name
    assert all(p.name.startswith(KINDS) for p in FILES), [p for p in FILES
                                                         if not p.name.startswith(KINDS)]


@pytest.mark.parametrize("name", NAMES)
def test_the_corpus_stays_small(name: str) -> None:
    """At most ~50 files and ~200 KB per parser (run.sh keeps the smallest new inputs)."""
    files = [p for p in (CORPUS / name).iterdir() if p.is_file()]
    assert len(files) <= 60 and sum(p.stat().st_size for p in files) <= 250_000
