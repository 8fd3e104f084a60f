"""The `language` rule-file section: which fields to detect, which languages are allowed, how pure a field
must be, whether instruction and response must agree.

    language:
      allowed: [zh, en]          # every checked field; "und" (too short to tell) always passes
      min_purity: null           # share of (weighted) letters in the detected language's script(s)
      fields:                    # per-field overrides of allowed / min_purity (null = no check there)
        response: {min_purity: 0.6}
        input: {allowed: null}
      mismatch: true             # instruction and response in different languages fails (not translations)
      candidates: null           # languages the detector may answer; null = every language it knows
      detect: [instruction, input, response, system, messages]
      min_letters: 5             # below this many letters (not CJK) a text is "und"
      min_words: 3               # below this many words, a text the n-gram detector would decide is "und"
      sample_chars: 400          # the n-gram detector reads at most this much of the measured text
      action: drop               # drop | flag for all three rules, or per rule (the others drop):
                                 #   action: {language_mismatch: flag, language_impure: flag}

The rules are language_not_allowed, language_impure and language_mismatch (winnow.curation.language.stage); a rule
whose action is `flag` keeps its rows and lists itself in their `flagged_rules`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Final

from winnow.curation.language.identify import SAMPLE_CHARS, IdentifySettings
from winnow.curation.language.resolve import make_resolution
from winnow.curation.language.scripts import SUPPORTED_LANGUAGES
from winnow.curation.rulefile.action import DEFAULT_ACTION, parse_action
from winnow.curation.rulefile.problems import Problems
from winnow.curation.rulefile.sections import section

DETECTABLE_FIELDS: Final = ("instruction", "input", "response", "system", "messages")
# the stage's rules (their reasons on the ledger), each with its own `action`
LANGUAGE_RULES: Final = ("language_not_allowed", "language_impure", "language_mismatch")
_KEYS: Final = (
    "min_words",
    "allowed",
    "min_purity",
    "fields",
    "mismatch",
    "candidates",
    "detect",
    "min_letters",
    "sample_chars",
    "action",
)
_FIELD_KEYS: Final = ("allowed", "min_purity")


@dataclass(frozen=True)
class FieldRule:
    allowed: tuple[str, ...] | None = None
    min_purity: float | None = None


@dataclass(frozen=True)
class LanguageConfig:
    allowed: tuple[str, ...] | None = None
    min_purity: float | None = None
    fields: dict[str, FieldRule] = field(default_factory=dict)
    mismatch: bool = True
    candidates: tuple[str, ...] | None = None
    detect: tuple[str, ...] = DETECTABLE_FIELDS
    min_letters: float = 5.0
    min_words: int = 3
    sample_chars: int = SAMPLE_CHARS
    flagged: frozenset[str] = frozenset()  # LANGUAGE_RULES whose action is `flag`

    def action_of(self, rule: str) -> str:
        return "flag" if rule in self.flagged else DEFAULT_ACTION

    def rule_for(self, name: str) -> FieldRule:
        """The field's own rule where the file gives one, the section-wide values otherwise."""
        return self.fields.get(name, FieldRule(allowed=self.allowed, min_purity=self.min_purity))

    def detected_fields(self) -> tuple[str, ...]:
        """Fields to detect: `detect`, plus instruction and response when the mismatch check needs them."""
        needed = ("instruction", "response") if self.mismatch else ()
        return tuple(f for f in DETECTABLE_FIELDS if f in self.detect or f in needed)

    def to_raw(self) -> dict[str, Any]:
        """The section as it runs, every default written out (for rules.resolved.yaml)."""
        return {
            "allowed": list(self.allowed) if self.allowed is not None else None,
            "min_purity": self.min_purity,
            "fields": {
                name: {
                    "allowed": list(rule.allowed) if rule.allowed is not None else None,
                    "min_purity": rule.min_purity,
                }
                for name, rule in self.fields.items()
            },
            "mismatch": self.mismatch,
            "candidates": list(self.candidates) if self.candidates is not None else None,
            "detect": list(self.detect),
            "min_letters": self.min_letters,
            "min_words": self.min_words,
            "sample_chars": self.sample_chars,
            "action": _action_raw(self),
        }

    def identify_settings(self) -> IdentifySettings:
        return IdentifySettings(
            resolution=make_resolution(
                self.candidates, min_letters=self.min_letters, min_words=self.min_words
            ),
            sample_chars=self.sample_chars,
        )


def _action_raw(config: LanguageConfig) -> str | dict[str, str]:
    """One action when every rule has the same, else one per rule."""
    actions = {rule: config.action_of(rule) for rule in LANGUAGE_RULES}
    return next(iter(actions.values())) if len(set(actions.values())) == 1 else actions


def _actions(raw: Any, place: str, problems: Problems) -> frozenset[str]:
    """The rules whose action is `flag`: `action` is one action for every rule or a rule → action mapping."""
    if not isinstance(raw, dict):
        return frozenset(LANGUAGE_RULES) if parse_action(raw, place, problems) == "flag" else frozenset()
    flagged = set()
    for rule, value in raw.items():
        if rule not in LANGUAGE_RULES:
            problems.unknown(f"{place}.{rule}", str(rule), LANGUAGE_RULES, what="language rule")
        elif parse_action(value, f"{place}.{rule}", problems) == "flag":
            flagged.add(rule)
    return frozenset(flagged)


def _languages(raw: Any, place: str, problems: Problems) -> tuple[str, ...] | None:
    if raw is None:
        return None
    if isinstance(raw, str):
        raw = [raw]
    if not isinstance(raw, list) or not all(isinstance(x, str) for x in raw):
        problems.add(place, "must be a list of ISO 639-1 language codes, e.g. [zh, en]")
        return None
    for i, code in enumerate(raw):
        if code not in SUPPORTED_LANGUAGES:
            problems.unknown(f"{place}[{i}]", code, SUPPORTED_LANGUAGES, what="language")
    return tuple(raw)


def _fraction(raw: Any, place: str, problems: Problems) -> float | None:
    if raw is None:
        return None
    if isinstance(raw, bool) or not isinstance(raw, int | float) or not 0.0 <= raw <= 1.0:
        problems.add(place, f"must be a number between 0 and 1, got {raw!r}")
        return None
    return float(raw)


def _field_rule(raw: Any, place: str, problems: Problems, base: FieldRule) -> FieldRule:
    if not isinstance(raw, dict):
        problems.add(place, "must be a mapping with allowed and/or min_purity")
        return base
    for key in raw:
        if key not in _FIELD_KEYS:
            problems.unknown(f"{place}.{key}", str(key), _FIELD_KEYS)
    allowed = _languages(raw["allowed"], f"{place}.allowed", problems) if "allowed" in raw else base.allowed
    purity = (
        _fraction(raw["min_purity"], f"{place}.min_purity", problems)
        if "min_purity" in raw
        else base.min_purity
    )
    return FieldRule(allowed=allowed, min_purity=purity)


def _number(raw: Any, place: str, problems: Problems, low: float, default: float) -> float:
    if isinstance(raw, bool) or not isinstance(raw, int | float) or raw < low:
        problems.add(place, f"must be a number >= {low:g}, got {raw!r}")
        return default
    return float(raw)


@section("language")
def parse_language(raw: Any, place: str, problems: Problems) -> LanguageConfig | None:
    """Parse the `language` section; every problem is added with its place."""
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        problems.add(place, "must be a mapping (see the language section in rules/default.yaml)")
        return None
    for key in raw:
        if key not in _KEYS:
            problems.unknown(f"{place}.{key}", str(key), _KEYS)
    allowed = _languages(raw.get("allowed"), f"{place}.allowed", problems)
    min_purity = _fraction(raw.get("min_purity"), f"{place}.min_purity", problems)
    base = FieldRule(allowed=allowed, min_purity=min_purity)
    fields: dict[str, FieldRule] = {}
    raw_fields = raw.get("fields") or {}
    if not isinstance(raw_fields, dict):
        problems.add(f"{place}.fields", "must be a mapping of field name to {allowed, min_purity}")
        raw_fields = {}
    for name, value in raw_fields.items():
        if name not in DETECTABLE_FIELDS:
            problems.unknown(f"{place}.fields.{name}", str(name), DETECTABLE_FIELDS, what="field")
            continue
        fields[name] = _field_rule(value, f"{place}.fields.{name}", problems, base)
    mismatch = raw.get("mismatch", True)
    if not isinstance(mismatch, bool):
        problems.add(f"{place}.mismatch", f"must be true or false, got {mismatch!r}")
        mismatch = True
    detect = raw.get("detect", list(DETECTABLE_FIELDS))
    if isinstance(detect, str):
        detect = [detect]
    if not isinstance(detect, list):
        problems.add(f"{place}.detect", "must be a list of fields")
        detect = list(DETECTABLE_FIELDS)
    for i, name in enumerate(detect):
        if name not in DETECTABLE_FIELDS:
            problems.unknown(f"{place}.detect[{i}]", str(name), DETECTABLE_FIELDS, what="field")
    candidates = _languages(raw.get("candidates"), f"{place}.candidates", problems)
    min_letters = _number(raw.get("min_letters", 5), f"{place}.min_letters", problems, 1, 5.0)
    min_words = _number(raw.get("min_words", 3), f"{place}.min_words", problems, 1, 3)
    sample_chars = _number(
        raw.get("sample_chars", SAMPLE_CHARS), f"{place}.sample_chars", problems, 20, SAMPLE_CHARS
    )
    return LanguageConfig(
        allowed=allowed,
        min_purity=min_purity,
        fields=fields,
        mismatch=mismatch,
        candidates=candidates,
        detect=tuple(d for d in detect if d in DETECTABLE_FIELDS),
        min_letters=min_letters,
        min_words=int(min_words),
        sample_chars=int(sample_chars),
        flagged=_actions(raw.get("action"), f"{place}.action", problems),
    )
