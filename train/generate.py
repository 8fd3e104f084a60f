"""Sample from a trained adapter through the chat template it was trained with.

Generation stops at the end-of-turn token: the tokenizer's eos plus the template's own end-of-turn
token where the vocabulary has one (<|im_end|>, <|eot_id|>, <end_of_turn>, <|end|>).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch

from winnow.curation.errors import WinnowError
from winnow.trainer.merge import load_with_adapter

END_OF_TURN = ("<|im_end|>", "<|eot_id|>", "<end_of_turn>", "<|end|>")


def stop_ids(tokenizer: Any) -> list[int]:
    ids = {tokenizer.eos_token_id} if tokenizer.eos_token_id is not None else set()
    vocab = tokenizer.get_vocab()
    ids.update(vocab[t] for t in END_OF_TURN if t in vocab)
    return sorted(ids)


def prompt_ids(tokenizer: Any, prompt: str, system: str | None = None) -> torch.Tensor:
    if not tokenizer.chat_template:
        raise WinnowError(
            "the adapter's tokenizer has no chat template", hint="train on shards made by `winnow shard`"
        )
    messages = ([{"role": "system", "content": system}] if system else []) + [
        {"role": "user", "content": prompt}
    ]
    encoded = tokenizer.apply_chat_template(
        messages, add_generation_prompt=True, tokenize=True, return_dict=True
    )
    return torch.tensor([encoded["input_ids"]])


def generate(
    adapter_dir: Path,
    prompt: str,
    *,
    max_new_tokens: int = 128,
    temperature: float = 0.7,
    top_p: float = 0.9,
    seed: int = 0,
    system: str | None = None,
    base: str | None = None,
) -> str:
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(adapter_dir))
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    dtype = torch.bfloat16 if device.type == "cuda" and torch.cuda.is_bf16_supported() else torch.float32
    model = load_with_adapter(Path(adapter_dir), base, dtype).to(device).eval()
    ids = prompt_ids(tokenizer, prompt, system).to(device)
    torch.manual_seed(seed)
    out = model.generate(
        input_ids=ids,
        attention_mask=torch.ones_like(ids),
        max_new_tokens=max_new_tokens,
        do_sample=temperature > 0,
        temperature=temperature if temperature > 0 else None,
        top_p=top_p if temperature > 0 else None,
        eos_token_id=stop_ids(tokenizer),
        pad_token_id=tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id,
    )
    return str(tokenizer.decode(out[0, ids.shape[1] :], skip_special_tokens=True))
