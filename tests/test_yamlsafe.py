"""The guarded YAML loader: limits on aliases, depth, size and YAML 1.1 booleans."""

from __future__ import annotations

import pytest

from scanner.yamlsafe import YamlError, load_yaml, runaway


def alias_bomb(levels: int = 9, fanout: int = 9) -> str:
    """The classic billion-laughs document: each level references the previous one."""
    lines = ['a: &a ["lol"' + ', "lol"' * (fanout - 1) + "]"]
    previous = "a"
    for name in "bcdefghijklmnop"[: levels - 1]:
        refs = ", ".join([f"*{previous}"] * fanout)
        lines.append(f"{name}: &{name} [{refs}]")
        previous = name
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("on: {push: null}\n", {"on": {"push": None}}),
        ("x: yes\ny: no\nz: off\n", {"x": "yes", "y": "no", "z": "off"}),
        ("a: true\nb: False\n", {"a": True, "b": False}),
        ("v: 3.10\n", {"v": 3.1}),
        ("x: &d {a: 1}\nb: *d\n", {"x": {"a": 1}, "b": {"a": 1}}),
        ("", None),
        ("script:\n  - !reference [.setup, script]\n  - make\n",
         {"script": [[".setup", "script"], "make"]}),
    ],
)
def test_loads_plain_yaml_with_yaml12_booleans(text: str, expected: object) -> None:
    assert load_yaml(text) == expected


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (alias_bomb(), "through aliases"),
        ("[" * 5000 + "]" * 5000, "nesting deeper"),
        ("a: [1,\n b", "invalid YAML at line 2"),
        (b"\xff\xfe not utf8: [", "not UTF-8"),
        (b"key: value\x00\x01", "binary content"),
        ("a: !!python/object:os.system ls\n", "invalid YAML"),
        ("released: 2026-13-45\n", "invalid value: month must be in 1..12"),
        ("n: !!int 12abc\n", "invalid value"),
    ],
)
def test_rejects_hostile_yaml_with_a_clear_message(data: str | bytes, message: str) -> None:
    with pytest.raises(YamlError, match=message):
        load_yaml(data)


def test_rejects_oversized_input_before_parsing() -> None:
    with pytest.raises(YamlError, match="over the 100-byte limit"):
        load_yaml(b"x: " + b"a" * 200, max_bytes=100)


@pytest.mark.parametrize(("text", "why"), [
    (alias_bomb(), "through aliases"),
    ("[" * 150 + "]" * 150, "nesting deeper than"),
    ("a: [1, 2\nb: 3\n", None),                  # a syntax error is the parser's to report
    ("x: &d {k: 1}\na: *d\nb: *d\n", None),       # ordinary anchors
    ("on: push\n", None),
])
def test_runaway_names_only_what_would_make_a_parser_run_away(text: str,
                                                             why: str | None) -> None:
    found = runaway(text)
    assert (found is None) if why is None else (found is not None and why in found)
