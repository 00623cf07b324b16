"""Safe YAML loading for untrusted repository files and our own catalog.

``yaml.safe_load`` alone does not protect against alias bombs (the expansion happens later,
when the data is walked) nor against very deep nesting. This loader checks the composed node
graph before any Python object exists: at most ``MAX_NODES`` nodes and ``MAX_CHARS`` scalar
characters after alias expansion (so a few aliases of one long string cannot turn into
gigabytes when the data is printed or joined), and at most ``MAX_DEPTH`` levels. Escapes
that spell a lone UTF-16 surrogate (``"\\ud800"``) are refused: no UTF-8 report could
hold the resulting string. It also reads YAML 1.1 booleans (``on``, ``off``, ``yes``,
``no``) as strings, as GitHub Actions and GitLab CI do, so a workflow's ``on:`` key stays
``"on"``. Only ``true``/``false`` are booleans.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

MAX_BYTES = 2 * 1024 * 1024
MAX_NODES = 200_000
MAX_CHARS = 8 * MAX_BYTES
MAX_DEPTH = 100
_SURROGATE = re.compile("[\ud800-\udfff]")


class YamlError(ValueError):
    """The document is not YAML we are willing to read; the message says why."""


class _GuardedLoader(yaml.SafeLoader):
    """SafeLoader with node-count and depth limits and YAML 1.2-style booleans."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            return super().compose_node(parent, index)
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                mark = self.peek_event().start_mark  # type: ignore[no-untyped-call]
                raise YamlError(f"nesting deeper than {MAX_DEPTH} levels (line {mark.line + 1})")
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def get_single_node(self) -> Any:
        node = super().get_single_node()
        if node is not None:
            nodes, chars = _expanded_size(node)
            if nodes > MAX_NODES:
                raise YamlError(f"document expands to over {MAX_NODES:,} nodes through aliases")
            if chars > MAX_CHARS:
                raise YamlError(f"document expands to over {MAX_CHARS:,} characters through "
                                "aliases")
        return node

    def construct_scalar(self, node: yaml.ScalarNode | yaml.MappingNode) -> Any:
        value = super().construct_scalar(node)
        if isinstance(value, str) and _SURROGATE.search(value):
            raise YamlError(f"invalid value at line {node.start_mark.line + 1}: an escape "
                            "for a lone UTF-16 surrogate (\\ud800-\\udfff)")
        return value


_GuardedLoader.yaml_implicit_resolvers = {
    key: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:bool"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_GuardedLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"),
)


def _construct_local_tag(loader: _GuardedLoader, _suffix: str, node: yaml.Node) -> Any:
    """Application tags such as GitLab's ``!reference [.job, script]``, read as plain data.

    Only local ``!tag`` tags land here; ``!!python/...`` and other global tags still fail.
    """
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node, deep=True)
    if isinstance(node, yaml.MappingNode):
        return loader.construct_mapping(node, deep=True)
    return loader.construct_scalar(node)  # type: ignore[arg-type]


_GuardedLoader.add_multi_constructor("!", _construct_local_tag)


def _expanded_size(root: yaml.Node) -> tuple[int, int]:
    """Node and scalar-character counts with aliases expanded, computed on the shared graph
    (memoised, iterative); stops early once a count is over its limit."""
    memo: dict[int, tuple[int, int]] = {}
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        key = id(node)
        if key in memo and not children_done:
            continue
        children: list[yaml.Node] = []
        if isinstance(node, yaml.SequenceNode):
            children = list(node.value)
        elif isinstance(node, yaml.MappingNode):
            children = [part for pair in node.value for part in pair]
        if children_done or not children:
            own = len(node.value) if isinstance(node, yaml.ScalarNode) else 0
            sizes = [memo.get(id(c), (1, 0)) for c in children]
            memo[key] = (1 + sum(n for n, _ in sizes), own + sum(c for _, c in sizes))
            if memo[key][0] > MAX_NODES or memo[key][1] > MAX_CHARS:
                return memo[key]
            continue
        memo[key] = (0, 0)  # cycle guard: a node under construction counts as nothing
        stack.append((node, True))
        stack.extend((c, False) for c in children if id(c) not in memo)
    return memo[id(root)]


def load_yaml(data: bytes | str, *, max_bytes: int = MAX_BYTES) -> Any:
    """Parse one YAML document with the limits above; raise :class:`YamlError` on bad input."""
    if isinstance(data, bytes):
        if len(data) > max_bytes:
            raise YamlError(f"file is {len(data):,} bytes, over the {max_bytes:,}-byte limit")
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise YamlError(f"not UTF-8 text (byte {exc.start})") from None
    else:
        text = data
    if "\x00" in text:
        raise YamlError("binary content (NUL byte)")
    try:
        return yaml.load(text, Loader=_GuardedLoader)
    except YamlError:
        raise
    except yaml.YAMLError as exc:
        raise YamlError(_describe(exc)) from None
    except RecursionError:
        raise YamlError("nesting too deep") from None
    except (ValueError, TypeError, OverflowError) as exc:
        # PyYAML's constructors raise these for scalars that match a tag's pattern but are
        # not valid values, e.g. the timestamp 2026-13-45.
        raise YamlError(f"invalid value: {exc}") from None


def _describe(exc: yaml.YAMLError) -> str:
    """A one-line description of a YAML error with its line number."""
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    if mark is not None:
        return f"invalid YAML at line {mark.line + 1}, column {mark.column + 1}: {problem}"
    return f"invalid YAML: {problem}"


def runaway(text: str) -> str | None:
    """Why parsing this YAML would run away (an alias bomb, nesting too deep), or None.

    For tools that parse YAML without these limits (semgrep expands aliases): only the
    guards are checked, so a plain syntax error, which such tools report themselves, is
    not one.
    """
    try:
        yaml.compose(text, Loader=_GuardedLoader)
    except YamlError as exc:
        return str(exc)
    except RecursionError:
        return "nesting too deep"
    except yaml.YAMLError:
        return None
    return None
