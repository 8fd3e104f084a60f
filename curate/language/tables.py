"""The detector's models as prebuilt arrays on disk: read in milliseconds instead of rebuilt in every process.

Parsing langdetect's 55 JSON profiles into the n-gram table, and unpacking the ~26 wordfreq lists a
Latin-script text is scored against, cost about half a CPU-second per process: more than detecting a few
thousand texts. The built arrays are the same in every process, so the first process keeps them as .npy
files, one folder per table, under $XDG_CACHE_HOME/winnow (default ~/.cache/winnow), and later ones map
them into memory (np.load with mmap_mode): the pages a batch touches are read, not the whole table. The
same arrays, bit for bit, so the same answers.

A table's file name carries a digest of what it is built from: the source files (path, size, modification
time) and the source of the modules that build it (winnow.curation.language.profiles, .word_table and this
one). Another langdetect or wordfreq, or a change to the building code, gives another folder and a
rebuild. A folder appears whole (written aside, then renamed); a damaged one is rebuilt; a cache folder
that cannot be written leaves the table in memory for this process only (as
winnow.curation.kernels.unicode_classes does with its tables).
"""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Final

import numpy as np

TABLE_FORMAT: Final = 1
# The modules whose source builds the tables: a change to any of them gives new folder names.
_BUILDERS: Final = ("profiles.py", "word_table.py", "tables.py")
_SEPARATOR: Final = "\x00"  # between packed strings; a string holding it is not cached (pack_strings)

Arrays = dict[str, np.ndarray]


def cache_folder() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "winnow"


def table_path(name: str, sources: Sequence[Path]) -> Path:
    """Where table `name` built from `sources` lives: its folder name carries the digest of its inputs."""
    digest = hashlib.blake2b(f"{TABLE_FORMAT}|{name}".encode(), digest_size=8)
    here = Path(__file__).resolve().parent
    for module in _BUILDERS:
        digest.update((here / module).read_bytes())
    for source in sources:
        stat = source.stat()
        digest.update(f"|{source}|{stat.st_size}|{stat.st_mtime_ns}".encode())
    return cache_folder() / f"language-{name}-{digest.hexdigest()}"


def cached_arrays(
    name: str, sources: Sequence[Path], keys: Sequence[str], build: Callable[[], Arrays]
) -> Arrays:
    """`build()`'s arrays (named `keys`), mapped from the disk cache when it holds this build of them (else
    built and kept). Mapped arrays are read-only."""
    folder = table_path(name, sources)
    if folder.is_dir():
        try:
            arrays = {path.stem: np.load(path, mmap_mode="r") for path in folder.glob("*.npy")}
            if sorted(arrays) == sorted(keys):
                return arrays
        except (OSError, ValueError):
            pass
        shutil.rmtree(folder, ignore_errors=True)  # damaged: built again below
    arrays = build()
    _store(folder, arrays)
    return arrays


def _store(folder: Path, arrays: Arrays) -> None:
    """Write aside, then rename: a reader sees no folder or the whole one, never a partial one."""
    _remove_orphans(folder)
    partial = folder.with_name(f"{folder.name}.{os.getpid()}.tmp")
    try:
        partial.mkdir(parents=True, exist_ok=True)
        for key, array in arrays.items():
            np.save(partial / f"{key}.npy", array)
        partial.rename(folder)
    except OSError:
        # a read-only home, or another process renamed its copy first: this process keeps its own arrays
        shutil.rmtree(partial, ignore_errors=True)


def _remove_orphans(folder: Path) -> None:
    """Remove the partial folders of `folder` left by processes that are gone (a run, or a first run's
    background child, killed while writing): nothing reads them, and each holds a table's worth of disk."""
    for partial in folder.parent.glob(f"{folder.name}.*.tmp"):
        pid = partial.name[len(folder.name) + 1 : -len(".tmp")]
        if not pid.isdigit() or int(pid) == os.getpid():
            continue
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            shutil.rmtree(partial, ignore_errors=True)
        except OSError:
            continue  # alive, another user's: left alone


def pack_strings(strings: Sequence[str]) -> np.ndarray:
    """The strings (at least one) as one UTF-8 byte array, separated by NUL; ValueError when one holds a
    NUL (the caller then keeps its table in memory)."""
    if any(_SEPARATOR in s for s in strings):
        raise ValueError("a string holds the separator")
    return np.frombuffer(_SEPARATOR.join(strings).encode("utf-8"), dtype=np.uint8)


def unpack_strings(packed: np.ndarray) -> list[str]:
    """pack_strings' strings, in order."""
    return packed.tobytes().decode("utf-8").split(_SEPARATOR)
