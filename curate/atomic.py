"""Atomic writes: a file is written to a temporary name in the same folder, then renamed; a folder is
written into a staging folder next to it, then swapped in (`atomic_folder`).

A run killed at any moment leaves either the old file (folder) or the new one, never half of one that a
later stage would trust. A write that fails (a full disk) names the file it was writing, never the temporary
name: its OSError's `filename` is set to the file (inside a folder, to its place in the folder).
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import glob
import json
import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

import polars as pl
from polars._typing import ParquetCompression

from winnow.curation.errors import UsageError, WinnowError, os_error_in_text


def _umask() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return umask


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path next to `path`; on success it is renamed onto `path`.

    An OSError that names no file or the temporary one (a write to a full disk) is re-raised naming `path`;
    a Polars error that reports one ("(os error 28)") is raised as that OSError, naming `path`.
    """
    target = Path(path)
    tmp: Path | None = None
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
        tmp = Path(tmp_name)
        os.close(fd)
        # mkstemp creates the file owner-only; give it the permissions a plain open() would (0o666 minus umask)
        os.chmod(tmp, 0o666 & ~_umask())
        yield tmp
        os.replace(tmp, target)
    except (OSError, pl.exceptions.PolarsError) as error:
        reported = _reported_os_error(error, target)
        if reported is not None:
            raise reported from error
        if isinstance(error, OSError):
            _name_target(error, target)
        raise
    finally:
        if tmp is not None and tmp.exists():
            tmp.unlink()


def _reported_os_error(error: Exception, target: Path) -> OSError | None:
    """The OSError a Polars error (or an OSError without an errno) reports in its text, naming `target`."""
    if isinstance(error, OSError) and error.errno is not None:
        return None
    return os_error_in_text(error, str(target))


def _name_target(error: OSError, target: Path) -> None:
    """Point `error` at `target` where it names no file or a temporary one of `target` (a name no one gave)."""
    if error.filename is None or _is_temporary(error.filename, target):
        error.filename = str(target)
    second = _as_path(error.filename2)
    if second is not None and (second == target or _is_temporary(second, target)):
        error.filename2 = None  # os.replace(temporary, target): `target` alone says it


def _is_temporary(name: object, target: Path) -> bool:
    path = _as_path(name)
    return (
        path is not None
        and path.parent == target.parent
        and path.name.startswith(f".{target.name}.")
        and path.suffix == ".tmp"
    )


def _as_path(name: object) -> Path | None:
    """The path an OSError's filename holds; None for none or a file descriptor."""
    return Path(os.fsdecode(name)) if isinstance(name, str | bytes | os.PathLike) else None


@contextlib.contextmanager
def atomic_open(
    path: str | os.PathLike[str], mode: str = "w", encoding: str | None = "utf-8"
) -> Iterator[IO[Any]]:
    with atomic_path(path) as tmp, open(tmp, mode, encoding=None if "b" in mode else encoding) as handle:
        yield handle


def write_json(path: str | os.PathLike[str], value: Any) -> None:
    with atomic_open(path) as handle:
        json.dump(value, handle, ensure_ascii=False, indent=2, sort_keys=False, default=str)
        handle.write("\n")


def write_parquet(
    path: str | os.PathLike[str],
    frame: pl.DataFrame | pl.LazyFrame,
    compression: ParquetCompression = "zstd",
    metadata: dict[str, str] | None = None,
    compression_level: int | None = None,
) -> None:
    """`metadata`: key-value pairs stored in the file's footer (`pl.read_parquet_metadata` reads them);
    `compression_level`: the codec's level (None: Polars' default, zstd 3). A LazyFrame is streamed into the
    file (a filter of a big frame is never materialised whole), but its row groups, so its bytes, depend on
    the number of Polars threads: pass a DataFrame where the bytes must be a function of the rows alone."""
    with atomic_path(path) as tmp:
        if isinstance(frame, pl.LazyFrame):
            frame.sink_parquet(
                tmp, compression=compression, compression_level=compression_level, metadata=metadata
            )
        else:
            frame.write_parquet(
                tmp, compression=compression, compression_level=compression_level, metadata=metadata
            )


# ---- folders -------------------------------------------------------------------------------------------

STAGING = ".tmp-"  # a folder being written: .NAME.tmp-XXXXXXXX next to NAME
OLD = ".old-"  # the folder being replaced, while two plain renames swap it out (no atomic exchange)
_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


@contextlib.contextmanager
def atomic_folder(
    path: str | os.PathLike[str], *, carry: Callable[[str], bool] | None = None
) -> Iterator[Path]:
    """Yield a fresh, empty staging folder next to `path`; when the block ends without an error the staging
    folder replaces `path` whole, and the folder that was there is removed. On an error (or a kill) `path`
    is left as it was and the staging folder is removed (a kill's leftovers are removed by the next write).

    `carry(name)` picks entries of the folder being replaced that are carried into the new one before the
    swap (a run folder's `previous/` snapshot), as hard links (copies where a link fails): the old folder
    keeps them until it is swapped out, so a kill at any moment loses none. A reader sees the old folder or
    the new one, never a mix: on Linux the two are exchanged in one rename (renameat2 RENAME_EXCHANGE);
    elsewhere the old one is renamed away and the new one in, and a kill between the two is undone by the
    next write into `path`. `path` may not be the working folder or hold it (it is replaced, not entered).
    An OSError naming a file of the staging folder names its place in `path`; a full disk is a WinnowError
    naming that file.
    """
    target = Path(path).resolve()  # a symbolic link to a folder: the folder it points to is replaced
    cwd = Path.cwd().resolve()
    if target == cwd or target in cwd.parents:
        raise UsageError(
            f"{path} is the current folder or holds it, and would be replaced as a whole",
            hint="write into a subfolder instead (e.g. -o runs/r1)",
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    _recover(target)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}{STAGING}", dir=target.parent))
    os.chmod(staging, 0o777 & ~_umask())  # as a plain mkdir would (mkdtemp makes it owner-only)
    try:
        yield staging
        if carry is not None and target.is_dir():
            for entry in sorted(target.iterdir()):
                if carry(entry.name) and not (staging / entry.name).exists():
                    _link_copy(entry, staging / entry.name)
        _swap(staging, target)
    except OSError as error:
        _name_in_target(error, staging, target)
        if error.errno not in (errno.ENOSPC, errno.EDQUOT):
            raise
        written = error.filename or target
        left = "it" if str(written) == str(target) else target
        raise WinnowError(
            f"no space left on the device while writing {written}; {left} is left as it was before",
            hint=f"free some space on the disk of {target.parent} and run again",
        ) from error
    finally:
        shutil.rmtree(staging, ignore_errors=True)  # the staging folder, or after the swap the old one


def _name_in_target(error: OSError, staging: Path, target: Path) -> None:
    """A file of the staging folder is named by the place it was to have in `target`."""
    path = _as_path(error.filename)
    if path is not None and path.is_relative_to(staging):
        error.filename = str(target / path.relative_to(staging))


def _link_copy(source: Path, destination: Path) -> None:
    if source.is_symlink():
        os.symlink(os.readlink(source), destination)
    elif source.is_dir():
        shutil.copytree(source, destination, symlinks=True, copy_function=_link)
    else:
        _link(source, destination)


def _link(source: str | os.PathLike[str], destination: str | os.PathLike[str]) -> None:
    try:
        os.link(source, destination)
    except OSError:  # a file system without hard links
        shutil.copy2(source, destination)


def _swap(staging: Path, target: Path) -> None:
    """Put `staging` at `target`; what was at `target` ends up at `staging` (to be removed)."""
    if not target.exists():
        os.rename(staging, target)
        return
    if _exchange(staging, target):
        return
    old = target.with_name(f".{target.name}{OLD}{staging.name.rsplit('-', 1)[-1]}")
    os.rename(target, old)
    os.rename(staging, target)
    os.rename(old, staging)


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one atomic rename (Linux renameat2); False where the system cannot."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (AttributeError, OSError):  # a C library without renameat2 (glibc < 2.28, musl < 1.2.3)
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    if renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP):  # a file system or kernel without exchange
        return False
    raise OSError(code, os.strerror(code), str(b))


def _recover(target: Path) -> None:
    """Undo what a killed `atomic_folder` left next to `target`: an old folder renamed away with no new one
    in its place goes back; staging folders and old folders that were already replaced are removed."""
    olds = sorted(target.parent.glob(f".{glob.escape(target.name)}{OLD}*"))
    if olds and not target.exists():
        os.rename(olds.pop(), target)
    for leftover in [*olds, *target.parent.glob(f".{glob.escape(target.name)}{STAGING}*")]:
        shutil.rmtree(leftover, ignore_errors=True)
