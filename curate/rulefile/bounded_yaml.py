"""YAML for every file a person hands winnow (rule files, pipeline files, train configs), with aliases bounded.

    raw = load_yaml(path.read_text("utf-8"))   # yaml.safe_load, but refuses an alias bomb

`yaml.safe_load` shares the node of an anchor between its aliases, so a 700-byte "billion laughs" file
(nine anchors, each a list of nine aliases of the one before) loads quickly and then expands to 9**9 values
as soon as anything walks it (merging `extends`, validating, writing the resolved file): a hang with growing
memory. Here the composer counts, as it goes, how many nodes the aliases add to the document once expanded,
and stops with the line of the alias that goes past `MAX_ALIAS_NODES`; an alias of a node still open (a
recursive structure) is refused too, and so is nesting deeper than `MAX_DEPTH`. Files that use no aliases are read exactly as `yaml.safe_load` reads
them; none of the shipped ones use any.
"""

from __future__ import annotations

from typing import Any, cast

import yaml
from yaml.nodes import MappingNode, Node, SequenceNode

MAX_ALIAS_NODES = 100_000
MAX_DEPTH = 200  # nesting; deeper (6 kB of "[") would exhaust Python's recursion in the composer


class AliasBombError(yaml.MarkedYAMLError):
    """Aliases expand the document past the bound, an alias refers to the node that holds it, or the
    document nests deeper than `MAX_DEPTH`."""


def _expanded_size(node: Node, sizes: dict[int, int]) -> int:
    """How many nodes `node` stands for once every alias in it is written out (memoized by node)."""
    known = sizes.get(id(node))
    if known is not None:
        return known
    size = 1
    if isinstance(node, SequenceNode):
        size += sum(_expanded_size(child, sizes) for child in node.value)
    elif isinstance(node, MappingNode):
        size += sum(_expanded_size(k, sizes) + _expanded_size(v, sizes) for k, v in node.value)
    sizes[id(node)] = size
    return size


class BoundedSafeLoader(yaml.SafeLoader):
    """`yaml.SafeLoader` whose composer refuses recursive aliases and aliases expanding past the bound."""

    max_alias_nodes = MAX_ALIAS_NODES

    def __init__(self, stream: Any) -> None:
        super().__init__(stream)
        self._alias_nodes = 0
        self._open_anchors: set[str] = set()
        self._sizes: dict[int, int] = {}
        self._depth = 0

    def compose_node(self, parent: Node | None, index: Any) -> Node | None:
        event = self.peek_event()
        anchor = getattr(event, "anchor", None)
        mark = cast("yaml.error.Mark", event.start_mark)  # the pure-Python composer's marks
        if isinstance(event, yaml.AliasEvent):
            if anchor in self._open_anchors:
                raise AliasBombError(
                    problem=f"alias *{anchor} refers to the node that holds it (a recursive structure)",
                    problem_mark=mark,
                )
            node = super().compose_node(parent, index)  # raises on an undefined alias
            if node is not None:
                self._alias_nodes += _expanded_size(node, self._sizes)
            if self._alias_nodes > self.max_alias_nodes:
                raise AliasBombError(
                    problem=(
                        f"aliases expand this file past {self.max_alias_nodes:,} values "
                        f"(an alias bomb?); write the values out instead of repeating *{anchor}"
                    ),
                    problem_mark=mark,
                )
            return node
        if self._depth >= MAX_DEPTH:
            raise AliasBombError(
                problem=f"nested deeper than {MAX_DEPTH} levels; a rule or config file needs a handful",
                problem_mark=mark,
            )
        if anchor is not None:
            self._open_anchors.add(anchor)
        self._depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1
            if anchor is not None:
                self._open_anchors.discard(anchor)


def yaml_problem(error: yaml.YAMLError) -> tuple[str, str]:
    """(place, message) of a YAML error: ("line 6, column 8", "aliases expand this file past …")."""
    mark = getattr(error, "problem_mark", None)
    where = f"line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
    what = "" if isinstance(error, AliasBombError) else "not valid YAML: "
    return where, f"{what}{getattr(error, 'problem', None) or error}"


def load_yaml(text: str) -> Any:
    """`yaml.safe_load(text)` with aliases bounded; raises yaml.YAMLError (AliasBombError for a bomb)."""
    loader = BoundedSafeLoader(text)
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()
