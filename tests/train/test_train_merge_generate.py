"""train/merge.py and train/generate.py: the saved adapter reloads with peft and generates through its
chat template; merged-model logits equal base + adapter logits; a quantized base is refused."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import pytest
import torch
from rich.console import Console

from tests.train.train_shardkit import alpaca_pairs, one_torch_thread, stories_dir, write_shards
from winnow.curation.cli.main import main
from winnow.curation.errors import WinnowError
from winnow.trainer.config import load_config
from winnow.trainer.generate import prompt_ids, stop_ids
from winnow.trainer.merge import merge

pytestmark = pytest.mark.usefixtures("one_torch_thread")
__all__ = ["one_torch_thread"]


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from winnow.trainer.loop import train

    root = tmp_path_factory.mktemp("run")
    shards = write_shards(
        root / "shards", {"train": alpaca_pairs(32), "val": alpaca_pairs(8, 800)}, max_len=96
    )
    cfg = load_config(None, ["loop.max_steps=8", "optim.lr=1e-2", "data.max_tokens=512"])
    train(shards, str(stories_dir()), cfg, root / "out", console=Console(file=io.StringIO()))
    return root / "out"


def test_adapter_reloads_with_peft_and_generates_through_its_template(trained: Path) -> None:
    from peft import PeftModel
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(trained))
    assert "Assistant: " in tokenizer.chat_template  # the template the shards were made with
    base = AutoModelForCausalLM.from_pretrained(str(stories_dir()), dtype=torch.float32)
    model = PeftModel.from_pretrained(base, str(trained)).eval()
    ids = prompt_ids(tokenizer, "Tell me a story about a cat.")
    assert tokenizer.decode(ids[0]).endswith("Assistant: ")
    stops = stop_ids(tokenizer)
    assert stops == [tokenizer.eos_token_id]
    out = model.generate(
        input_ids=ids,
        attention_mask=torch.ones_like(ids),
        max_new_tokens=40,
        do_sample=False,
        eos_token_id=stops,
    )
    new = out[0, ids.shape[1] :].tolist()
    assert 0 < len(new) <= 40
    assert all(t not in stops for t in new[:-1])  # a stop token only ever ends the reply


def test_generate_command_prints_a_reply(trained: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(
        ["generate", str(trained), "Once upon a time", "--temperature", "0", "--max-new-tokens", "12"]
    )
    assert code == 0
    assert capsys.readouterr().out.strip()


def test_merged_logits_equal_base_plus_adapter(trained: Path, tmp_path: Path) -> None:
    from peft import PeftModel
    from transformers import AutoModelForCausalLM

    assert main(["merge", str(trained), "-o", str(tmp_path / "merged"), "--dtype", "fp32"]) == 0
    assert (tmp_path / "merged" / "model.safetensors").is_file()
    assert (tmp_path / "merged" / "tokenizer.json").is_file()
    probe = torch.tensor([[1, 45, 300, 12, 99, 7, 250, 31], [1, 5, 6, 7, 8, 9, 10, 11]])
    base = AutoModelForCausalLM.from_pretrained(str(stories_dir()), dtype=torch.float32).eval()
    with torch.no_grad():
        base_logits = base(input_ids=probe).logits
        with_adapter = PeftModel.from_pretrained(base, str(trained)).eval()(input_ids=probe).logits
        merged = AutoModelForCausalLM.from_pretrained(str(tmp_path / "merged"), dtype=torch.float32).eval()
        merged_logits = merged(input_ids=probe).logits
    assert (with_adapter - base_logits).abs().max() > 1e-2  # the adapter does something
    torch.testing.assert_close(merged_logits, with_adapter, atol=1e-4, rtol=1e-4)


def test_merge_refuses_a_quantized_base(trained: Path, tmp_path: Path) -> None:
    base = tmp_path / "quantized"
    shutil.copytree(stories_dir(), base)
    config = json.loads((base / "config.json").read_text())
    config["quantization_config"] = {"quant_method": "bitsandbytes", "load_in_4bit": True}
    (base / "config.json").write_text(json.dumps(config))
    with pytest.raises(WinnowError, match="the base model is quantized"):
        merge(trained, tmp_path / "m", base=str(base))


def test_train_command_reports_config_problems_before_loading_anything(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        [
            "train",
            "--shards",
            str(tmp_path),
            "--model",
            "/nowhere",
            "-o",
            str(tmp_path / "o"),
            "lora.rr=4",
            "optim.lr=-1",
        ]
    )
    assert code == 2
    err = capsys.readouterr().err
    assert "2 problem(s)" in err
    assert "did you mean" in err
    assert "optim.lr: must be > 0" in err
