"""Measured precision of the default rules, for the run report's per-rule section.

rules/precision.json (written by bench/precision.py, shipped with the rule files) holds, per default rule,
how many of its flags on winnow's hand-labeled real rows were defective:

    {"source": "bench/precision.py",
     "rules": {"refusal_response": {"labeled_flags": 64, "defective": 60, "borderline": 1,
                                    "precision_low": 0.93, "precision_high": 0.95,
                                    "wilson_low": 0.85, "wilson_high": 0.97, "sources": 5}, ...},
     "base_rate": {"labeled": 100, "defective": 3, "rate": 0.03}}

precision_low / precision_high count borderline rows as fine / as defective; the Wilson interval is that
of precision_low. A number only describes the rule it was measured on: the report shows it where the run's
rule has the default rule's name, check, field and params (the language rules: the default language
section), whatever its `action`; elsewhere it says that these settings were not measured.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from winnow.reports.html import attr, text


def wilson(successes: float, n: int, z: float = 1.96) -> tuple[float, float]:
    """95% Wilson score interval of a proportion (0..1 when there is nothing to measure)."""
    if n == 0:
        return (0.0, 1.0)
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return (max(0.0, centre - half), min(1.0, centre + half))


PRECISION_FILE = "precision.json"
RESOLVED_RULES = "rules.resolved.yaml"
LANGUAGE_RULES = ("language_not_allowed", "language_impure", "language_mismatch")
DROP_BELOW = 0.9  # DESIGN: a rule measured below this precision does not drop by default


@dataclass(frozen=True)
class Measured:
    labeled_flags: int
    precision_low: float
    precision_high: float
    wilson_low: float
    wilson_high: float


@dataclass(frozen=True)
class Precision:
    """What rules/precision.json says, and the default rule file's settings the numbers belong to."""

    rules: dict[str, Measured]
    base_defective: int | None
    base_labeled: int | None
    default_settings: dict[str, str]  # rule name → canonical settings (see `settings_of`)


def shipped_precision_path() -> Path:
    return Path(str(resources.files("winnow.rules").joinpath(PRECISION_FILE)))


def _canonical(value: Any) -> str:
    """One string per setting value, the same whether it came from YAML, JSON or a parsed config."""
    return json.dumps(yaml.safe_load(yaml.safe_dump(value)), sort_keys=True)


def settings_of(resolved: dict[str, Any]) -> dict[str, str]:
    """rule name → canonical settings of a resolved rule file (`action` left out: it changes no flag)."""
    out: dict[str, str] = {}
    for entry in resolved.get("checks") or []:
        if isinstance(entry, dict) and isinstance(entry.get("name"), str):
            keys = ("check", "field", "params")
            out[entry["name"]] = _canonical({k: entry.get(k) for k in keys})
    language = resolved.get("language")
    if isinstance(language, dict):
        section = _canonical({k: v for k, v in language.items() if k != "action"})
        out.update(dict.fromkeys(LANGUAGE_RULES, section))
    return out


@cache
def _default_settings() -> dict[str, str]:
    from winnow.curation.checks.section import settings_only
    from winnow.curation.rulefile.load import load_rule_file
    from winnow.rules import shipped_rule_file

    with settings_only():  # the shipped file's checks are built by its tests: only their settings here
        return settings_of(load_rule_file(shipped_rule_file("default")).resolved())


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def load_precision(path: Path | None = None) -> Precision | None:
    """The measured precision (None when the file is absent or unreadable: nothing is claimed then)."""
    path = shipped_precision_path() if path is None else path
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(raw, dict) or not isinstance(raw.get("rules"), dict):
        return None
    measured: dict[str, Measured] = {}
    for name, entry in raw["rules"].items():
        if not isinstance(entry, dict):
            continue
        values = [
            _number(entry.get(k))
            for k in ("labeled_flags", "precision_low", "precision_high", "wilson_low", "wilson_high")
        ]
        if all(v is not None for v in values):
            n, low, high, wilson_low, wilson_high = (v or 0.0 for v in values)
            measured[str(name)] = Measured(int(n), low, high, wilson_low, wilson_high)
    base = raw.get("base_rate")
    base = base if isinstance(base, dict) else {}
    defective, labeled = _number(base.get("defective")), _number(base.get("labeled"))
    return Precision(
        rules=measured,
        base_defective=None if defective is None else int(defective),
        base_labeled=None if labeled is None else int(labeled),
        default_settings=_default_settings(),
    )


def run_settings(run_dir: Path, stats: dict[str, Any]) -> dict[str, str]:
    """The run's rule settings: its rules.resolved.yaml, else the check entries of its stats.json."""
    path = run_dir / RESOLVED_RULES
    try:
        resolved = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        resolved = None
    if not isinstance(resolved, dict):
        checks = [r for r in stats.get("rules") or [] if (r.get("stage") or "checks") == "checks"]
        resolved = {"checks": checks}
    return settings_of(resolved)


def precision_note(name: str, action: str, precision: Precision | None, settings: dict[str, str]) -> str:
    """One HTML paragraph: the rule's measured precision, or why there is none for these settings."""
    if precision is None:
        return '<p class="note">No measured precision is shipped with these rules.</p>'
    measured = precision.rules.get(name)
    default = precision.default_settings.get(name)
    if measured is None or default is None or settings.get(name) != default:
        why = (
            "not a default rule"
            if default is None
            else "settings differ from the default rule's"
            if settings.get(name) != default
            else "no labeled flags"
        )
        return (
            f'<p class="note">Precision was not measured for these settings ({text(why)}): '
            "label rows with bench/precision.py to measure it.</p>"
        )
    borderline = (
        f"; {measured.precision_high:.2f} with borderline rows counted as defective"
        if measured.precision_high != measured.precision_low
        else ""
    )
    line = (
        f"measured precision on winnow's labeled real rows: {measured.precision_low:.2f} (95% CI "
        f"{measured.wilson_low:.2f}–{measured.wilson_high:.2f}, {measured.labeled_flags:,} labeled flags"
        f"{borderline})"
    )
    if precision.base_labeled:
        line += (
            f"; base rate of defects among unflagged rows: {precision.base_defective or 0}/"
            f"{precision.base_labeled}"
        )
    warn = ""
    if action == "drop" and measured.precision_low < DROP_BELOW:
        warn = f" Below {DROP_BELOW:g}: consider <code>action: flag</code> for this rule."
    return f'<p class="precision" data-rule="{attr(name)}">{text(line)}.{warn}</p>'
