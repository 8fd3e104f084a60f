"""Which device a model-aware stage runs on: `auto` takes a GPU when one is present, else the CPU.

Shared by the model scores and the encoder (winnow.curation.embed), so `device:` means the same in every
rule-file section that loads a model. Asking for `cuda` where there is none is a usage error, not a crash
deep inside torch.
"""

from __future__ import annotations

from typing import Any

from winnow.curation.errors import UsageError


def resolve_device(want: str) -> Any:
    """torch.device for `auto`, `cpu` or `cuda` (torch is imported here, when a model is about to load)."""
    import torch

    available = torch.cuda.is_available()
    if want == "cuda" and not available:
        raise UsageError("device: cuda was asked for, but torch sees no CUDA device", hint="use device: auto")
    return torch.device("cuda" if want == "cuda" or (want == "auto" and available) else "cpu")
