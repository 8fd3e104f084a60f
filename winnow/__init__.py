"""winnow: curate instruction data for fine-tuning, and train LoRA adapters on it.

    import winnow

    corpus = winnow.read(["data/alpaca.json", "more/*.jsonl"])   # or a Polars frame, a datasets.Dataset, dicts
    curated = winnow.curate(corpus, rules="default")             # every stage of a rule file, in memory
    curated.kept, curated.dropped, curated.flagged               # every row is in one of kept / dropped
    rows = winnow.export(curated, "sharegpt")                    # list of dicts; as_dataset=True: DatasetDict
    shards = winnow.shard(curated, tokenizer=MODEL, out_dir="runs/shards", run_dir="runs/curated")
    winnow.train(shards, model=MODEL, out_dir="runs/adapter", overrides={"loop.max_steps": 100})

The one importable name winnow installs. Its parts keep their folders in the repository and are mapped under
it (winnow/curate links to ../curate, and so on): `winnow.curation` (read, check, dedup, split, export, shard),
`winnow.trainer` (the LoRA SFT trainer), `winnow.reports` (HTML reports), `winnow.rules` (shipped rule files).
The API's names are loaded on first use, so `import winnow` (and the `winnow` command) stays quick.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from winnow.curation import __version__

if TYPE_CHECKING:
    from winnow.curating import Curated, curate
    from winnow.example import example_inputs
    from winnow.exporting import export
    from winnow.reading import Corpus, read
    from winnow.training import demo_model, shard, train

# public name -> the module defining it
_API = {
    "read": "winnow.reading",
    "Corpus": "winnow.reading",
    "curate": "winnow.curating",
    "Curated": "winnow.curating",
    "export": "winnow.exporting",
    "shard": "winnow.training",
    "train": "winnow.training",
    "demo_model": "winnow.training",
    "example_inputs": "winnow.example",
}

__all__ = [
    "Corpus",
    "Curated",
    "__version__",
    "curate",
    "demo_model",
    "example_inputs",
    "export",
    "read",
    "shard",
    "train",
]


def __getattr__(name: str) -> Any:
    module = _API.get(name)
    if module is None:
        raise AttributeError(f"module 'winnow' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # loaded once
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_API))
