"""Third-party chatter that winnow's own output replaces, turned off only where winnow calls the library.

    with quiet_transformers():
        model = AutoModelForCausalLM.from_pretrained(path)   # no "Loading weights" bar
    with quiet_transformers():
        model = get_peft_model(model, config)                # no is_gradient_checkpointing FutureWarning

transformers 5 draws a tqdm bar per load ("Loading weights") and save ("Writing model shards"); they
interleave with winnow's rich bars and say nothing a person can act on (winnow prints what it loaded). peft
0.21 reads `model.is_gradient_checkpointing`, which transformers 5 deprecates with a FutureWarning on every
get_peft_model: the warning is for peft's authors, not for a person running `winnow demo`. Only that message
is filtered, and only inside the block: any other warning still shows.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager

# transformers' deprecations of the gradient-checkpointing names, met through peft (never winnow's own calls:
# train/model.py calls activation_checkpointing_enable where it exists)
DEPRECATED_BY_TRANSFORMERS = r"`(is_gradient_checkpointing|gradient_checkpointing_enable)` is deprecated"


@contextmanager
def quiet_transformers() -> Iterator[None]:
    """transformers' progress bars off and its gradient-checkpointing FutureWarnings filtered inside the block;
    the progress-bar setting is restored after it."""
    from transformers.utils import logging as hf_logging

    was_enabled = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=DEPRECATED_BY_TRANSFORMERS, category=FutureWarning)
            yield
    finally:
        if was_enabled:
            hf_logging.enable_progress_bar()
