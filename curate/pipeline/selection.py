"""The rules `winnow run` curates with: the rule file, plus the pipeline file's `select`, plus the model scores
a selection by a model's score needs.

    select: {budget: 500}          # in a pipeline file: keep the 500 best rows (by ifd unless `by` says)

A `select` section in the pipeline file is the rule file's `select` section (it wins over one there), so a
budget can be tried without editing a shared rule file. A selection by a score of the model to be trained
(`by: ifd`, the default, or loss_with_prompt, loss_without_prompt, quality_score) needs a `model_scores`
section; when the rule file has none, `winnow run` adds one that scores with the pipeline's `train.model`
(the demo model too: the `model` step runs before curate for it) and its `shard.template`, the model and
template the rows will be trained with, as issue 19 asks.
"""

from __future__ import annotations

from typing import Any

from winnow.curation.pipeline.config import PipelineConfig
from winnow.curation.rulefile.load import RuleFile, parse_rules

MODEL_SCORE_COLUMNS = ("ifd", "loss_with_prompt", "loss_without_prompt", "quality_score")
DEFAULT_BY = "ifd"  # winnow.curation.select.section's default


def needs_model_scores(config: PipelineConfig, rules: dict[str, Any]) -> bool:
    """Whether curate must score rows with the model to be trained: a selection by one of its scores and no
    model_scores section. `rules` is the rule file's merged YAML (RuleFile.raw)."""
    select = config.select if config.select is not None else rules.get("select")
    if not isinstance(select, dict) or "model_scores" in rules:
        return False
    return str(select.get("by", DEFAULT_BY)) in MODEL_SCORE_COLUMNS


def curate_rules(config: PipelineConfig, rules: RuleFile, model_dir: str) -> RuleFile:
    """`rules` with the pipeline's select and, where the selection needs them, model_scores by `model_dir`."""
    raw = dict(rules.raw)
    added: list[str] = []
    if config.select is not None:
        raw["select"] = dict(config.select)
        added.append("select")
    if needs_model_scores(config, rules.raw):
        raw["model_scores"] = {"model": model_dir, "template": config.shard.template}
        added.append("model_scores")
    if not added:
        return rules
    return parse_rules(raw, source=f"{rules.source} + {' and '.join(added)} from {config.path.name}")
