"""IFD scores on the real tiny pretrained Llama (stories260K): equal to a direct per-row HF loss, cached.

The expected losses are computed here without winnow's batching: each row alone through
`model(input_ids, labels=labels).loss`, with ids from `apply_chat_template` and labels on the tokens after the
rendered prompt (the generation prompt's rendering), i.e. independently of the shard span locator.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from tests.conftest import shared_path

torch = pytest.importorskip("torch")

TEMPLATE = "alpaca"


def _rows() -> list[dict[str, Any]]:
    """Short real Alpaca rows (one with `input`), one with a system prompt, and a two-turn conversation."""
    data = json.loads(shared_path("llama_factory_demo", "alpaca_en_demo.json").read_text(encoding="utf-8"))
    short = [d for d in data if len(d["instruction"]) + len(d["input"]) + len(d["output"]) < 220][:6]
    rows: list[dict[str, Any]] = [
        {
            "kind": "sft",
            "messages": [
                {"role": "user", "content": d["instruction"]},
                {"role": "assistant", "content": d["output"]},
            ],
            "input": d["input"] or None,
        }
        for d in short
    ]
    rows.append({**rows[0], "system": "You are a terse assistant."})
    rows.append(
        {
            "kind": "sft",
            "messages": [
                {"role": "user", "content": "Tell me a story about a cat."},
                {"role": "assistant", "content": "Once upon a time, there was a cat."},
                {"role": "user", "content": "What did the cat do?"},
                {"role": "assistant", "content": "The cat played in the park with a ball."},
            ],
        }
    )
    return rows


def _direct_loss(model: Any, tokenizer: Any, template: str, messages: list[dict[str, str]]) -> float:
    """`model(input_ids, labels).loss` for the last reply of `messages`, labelled after the prompt."""
    full = tokenizer.apply_chat_template(messages, chat_template=template, tokenize=False)
    prompt = tokenizer.apply_chat_template(
        messages[:-1], chat_template=template, tokenize=False, add_generation_prompt=True
    )
    assert full.startswith(prompt)
    reply_end = len(prompt) + len(messages[-1]["content"]) + len(tokenizer.eos_token)
    encoded = tokenizer(full, add_special_tokens=False, return_offsets_mapping=True)
    ids = encoded["input_ids"]
    labels = [
        token if start >= len(prompt) and end <= reply_end else -100
        for token, (start, end) in zip(ids, encoded["offset_mapping"], strict=True)
    ]
    assert tokenizer.decode([t for t in labels if t != -100]).strip() == (
        messages[-1]["content"] + tokenizer.eos_token
    )
    with torch.no_grad():
        out = model(input_ids=torch.tensor([ids]), labels=torch.tensor([labels]))
    return float(out.loss)


def _messages(row: dict[str, Any]) -> list[dict[str, str]]:
    from winnow.curation.record import prompt_messages

    return prompt_messages(row)


def test_scores_equal_a_direct_per_row_loss(tmp_path: Path) -> None:
    from winnow.curation.scores.ifd import ModelScorer, ScoreSettings
    from winnow.curation.shard.templates import BUILTIN_TEMPLATES

    model_dir = shared_path("models", "stories260K", "hf")
    rows = _rows()
    scorer = ModelScorer(ScoreSettings(model=str(model_dir), template=TEMPLATE), tmp_path / "cache")
    result = scorer.score(rows)
    assert result.computed == len(rows)
    assert result.skipped == {}
    text = BUILTIN_TEMPLATES[TEMPLATE]
    for i, row in enumerate(rows):
        messages = _messages(row)
        with_prompt = _direct_loss(scorer.model, scorer.tokenizer, text, messages)
        alone = [{"role": "user", "content": ""}, messages[-1]]
        without = _direct_loss(scorer.model, scorer.tokenizer, text, alone)
        assert result.loss_with_prompt[i] == pytest.approx(with_prompt, abs=1e-5)
        assert result.loss_without_prompt[i] == pytest.approx(without, abs=1e-5)
        assert result.ifd[i] == pytest.approx(with_prompt / without, abs=1e-5)


def test_cache_hit_on_rerun_and_missed_when_model_or_template_change(tmp_path: Path) -> None:
    from winnow.curation.scores.ifd import ModelScorer, ScoreSettings

    model_dir = tmp_path / "model"
    shutil.copytree(shared_path("models", "stories260K", "hf"), model_dir)
    rows = _rows()[:4]
    cache = tmp_path / "cache"

    def run(template: str) -> Any:
        return ModelScorer(ScoreSettings(model=str(model_dir), template=template), cache).score(rows)

    first = run(TEMPLATE)
    assert (first.computed, first.from_cache) == (4, 0)
    again = run(TEMPLATE)
    assert (again.computed, again.from_cache) == (0, 4)
    assert again.ifd == first.ifd
    other_template = run("chatml")
    assert (other_template.computed, other_template.from_cache) == (4, 0)
    config = model_dir / "config.json"
    config.write_text(config.read_text(encoding="utf-8") + "\n", encoding="utf-8")  # same model, other bytes
    changed = run(TEMPLATE)
    assert (changed.computed, changed.from_cache) == (4, 0)


def test_rows_without_a_prompt_or_reply_are_not_scored(tmp_path: Path) -> None:
    from winnow.curation.scores.ifd import ModelScorer, ScoreSettings

    model_dir = shared_path("models", "stories260K", "hf")
    rows: list[dict[str, Any]] = [
        {"kind": "pretrain", "text": "Once upon a time."},
        {"kind": "sft", "messages": [{"role": "assistant", "content": "Hello."}]},
        {
            "kind": "sft",
            "messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": ""}],
        },
        {
            "kind": "sft",
            "messages": [{"role": "user", "content": "Hi " * 400}, {"role": "assistant", "content": "Hi"}],
        },
    ]
    result = ModelScorer(ScoreSettings(model=str(model_dir), template=TEMPLATE), None).score(rows)
    assert result.ifd == [None, None, None, None]
    assert result.skipped == {"no_prompt": 2, "no_reply": 1, "too_long": 1}


def test_stage_adds_scores_to_kept_rows_and_flags_ifd_at_least_one(tmp_path: Path) -> None:
    from winnow.curation.record import frame_from_rows
    from winnow.curation.rulefile.load import parse_rules
    from winnow.curation.run_curate import curate_frame

    model_dir = shared_path("models", "stories260K", "hf")
    rows = [{**row, "id": f"r{i}"} for i, row in enumerate(_rows()[:4])]
    frame = frame_from_rows(rows).with_columns(
        drop_reason=pl.when(pl.col("id") == "r3").then(pl.lit("too_short"))
    )
    rules = parse_rules({"model_scores": {"model": str(model_dir), "template": TEMPLATE}})
    first = curate_frame(frame, rules, cache_dir=tmp_path / "cache", only_stages=["model_scores"])
    out = first.frame
    stats = first.stats["stages"]["model_scores"]
    assert (stats["rows_considered"], stats["computed"], stats["from_cache"], stats["failing"]) == (
        3,
        3,
        0,
        2,
    )
    rerun = curate_frame(frame, rules, cache_dir=tmp_path / "cache", only_stages=["model_scores"])
    assert (
        rerun.stats["stages"]["model_scores"]["computed"],
        rerun.stats["stages"]["model_scores"]["from_cache"],
    ) == (0, 3)
    assert rerun.frame["ifd"].to_list() == out["ifd"].to_list()
    assert out.height == 4
    assert out["ifd"].null_count() == 1
    assert out["ifd"][3] is None  # already dropped: not scored
    ifd = out["ifd"].to_list()[:3]
    assert ifd == pytest.approx([0.9944793933, 1.0151148072, 1.0044067035], abs=1e-6)
    assert out["flagged_rules"].to_list() == [[], ["prompt_does_not_help"], ["prompt_does_not_help"], []]
    assert out["quality_score"].to_list() == [pytest.approx(0.9944793933, abs=1e-6), None, None, None]
    assert out["drop_reason"].to_list() == [None, None, None, "too_short"]


def test_rule_file_problems_are_reported_with_their_place() -> None:
    from winnow.curation.errors import ConfigError
    from winnow.curation.rulefile.load import parse_rules

    with pytest.raises(ConfigError) as caught:
        parse_rules({"model_scores": {"model": "/nonexistent/model", "action": "drops", "max_lenn": 3}})
    message = str(caught.value)
    assert "model_scores.model: no such folder: /nonexistent/model" in message
    assert "model_scores.action: unknown action 'drops' (did you mean \"drop\"?)" in message
    assert "model_scores.max_lenn: unknown key 'max_lenn' (did you mean \"max_len\"?)" in message


def test_device_auto_is_the_cpu_here_and_cuda_without_a_gpu_is_a_usage_error() -> None:
    from winnow.curation.errors import UsageError
    from winnow.curation.scores.device import resolve_device

    if torch.cuda.is_available():
        pytest.skip("a CUDA device is present: auto resolves to it")
    assert str(resolve_device("auto")) == "cpu"
    assert str(resolve_device("cpu")) == "cpu"
    with pytest.raises(UsageError, match="torch sees no CUDA device"):
        resolve_device("cuda")
