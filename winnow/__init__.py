"""winnow: curate instruction data for fine-tuning, and train LoRA adapters on it.

The one importable name winnow installs. Its parts keep their folders in the repository and are mapped
under it (winnow/curate → ../curate, and so on): `winnow.curate` (read, check, dedup, split, export, shard),
`winnow.train` (the LoRA SFT trainer), `winnow.reports` (HTML reports), `winnow.rules` (shipped rule files).
"""

from winnow.curate import __version__

__all__ = ["__version__"]
