"""The `split` rule-file section.

split:
  fractions: {train: 0.9, validation: 0.05, test: 0.05}   # must sum to 1; `val` is accepted for
                                # `validation` (the Hub's name, which exports use; the split column says val)
  stratify: [task, language]    # any of task, language, source; [] = one stratum
  language_field: instruction   # which `lang.<field>` column `language` means
  method: exact                 # exact | hash   (see winnow.curation.split.assign for the trade-off)
  seed: 0                       # part of every hash: another seed, another (equally stable) split
  keep_clusters_together: true  # rows of one `dup_cluster` share a split
  keep_prompts_together: true   # rows with the same normalized prompt share a split (dedup on or off)
  previous: null                # a parquet with id + split (an earlier run's kept.parquet): those rows
                                # keep their split; `run` = this run folder's rows.parquet if present
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from winnow.curation.rulefile.problems import Problems
from winnow.curation.rulefile.sections import section
from winnow.curation.tasks import parsing

SPLITS: Final = ("train", "val", "test")
# keys of `fractions`: the Hub's split names, `val` an alias of `validation`
FRACTION_KEYS: Final = {"train": "train", "validation": "val", "val": "val", "test": "test"}
STRATA: Final = ("task", "language", "source")
METHODS: Final = ("exact", "hash")
_KEYS: Final = (
    "fractions",
    "stratify",
    "language_field",
    "method",
    "seed",
    "keep_clusters_together",
    "keep_prompts_together",
    "previous",
)


@dataclass(frozen=True)
class SplitConfig:
    fractions: tuple[float, float, float] = (0.9, 0.05, 0.05)  # train, val, test
    stratify: tuple[str, ...] = ("task",)
    language_field: str = "instruction"
    method: str = "exact"
    seed: int = 0
    keep_clusters_together: bool = True
    keep_prompts_together: bool = True
    previous: str | None = None


def _fractions(raw: Any, place: str, problems: Problems) -> tuple[float, float, float]:
    body = parsing.mapping(raw, place, problems, FRACTION_KEYS)
    if not body:
        return SplitConfig.fractions
    if "val" in body and "validation" in body:
        problems.add(f"{place}.val", "give `validation` or its alias `val`, not both")
    keys = {FRACTION_KEYS[key]: key for key in body if key in FRACTION_KEYS}  # split -> key as written
    values = [
        parsing.number(
            body.get(keys.get(name, name)), f"{place}.{keys.get(name, name)}", problems, 0.0, 0.0, 1.0
        )
        or 0.0
        for name in SPLITS
    ]
    total = sum(values)
    if abs(total - 1.0) > 1e-6:
        problems.add(place, f"train + validation + test must sum to 1, got {total:g}")
        return SplitConfig.fractions
    return values[0], values[1], values[2]


def _stratify(raw: Any, place: str, problems: Problems) -> tuple[str, ...]:
    if raw is None:
        return SplitConfig.stratify
    if not isinstance(raw, list):
        problems.add(place, f"must be a list drawn from {', '.join(STRATA)}, got {raw!r}")
        return SplitConfig.stratify
    chosen: list[str] = []
    for index, item in enumerate(raw):
        if item not in STRATA:
            problems.unknown(f"{place}[{index}]", str(item), STRATA, what="stratum")
        elif item not in chosen:
            chosen.append(item)
    return tuple(chosen)


@section("split")
def parse_split(raw: Any, place: str, problems: Problems) -> SplitConfig:
    body = parsing.mapping(raw, place, problems, _KEYS)
    return SplitConfig(
        fractions=_fractions(body.get("fractions"), f"{place}.fractions", problems),
        stratify=_stratify(body.get("stratify"), f"{place}.stratify", problems),
        language_field=parsing.string(body.get("language_field"), f"{place}.language_field", problems)
        or "instruction",
        method=parsing.choice(body.get("method"), f"{place}.method", problems, METHODS, "exact"),
        seed=parsing.integer(body.get("seed"), f"{place}.seed", problems, 0) or 0,
        keep_clusters_together=parsing.boolean(
            body.get("keep_clusters_together"), f"{place}.keep_clusters_together", problems, True
        ),
        keep_prompts_together=parsing.boolean(
            body.get("keep_prompts_together"), f"{place}.keep_prompts_together", problems, True
        ),
        previous=parsing.string(body.get("previous"), f"{place}.previous", problems),
    )
