"""Where the review page's changes go: a copy of the rule file (the default) or the rule file itself.

    plan = plan_save(source_rules, run_dir, changes, in_place=False)   # nothing written yet
    plan.diff                                                          # unified diff, shown before writing
    write_plan(plan)                                                   # checked, then swapped in

The copy is the run's rule file with the changes written in (winnow.reports.review.rule_edit: comments
kept), at RUN_DIR/rules.reviewed.yaml unless told otherwise; `winnow curate` carries that file into the
next run folder. When the run's rule file cannot be found (run elsewhere, moved), the copy starts from the
run's rules.resolved.yaml. In place, the file the run read is rewritten; a rule file shipped with winnow is
never rewritten (an upgrade would lose the change, and every other run would get it).

Before a file is swapped in it is loaded as `winnow curate` loads it, and each changed rule must come back
with the threshold and action asked for, or nothing is written.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path

from winnow.curation.atomic import atomic_path
from winnow.curation.errors import UsageError
from winnow.curation.language.section import LANGUAGE_RULES
from winnow.curation.rulefile.load import load_rule_file
from winnow.reports.review.rule_edit import RuleChange, edit_rule_text, retarget_extends
from winnow.rules import shipped_rule_file, shipped_rule_names

REVIEWED_RULES = "rules.reviewed.yaml"
RESOLVED_RULES = "rules.resolved.yaml"


@dataclass(frozen=True)
class SavePlan:
    source: Path  # the file the new text starts from
    target: Path
    text: str
    diff: str
    changes: tuple[RuleChange, ...]
    language_action: str | dict[str, str] | None = None


def is_shipped(path: Path) -> bool:
    """True when `path` is one of the rule files installed with winnow."""
    resolved = path.resolve()
    return any(shipped_rule_file(name).resolve() == resolved for name in shipped_rule_names())


def _without_run_line(text: str) -> str:
    # rules.resolved.yaml's first line ties it to its run (winnow.curation.run_folder); a copy is no run file
    first, _, rest = text.partition("\n")
    return rest if first.startswith("# winnow run ") else text


def plan_save(
    rule_file: Path | None,
    run_dir: Path,
    changes: list[RuleChange],
    *,
    in_place: bool = False,
    target: Path | None = None,
    language_action: str | dict[str, str] | None = None,
) -> SavePlan:
    """The text to write and where, with its diff against the file it starts from (nothing is written)."""
    if not any(c.params or c.action is not None for c in changes) and language_action is None:
        raise UsageError("nothing to save: no threshold or action differs from the run's")
    found = rule_file is not None and rule_file.is_file()
    if in_place:
        if rule_file is None or not found:
            raise UsageError(
                f"cannot write in place: the run's rule file {rule_file} is not found",
                hint="pass --rules FILE to `winnow review`, or save a copy",
            )
        if is_shipped(rule_file):
            raise UsageError(
                f"{rule_file} is a rule file shipped with winnow: it is not rewritten in place",
                hint="save a copy (it can `extends:` the shipped one) and pass it to `winnow curate --rules`",
            )
        source, destination = rule_file, rule_file
        original = source.read_text(encoding="utf-8")
    else:
        destination = target or run_dir / REVIEWED_RULES
        if rule_file is not None and found:
            source = rule_file
            original = source.read_text(encoding="utf-8")
        else:
            source = run_dir / RESOLVED_RULES
            original = _without_run_line(source.read_text(encoding="utf-8"))
    text = edit_rule_text(original, changes, language_action=language_action)
    if destination.resolve().parent != source.resolve().parent:
        text = retarget_extends(text, source)
    diff = "".join(
        difflib.unified_diff(
            original.splitlines(keepends=True),
            text.splitlines(keepends=True),
            fromfile=str(source),
            tofile=str(destination),
        )
    )
    return SavePlan(source, destination, text, diff, tuple(changes), language_action)


def _check(path: Path, plan: SavePlan) -> None:
    rules = load_rule_file(path)  # ConfigError (exit 2) lists every problem
    checks = rules.sections.get("checks")
    by_name = {rule.name: rule for rule in getattr(checks, "rules", ())}
    problems = []
    changes = plan.changes
    if plan.language_action is not None:
        language = rules.sections.get("language")
        wanted = plan.language_action
        for name in LANGUAGE_RULES:
            want = wanted if isinstance(wanted, str) else wanted.get(name, "drop")
            have = language.action_of(name) if language is not None else None
            if have != want:
                problems.append(f"language action of {name} reads {have!r}, not {want!r}")
    for change in changes:
        rule = by_name.get(change.name)
        if rule is None:
            problems.append(f"rule {change.name!r} is not in the saved file")
            continue
        for param, value in change.params.items():
            if rule.params.get(param) != value:
                problems.append(
                    f"{change.name}.params.{param} reads {rule.params.get(param)!r}, not {value!r}"
                )
        if change.action is not None and rule.action != change.action:
            problems.append(f"{change.name}.action reads {rule.action!r}, not {change.action!r}")
    if problems:
        raise UsageError("the edited rule file does not say what was asked: " + "; ".join(problems))


def write_plan(plan: SavePlan) -> Path:
    """Write the plan's text to its target: into a temporary file beside it (so `extends:` resolves as it
    will), loaded and checked there, then renamed over the target (winnow.curation.atomic)."""
    with atomic_path(plan.target) as temporary:
        temporary.write_text(plan.text, encoding="utf-8")
        _check(temporary, plan)
    return plan.target
