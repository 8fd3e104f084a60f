"""Changed thresholds and actions written into a rule file's YAML text, with every comment kept.

    text = edit_rule_text(text, [RuleChange("max_char_run", {"max_run": 20}, action="drop")])

The YAML is composed (not loaded) with PyYAML, which gives every node's place in the text; each change
replaces just the characters of one scalar (`0.5` → `0.4`, `flag` → `drop`) or inserts one key, so the
comments, the order, the flow or block style and the blank lines of a hand-written rule file stay as they
were. A rule whose entry is in the file is edited there; a rule the file inherits (`extends:`) gets a new
entry under `checks:` with its name and the changed keys only (winnow.curation.rulefile.extends merges an
entry into the inherited one by name, params key by key).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from winnow.curation.errors import UsageError
from winnow.curation.rulefile.extends import resolve_parent
from winnow.rules import shipped_rule_names


@dataclass(frozen=True)
class RuleChange:
    """What to write for one rule: parameter → value (threshold parameters) and the action, when changed."""

    name: str
    params: dict[str, int | float] = field(default_factory=dict)
    action: str | None = None


@dataclass(frozen=True)
class _Edit:
    start: int
    end: int
    text: str


def format_number(value: int | float) -> str:
    """A number as YAML reads it back as the same number: ints plain, floats with a dot and no exponent
    (YAML 1.1, which PyYAML reads, takes `1e-05` for a string)."""
    if isinstance(value, int):
        return str(value)
    rounded = float(f"{value:.6g}")  # a slider's 0.30000000000000004 is 0.3
    shown = repr(rounded)
    if "e" in shown or "E" in shown:
        shown = f"{rounded:.12f}".rstrip("0")
        shown = shown + "0" if shown.endswith(".") else shown
    return shown


def _key(node: MappingNode, name: str) -> tuple[Node, Node] | None:
    for key, value in node.value:
        if isinstance(key, ScalarNode) and key.value == name:
            return key, value
    return None


def _scalar(node: MappingNode, name: str) -> str | None:
    found = _key(node, name)
    return found[1].value if found and isinstance(found[1], ScalarNode) else None


def _last_end(node: Node) -> int:
    """Where the node's last character is (block collections end where the next token starts, which may
    be lines further down past comments; their last child's end is where their text ends)."""
    if isinstance(node, ScalarNode) or getattr(node, "flow_style", False):
        return int(node.end_mark.index)
    children: list[Node] = []
    if isinstance(node, MappingNode):
        children = [part for pair in node.value for part in pair]
    elif isinstance(node, SequenceNode):
        children = list(node.value)
    return max((_last_end(child) for child in children), default=int(node.end_mark.index))


def _after_line(text: str, index: int) -> tuple[int, str]:
    """(position, prefix) to insert a new line after the line holding `index`."""
    newline = text.find("\n", index)
    return (len(text), "\n") if newline < 0 else (newline + 1, "")


def _line_insert(text: str, after: Node, column: int, lines: list[str]) -> _Edit:
    position, prefix = _after_line(text, _last_end(after))
    body = "".join(f"{' ' * column}{line}\n" for line in lines)
    return _Edit(position, position, prefix + body)


def _flow_params(params: dict[str, int | float]) -> str:
    return "{" + ", ".join(f"{key}: {format_number(value)}" for key, value in params.items()) + "}"


def _entry_edits(text: str, entry: MappingNode, change: RuleChange) -> list[_Edit]:
    edits: list[_Edit] = []
    column = int(entry.value[0][0].start_mark.column)
    new_lines: list[str] = []
    params = _key(entry, "params")
    if change.params and params is not None and isinstance(params[1], MappingNode):
        node = params[1]
        missing: dict[str, int | float] = {}
        for name, value in change.params.items():
            found = _key(node, name)
            if found is not None and isinstance(found[1], ScalarNode):
                mark = found[1]
                edits.append(_Edit(mark.start_mark.index, mark.end_mark.index, format_number(value)))
            else:
                missing[name] = value
        if missing and node.flow_style:
            close = int(node.end_mark.index) - 1
            if text[close] != "}":
                raise UsageError(f"cannot find the end of the params of rule {change.name!r} in the YAML")
            body = ", ".join(f"{k}: {format_number(v)}" for k, v in missing.items())
            edits.append(_Edit(close, close, (", " if node.value else "") + body))
        elif missing and node.value:
            param_column = int(node.value[0][0].start_mark.column)
            lines = [f"{k}: {format_number(v)}" for k, v in missing.items()]
            edits.append(_line_insert(text, node, param_column, lines))
        elif missing:
            edits.append(_Edit(node.start_mark.index, node.end_mark.index, _flow_params(missing)))
    elif change.params and params is not None:  # `params:` with nothing after it
        empty = params[1]
        edits.append(_Edit(empty.start_mark.index, empty.end_mark.index, " " + _flow_params(change.params)))
    elif change.params:
        new_lines.append(f"params: {_flow_params(change.params)}")
    if change.action is not None:
        action = _key(entry, "action")
        if action is not None and isinstance(action[1], ScalarNode):
            scalar = action[1]
            edits.append(_Edit(scalar.start_mark.index, scalar.end_mark.index, change.action))
        else:
            new_lines.append(f"action: {change.action}")
    if new_lines:
        edits.append(_line_insert(text, entry, column, new_lines))
    return edits


def _new_entry_lines(change: RuleChange) -> list[str]:
    lines = [f"- name: {change.name}"]
    if change.params:
        lines.append(f"  params: {_flow_params(change.params)}")
    if change.action is not None:
        lines.append(f"  action: {change.action}")
    return lines


def _append_edits(text: str, root: MappingNode, changes: list[RuleChange]) -> _Edit:
    """New entries for inherited rules, after the last entry of `checks:` (or a new `checks:` at the end)."""
    lines = [line for change in changes for line in _new_entry_lines(change)]
    checks = _key(root, "checks")
    if checks is None:
        position, prefix = len(text), "" if text.endswith("\n") or not text else "\n"
        body = "".join(f"  {line}\n" for line in lines)
        return _Edit(position, position, f"{prefix}checks:\n{body}")
    node = checks[1]
    if not isinstance(node, SequenceNode) or node.flow_style or not node.value:
        raise UsageError(
            "cannot add rule entries to this rule file's `checks:` (it is not a block list with entries)",
            hint="write the changes into a copy, or turn `checks:` into a block list (`- name: …` lines)",
        )
    first = node.value[0]
    line_start = text.rfind("\n", 0, first.start_mark.index) + 1
    dash = text[line_start : first.start_mark.index].rfind("-")
    return _line_insert(text, node, max(dash, 0), lines)


def _flow(value: str | dict[str, str]) -> str:
    if isinstance(value, str):
        return value
    return "{" + ", ".join(f"{key}: {item}" for key, item in value.items()) + "}"


def _language_edit(text: str, root: MappingNode, action: str | dict[str, str]) -> _Edit:
    """The language section's `action:` replaced (one action, or one per rule), or inserted after its keys."""
    found = _key(root, "language")
    if found is None or not isinstance(found[1], MappingNode) or found[1].flow_style or not found[1].value:
        raise UsageError(
            "the rule file has no block `language:` section to write the language actions into (it inherits one?)",
            hint="add a `language:` section to the file (copy the parent's), or save a copy of the run's rules",
        )
    section = found[1]
    current = _key(section, "action")
    if current is None:
        column = int(section.value[0][0].start_mark.column)
        return _line_insert(text, section, column, [f"action: {_flow(action)}"])
    value = current[1]
    return _Edit(int(value.start_mark.index), _last_end(value), _flow(action))


def edit_rule_text(
    text: str, changes: list[RuleChange], *, language_action: str | dict[str, str] | None = None
) -> str:
    """`text` with the changes written in (see the module doc); `language_action` replaces the language
    section's `action` (one action for its three rules, or a rule → action mapping). Raises UsageError where
    it cannot."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as error:
        raise UsageError(f"the rule file is not valid YAML: {error}") from error
    if not isinstance(root, MappingNode):
        raise UsageError("a rule file is a mapping of sections")
    checks = _key(root, "checks")
    entries: dict[str, MappingNode] = {}
    if checks is not None and isinstance(checks[1], SequenceNode):
        for item in checks[1].value:
            if isinstance(item, MappingNode) and item.value:
                name = _scalar(item, "name") or _scalar(item, "check")
                if name is not None:
                    entries.setdefault(name, item)
    edits: list[_Edit] = []
    inherited: list[RuleChange] = []
    for change in changes:
        if not change.params and change.action is None:
            continue
        entry = entries.get(change.name)
        if entry is None:
            inherited.append(change)
        else:
            edits.extend(_entry_edits(text, entry, change))
    if inherited:
        edits.append(_append_edits(text, root, inherited))
    if language_action is not None:
        edits.append(_language_edit(text, root, language_action))
    # from the end of the text backwards, so that earlier positions stay valid; inserts at one place keep order
    for edit in sorted(edits, key=lambda e: (e.start, e.end), reverse=True):
        text = text[: edit.start] + edit.text + text[edit.end :]
    return text


def retarget_extends(text: str, source: Path) -> str:
    """`text` (a rule file read from `source`) with a relative `extends:` path made absolute, so that a copy
    written to another folder still finds its parent; shipped names (`extends: default`) stay."""
    root = yaml.compose(text, Loader=yaml.SafeLoader)
    if not isinstance(root, MappingNode):
        return text
    found = _key(root, "extends")
    if found is None or not isinstance(found[1], ScalarNode):
        return text
    node = found[1]
    name = str(node.value)
    if name.removesuffix(".yaml") in shipped_rule_names() and "/" not in name:
        return text
    parent = resolve_parent(name, source)
    if parent is None:
        return text
    return text[: node.start_mark.index] + str(parent.resolve()) + text[node.end_mark.index :]
