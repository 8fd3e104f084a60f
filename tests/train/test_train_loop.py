"""train/loop.py end to end on CPU: val loss goes down (real tiny pretrained Llama and a random-init one),
kill-and-resume reproduces the uninterrupted curve exactly, and the output folder has what it promises."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from rich.console import Console

from tests.train.train_shardkit import alpaca_pairs, one_torch_thread, random_llama, stories_dir, write_shards
from winnow.curation.errors import WinnowError
from winnow.trainer.config import load_config
from winnow.trainer.loop import train
from winnow.trainer.progress import read_metrics

pytestmark = pytest.mark.usefixtures("one_torch_thread")
__all__ = ["one_torch_thread"]


@pytest.fixture(scope="module")
def shards(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("shards")
    return write_shards(out, {"train": alpaca_pairs(96), "val": alpaca_pairs(24, 600)}, max_len=96)


def _quiet() -> Console:
    return Console(file=io.StringIO(), width=120)


def _evals(out: Path) -> list[tuple[int, float]]:
    return [(r["step"], r["eval_loss"]) for r in read_metrics(out / "metrics.jsonl") if r["kind"] == "eval"]


def _train_losses(out: Path) -> list[tuple[int, float]]:
    return [(r["step"], r["loss"]) for r in read_metrics(out / "metrics.jsonl") if r["kind"] == "train"]


def test_pretrained_tiny_llama_lowers_val_loss(shards: Path, tmp_path: Path) -> None:
    cfg = load_config(
        None, ["loop.max_steps=36", "loop.eval_every=12", "data.max_tokens=512", "optim.lr=3e-3"]
    )
    result = train(shards, str(stories_dir()), cfg, tmp_path / "out", console=_quiet())
    evals = _evals(tmp_path / "out")
    assert [s for s, _ in evals] == [0, 12, 24, 36]
    assert evals[-1][1] < evals[0][1] - 0.1
    assert result.best_eval == min(v for _, v in evals)


def test_random_init_tiny_llama_lowers_val_loss(shards: Path, tmp_path: Path) -> None:
    model = random_llama(tmp_path / "random")
    cfg = load_config(
        None, ["loop.max_steps=30", "loop.eval_every=30", "data.max_tokens=512", "optim.lr=5e-2"]
    )
    train(shards, str(model), cfg, tmp_path / "out", console=_quiet())
    evals = _evals(tmp_path / "out")
    assert evals[0][1] > 6.0  # ~ln(512) = 6.24: an untrained model
    assert evals[-1][1] < evals[0][1] - 0.25


class Killed(Exception):
    pass


def test_kill_and_resume_reproduces_the_uninterrupted_curve(shards: Path, tmp_path: Path) -> None:
    # dropout > 0 and packing: the RNG states and the sampler position must both come back.
    knobs = [
        "loop.max_steps=14",
        "loop.save_every=4",
        "loop.eval_every=5",
        "data.max_tokens=384",
        "data.packing=true",
        "optim.grad_accum=2",
        "lora.dropout=0.1",
        "optim.lr=3e-3",
    ]
    cfg = load_config(None, knobs)
    straight = tmp_path / "straight"
    train(shards, str(stories_dir()), cfg, straight, console=_quiet())

    def kill_at_step_7(step: int, _record: dict[str, Any]) -> None:
        if step == 7:
            raise Killed

    broken = tmp_path / "broken"
    with pytest.raises(Killed):
        train(shards, str(stories_dir()), cfg, broken, console=_quiet(), on_step=kill_at_step_7)
    state = json.loads((broken / "checkpoints" / "last" / "trainer_state.json").read_text())
    assert state["step"] == 4
    train(shards, str(stories_dir()), cfg, broken, resume=True, console=_quiet())

    with pytest.raises(WinnowError, match=r"optim\.lr: 0\.003 -> 0\.001"):
        train(shards, str(stories_dir()), load_config(None, [*knobs, "optim.lr=1e-3"]), broken, resume=True)
    assert [s for s, _ in _train_losses(broken)] == list(range(1, 15))
    assert _train_losses(broken) == _train_losses(straight)  # bit for bit
    assert _evals(broken) == _evals(straight)
    epochs = {r["epoch"] for r in read_metrics(straight / "metrics.jsonl") if r["kind"] == "train"}
    assert len(epochs) >= 2  # the run crosses an epoch boundary


def test_output_folder_has_adapter_tokenizer_config_metrics_and_report(shards: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    cfg = load_config(None, ["loop.max_steps=4", "loop.eval_every=2", "data.max_tokens=512"])
    train(shards, str(stories_dir()), cfg, out, console=_quiet())
    for name in ("adapter_model.safetensors", "adapter_config.json", "tokenizer.json", "train_config.yaml"):
        assert (out / name).is_file(), name
    assert (out / "best" / "adapter_model.safetensors").is_file()
    assert (out / "checkpoints" / "last" / "optimizer.safetensors").is_file()
    assert not list(out.rglob("*.bin"))  # no pickle anywhere
    assert not list(out.rglob("*.pt"))
    resolved = yaml.safe_load((out / "train_config.yaml").read_text())
    assert resolved["lora"]["r"] == 16
    assert resolved["resolved"] == {
        "device": "cpu",
        "dtype": "float32",
        "attn_implementation": "sdpa",
        "world_size": 1,
    }
    steps = [r for r in read_metrics(out / "metrics.jsonl") if r["kind"] == "train"]
    assert [r["step"] for r in steps] == [1, 2, 3, 4]
    for record in steps:
        assert record["real_tokens"] <= record["computed_tokens"]
        assert record["padding_efficiency"] == record["real_tokens"] / record["computed_tokens"]
        assert 0 < record["trained_tokens"] < record["real_tokens"]
    html = (out / "report.html").read_text()
    assert html.count("<svg") == 3
    assert "<script" not in html
    card = (out / "README.md").read_text(encoding="utf-8")
    header = yaml.safe_load(card.split("---\n")[1])
    assert header["base_model"] == stories_dir().name  # a folder's name, not this machine's absolute path
    assert header["library_name"] == "peft"
    assert "[More Information Needed]" not in card  # PEFT's empty template is replaced
    assert "- steps trained: 4;" in card
    assert "LoRA r=16, alpha=" in card
    assert 'PeftModel.from_pretrained(base, "path/to/this/folder")' in card
    with pytest.raises(WinnowError, match="already holds a training run"):
        train(shards, str(stories_dir()), cfg, out, console=_quiet())


def test_report_escapes_every_string(tmp_path: Path) -> None:
    from winnow.trainer.report import write_train_report

    (tmp_path / "metrics.jsonl").write_text(
        json.dumps(
            {
                "kind": "train",
                "step": 1,
                "loss": 1.0,
                "lr": 0.1,
                "real_tokens": 5,
                "computed_tokens": 6,
                "trained_tokens": 3,
                "padding_efficiency": 5 / 6,
                "tokens_per_s": 10.0,
                "seconds": 0.5,
            }
        )
        + "\n"
    )
    (tmp_path / "train_config.yaml").write_text(yaml.safe_dump({"model": "<script>alert(1)</script>"}))
    html = write_train_report(tmp_path).read_text()
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "83.33%" in html


def test_report_says_what_the_shards_dropped_and_truncated(tmp_path: Path) -> None:
    from winnow.trainer.report import write_train_report

    shards = {
        "kind": "shards",
        "step": 0,
        "rows_in": 1200,
        "dropped_rows": 7,
        "dropped_by_reason": {"too_long": 5, "reply_not_located": 2},
        "truncated_rows": 31,
        "truncation_policy": "truncate_last_response",
    }
    (tmp_path / "metrics.jsonl").write_text(json.dumps(shards) + "\n")
    html = write_train_report(tmp_path).read_text()
    assert "<th>rows given to winnow shard</th><td>1,200</td>" in html
    assert "<th>rows dropped by winnow shard</th><td>7 (reply_not_located 2, too_long 5)</td>" in html
    assert "<th>rows truncated by winnow shard</th><td>31</td>" in html
    (tmp_path / "metrics.jsonl").write_text("")  # a run from before the record: unknown, not zero
    assert (
        "<th>rows truncated by winnow shard</th><td>not recorded</td>"
        in write_train_report(tmp_path).read_text()
    )


def test_epochs_run_every_batch_of_every_epoch_once(shards: Path, tmp_path: Path) -> None:
    from winnow.trainer.batching import plan_batches
    from winnow.trainer.shards import load_split, read_manifest

    cfg = load_config(
        None, ["loop.epochs=2", "data.max_tokens=2048", "optim.grad_accum=2", "loop.eval_every=1000"]
    )
    train(shards, str(stories_dir()), cfg, tmp_path / "out", console=_quiet())
    split = load_split(shards, read_manifest(shards), "train")
    per_epoch = [len(plan_batches(split, max_tokens=2048, seed=42, epoch=e)) for e in (0, 1)]
    steps = [r for r in read_metrics(tmp_path / "out" / "metrics.jsonl") if r["kind"] == "train"]
    assert len(steps) == sum((n + 1) // 2 for n in per_epoch)
    assert [r["epoch"] for r in steps] == [0] * ((per_epoch[0] + 1) // 2) + [1] * ((per_epoch[1] + 1) // 2)
    assert sum(r["real_tokens"] for r in steps) == 2 * int(split.lengths.sum())  # every row, twice
