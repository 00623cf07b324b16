"""Property tests: whatever the bytes, every parser answers within its contract.

Each harness entry point (:mod:`tests.property.harness`) runs the input through the real
collector boundary and raises on a broken property; any other exception is a crash. The
inputs come in four kinds: arbitrary bytes, arbitrary text, documents built from the
parser's vocabulary, and real files from the fixture scenarios, mutated.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scanner.yamlsafe import YamlError, load_yaml
from tests.property.harness import NAMES, Entry
from tests.property.strategies import TEXT_HARNESSES, mutated, restructured, structured

DOCUMENT_HARNESSES = tuple(n for n in NAMES if n not in TEXT_HARNESSES | {"trailers"})


@pytest.mark.parametrize("name", NAMES)
@given(data=st.binary(max_size=2048))
def test_arbitrary_bytes(harness: dict[str, Entry], name: str, data: bytes) -> None:
    harness[name](data)


@pytest.mark.parametrize("name", NAMES)
@given(text=st.text(max_size=1000))
def test_arbitrary_text(harness: dict[str, Entry], name: str, text: str) -> None:
    harness[name](text.encode("utf-8"))


@pytest.mark.parametrize("name", NAMES)
@given(data=st.data())
def test_structured_documents(harness: dict[str, Entry], name: str, data: st.DataObject) -> None:
    harness[name](data.draw(structured(name)))


@pytest.mark.parametrize("name", NAMES)
@given(data=st.data())
def test_mutated_real_files(harness: dict[str, Entry], name: str, data: st.DataObject) -> None:
    harness[name](data.draw(mutated(name)))


@pytest.mark.parametrize("name", DOCUMENT_HARNESSES)
@given(data=st.data())
def test_real_documents_with_a_part_replaced(harness: dict[str, Entry], name: str,
                                             data: st.DataObject) -> None:
    harness[name](data.draw(restructured(name)))


def test_the_harness_reports_a_broken_property(harness: dict[str, Entry]) -> None:
    """The checks can fail: an item that cannot be written as UTF-8 is a violation."""
    from tests.property.harness import PropertyViolation, check_plain_text

    with pytest.raises(PropertyViolation, match="lone surrogate"):
        check_plain_text({"key": ["\ud800"]})


@pytest.mark.parametrize(("scalar", "copies"), [("A" * 100_000, 250), ("B" * 2_000, 12_000)])
def test_aliases_cannot_multiply_long_strings(scalar: str, copies: int) -> None:
    """A short file whose aliases repeat one long string must not expand to gigabytes."""
    document = f"x: &a {scalar}\ny: [{', '.join(['*a'] * copies)}]\n"
    with pytest.raises(YamlError, match="characters through aliases"):
        load_yaml(document.encode())
