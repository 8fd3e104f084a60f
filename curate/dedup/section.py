"""The `dedup` rule-file section.

dedup:
  key: conversation           # conversation | instruction | instruction_input | first_user_turn | response
                              # conversation: every turn, the reply included (system prompt left out):
                              # copies of the pair; the prompt keys: several answers to one prompt
  max_per_prompt: null        # with a prompt key: keep this many rows per prompt cluster (keep policy
                              # chooses), the others go with reason `max_per_prompt`; null = one
  exact: true                 # equal normalized key (NFKC, lower case, whitespace collapsed)
  punctuation_blind: false    # the exact key also ignores punctuation and symbols
  near:                       # MinHash LSH; `near: false` turns it off
    threshold: 0.7            # Jaccard of shingle sets
    num_perm: 128
    bands: null               # bands x rows; null = derived from the threshold
    rows: null
    word_ngram: 3             # space-delimited rows: word n-grams
    char_ngram: 3             # CJK rows: character n-grams (chosen per row)
    verify: true              # exact Jaccard of candidate pairs (removes false positives)
    measure: jaccard          # jaccard = |A∩B|/|A∪B|; containment = |A∩B|/min(|A|,|B|) (a short text
                              # inside a longer one; needs verify: true; dup_jaccard then holds it)
    candidate_threshold: null # Jaccard level bands x rows are derived for; null = threshold (jaccard) or,
                              # for containment, t / (4 - t): pairs whose larger set is up to 3x the smaller
    report_pairs: false       # true: every duplicate pair of rows (all LSH bucket pairs, verified) in
                              # RUNDIR/dup_pairs.parquet; quadratic in bucket size
    batch_size: 50000         # rows signed per batch
    spill: false              # keep signatures and band keys on disk (Parquet)
  keep: longest_response      # longest_response | best_quality | source_priority | first_seen | drop_whole_cluster
  source_priority: []         # globs, most preferred first (keep: source_priority)
  action: drop                # drop | flag: keep the duplicates (not the cluster's pick), listed in flagged_rules
  decontaminate:              # drop rows matching a reference set (reason `contaminated`)
    references: [eval/mt_bench.jsonl]
    key: instruction
    near: true
    threshold: 0.8
    measure: jaccard          # containment: a short reference question inside a longer row matches too
    action: drop              # drop | flag: keep contaminated rows, listed in flagged_rules
"""

from __future__ import annotations

import dataclasses
from typing import Any, TypeVar

from winnow.curation.dedup.config import (
    KEEP_POLICIES,
    KEYS,
    MEASURES,
    PROMPT_KEYS,
    SCHEMES,
    SHINGLE_HASHES,
    DecontamConfig,
    DedupConfig,
    NearConfig,
)
from winnow.curation.rulefile.action import ACTIONS
from winnow.curation.rulefile.problems import Problems
from winnow.curation.rulefile.sections import section

T = TypeVar("T")
_NESTED = ("near", "decontaminate", "source_priority", "references")
_OPTIONAL_FLOATS = ("candidate_threshold",)  # None by default, a number when given


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a number"
    return "a string"


def _fits(value: Any, default: Any, optional: bool) -> bool:
    if value is None:
        return optional
    if isinstance(default, bool) or (default is None and not optional):
        return isinstance(value, bool)
    if isinstance(default, float):
        return isinstance(value, int | float) and not isinstance(value, bool)
    if isinstance(default, int) or default is None:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, type(default))


def _scalars(raw: dict[str, Any], cls: type[T], place: str, problems: Problems) -> T:
    """A dataclass of scalar fields from `raw`, reporting unknown keys and wrong types."""
    fields = {f.name: f for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    values: dict[str, Any] = {}
    for name, value in raw.items():
        if name not in fields:
            problems.unknown(place, str(name), fields)
            continue
        if name in _NESTED:
            continue
        default = 0.0 if name in _OPTIONAL_FLOATS else getattr(cls(), name)
        optional = default is None or name in _OPTIONAL_FLOATS
        if not _fits(value, default, optional):
            expected = (
                ("a number or null" if isinstance(default, float) else "an integer or null")
                if optional
                else _kind(default)
            )
            problems.add(f"{place}.{name}", f"must be {expected}, got {value!r}")
            continue
        values[name] = float(value) if isinstance(default, float) and value is not None else value
    return cls(**values)


def _between(problems: Problems, place: str, value: float, lo: float, hi: float) -> None:
    if not lo <= value <= hi:
        problems.add(place, f"must be between {lo:g} and {hi:g}, got {value:g}")


def _near(raw: Any, place: str, problems: Problems) -> NearConfig:
    if raw is False:
        return NearConfig(enabled=False)
    if raw is None or raw is True:
        return NearConfig()
    if not isinstance(raw, dict):
        problems.add(place, "must be a mapping of MinHash settings, or false")
        return NearConfig()
    near = _scalars(raw, NearConfig, place, problems)
    _between(problems, f"{place}.threshold", near.threshold, 0.01, 1.0)
    _between(problems, f"{place}.num_perm", near.num_perm, 2, 4096)
    _between(problems, f"{place}.cjk_share", near.cjk_share, 0.0, 1.0)
    for name in ("word_ngram", "char_ngram", "batch_size", "max_bucket_pairs"):
        if getattr(near, name) < 1:
            problems.add(f"{place}.{name}", f"must be at least 1, got {getattr(near, name)}")
    for name in ("bands", "rows"):
        value = getattr(near, name)
        if value is not None and value < 1:
            problems.add(f"{place}.{name}", f"must be at least 1, got {value}")
    if near.bands and near.rows and near.bands * near.rows > near.num_perm:
        problems.add(place, f"bands x rows = {near.bands * near.rows} exceeds num_perm = {near.num_perm}")
    if near.scheme not in SCHEMES:
        problems.unknown(f"{place}.scheme", near.scheme, SCHEMES, what="scheme")
    if near.shingle_hash not in SHINGLE_HASHES:
        problems.unknown(f"{place}.shingle_hash", near.shingle_hash, SHINGLE_HASHES, what="shingle hash")
    if near.measure not in MEASURES:
        problems.unknown(f"{place}.measure", near.measure, MEASURES, what="measure")
    elif near.measure == "containment" and not near.verify:
        problems.add(f"{place}.measure", "containment needs verify: true (signatures estimate Jaccard only)")
    if near.candidate_threshold is not None:
        _between(problems, f"{place}.candidate_threshold", near.candidate_threshold, 0.01, 1.0)
    return near


def _strings(raw: Any, place: str, problems: Problems) -> tuple[str, ...]:
    if raw is None:
        return ()
    if isinstance(raw, str):
        raw = [raw]
    if not isinstance(raw, list) or not all(isinstance(s, str) and s for s in raw):
        problems.add(place, "must be a list of non-empty strings")
        return ()
    return tuple(raw)


def _decontaminate(raw: Any, place: str, problems: Problems) -> DecontamConfig | None:
    if raw is None or raw is False:
        return None
    if not isinstance(raw, dict):
        problems.add(place, "must be a mapping with `references` (a list of files)")
        return None
    config = _scalars(raw, DecontamConfig, place, problems)
    references = _strings(raw.get("references"), f"{place}.references", problems)
    if not references:
        problems.add(f"{place}.references", "give at least one reference file")
    if config.key not in KEYS:
        problems.unknown(f"{place}.key", config.key, KEYS, what="key")
    _between(problems, f"{place}.threshold", config.threshold, 0.01, 1.0)
    if config.measure not in MEASURES:
        problems.unknown(f"{place}.measure", config.measure, MEASURES, what="measure")
    if config.action not in ACTIONS:
        problems.unknown(f"{place}.action", config.action, ACTIONS, what="action")
    return dataclasses.replace(config, references=references)


def _max_per_prompt(config: DedupConfig, place: str, problems: Problems) -> None:
    if config.max_per_prompt is None:
        return
    where = f"{place}.max_per_prompt"
    if config.max_per_prompt < 1:
        problems.add(where, f"must be at least 1, got {config.max_per_prompt}")
    elif config.key not in PROMPT_KEYS:
        problems.add(
            where,
            f"caps rows per prompt: needs a prompt key ({', '.join(PROMPT_KEYS)}), not key: {config.key}",
        )
    elif config.keep == "drop_whole_cluster":
        problems.add(where, "keep: drop_whole_cluster keeps no row; max_per_prompt needs a keep policy")


@section("dedup")
def parse_dedup(raw: Any, place: str, problems: Problems) -> DedupConfig | None:
    if raw is None or raw is False:
        return None
    if raw is True:
        return DedupConfig()
    if not isinstance(raw, dict):
        problems.add(place, "must be a mapping of dedup settings (or false)")
        return None
    config = _scalars(raw, DedupConfig, place, problems)
    if config.key not in KEYS:
        problems.unknown(f"{place}.key", config.key, KEYS, what="key")
    if config.keep not in KEEP_POLICIES:
        problems.unknown(f"{place}.keep", config.keep, KEEP_POLICIES, what="keep policy")
    _max_per_prompt(config, place, problems)
    if config.action not in ACTIONS:
        problems.unknown(f"{place}.action", config.action, ACTIONS, what="action")
    priority = _strings(raw.get("source_priority"), f"{place}.source_priority", problems)
    if config.keep == "source_priority" and not priority:
        problems.add(f"{place}.source_priority", "keep: source_priority needs a list of source globs")
    return dataclasses.replace(
        config,
        near=_near(raw.get("near"), f"{place}.near", problems),
        source_priority=priority,
        decontaminate=_decontaminate(raw.get("decontaminate"), f"{place}.decontaminate", problems),
    )
