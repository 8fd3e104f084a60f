"""The built-in example: a few thousand zh/en instruction rows in several formats, with planted problems of every
kind winnow's checks look for, plus a pipeline file that runs the whole tool on it (`winnow demo`).

The rows are written by `winnow.curation.example.generate` (deterministic for its seed) and shipped in `data/`, so the demo
needs no download and no ../shared folder.
"""

from importlib import resources
from pathlib import Path


def example_dir() -> Path:
    """Folder of the shipped example (data/ and pipeline.yaml)."""
    return Path(str(resources.files(__name__)))
