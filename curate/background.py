"""What the later stages of a run build or compile the first time, prepared in a second process while this
one runs the first stages: the first `winnow curate` after an install runs on both cores.

    python -m winnow.curation.background language dedup        # what start_background runs

A run's first use of the language stage builds langdetect's profiles and wordfreq's word table (~1.5 CPU-s),
and of near-duplicate dedup compiles its numba kernels (~3 CPU-s) and builds the NFKC table its normalizing
reads (~0.35 CPU-s); all are kept on disk and read back by every later run (winnow.curation.language.tables,
numba's cache, winnow.curation.kernels.unicode_fold). The checks stage, meanwhile, waits for its
own kernels, compiled by the warm-up thread (winnow.curation.kernels.warm_up) in this process, where a thread
cannot help: numba holds the GIL while it compiles. So `start_background` starts a child process for the
jobs whose results are not on disk yet (none on a second run: no process), and the run waits for a job
(`Background.wait`) just before the stage that reads its results. The child says each job is done by
printing its name; whether a job worked is never taken on trust: a stage that finds nothing on disk
builds or compiles it itself, as it did before, with the same result.

The child ends when its jobs are done or, at once (os._exit), when its stdin closes: `Background.close`
closes it when the run ends, fails or is interrupted, and the operating system does when this process dies.
Everything the child writes appears whole (numba writes its index and data under a temporary name and renames
them; the tables appear as a staging folder renamed), so a child stopped anywhere leaves nothing that a
later run would read half-written.
"""

from __future__ import annotations

import os
import select
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import IO, Any

JOBS = ("language", "dedup")  # in the order the stages read them
# seconds a stage waits for its job before preparing for itself: the jobs take a few CPU-seconds (~5 on this
# project's 2-core machine), so a child that has said nothing for this long is stuck, not slow
WAIT_LIMIT = 300.0


def _language_ready() -> bool:
    from winnow.curation.language import profiles, word_table
    from winnow.curation.language.tables import table_path

    tables = [
        (profiles.PROFILES_TABLE, profiles.profile_sources()),
        (profiles.NORMALIZE_TABLE, profiles.normalize_sources()),
        (word_table.TABLE, word_table.word_sources()[1]),
    ]
    return all(table_path(name, sources).is_dir() for name, sources in tables)


def _prepare_language() -> None:
    from winnow.curation.language.profiles import load_profiles, normalize_table
    from winnow.curation.language.word_table import word_table

    load_profiles()
    normalize_table()
    word_table()


def dedup_kernels() -> list[Any]:
    """The numba dispatchers near-duplicate dedup calls with the default settings: normalizing, the script
    choice, mix64 shingles, affine32 signatures, band keys, the verification's sets and intersections,
    union-find, each band's candidate pairs, and the candidate snapshot's bucket members and merge (re-runs)."""
    from winnow.curation.dedup import (
        candidates,
        clusters,
        lsh,
        minhash,
        normalize_kernel,
        script_kernel,
        shingle_mix,
        snapshot,
        verify,
    )

    return [
        normalize_kernel._normalize,
        script_kernel._shares,
        shingle_mix._shingle_mix64,
        minhash._affine32_signatures,
        lsh._band_keys,
        verify._sets,
        verify._gather_ranges,
        verify._intersections,
        clusters._union_pairs,
        clusters._roots_of,
        candidates._sorted_pair_codes,
        snapshot._marked_members,
        snapshot._merge,
    ]


def _dedup_compiled() -> bool:
    from winnow.curation.kernels.compiled import in_numba_cache

    return all(in_numba_cache(d) for d in dedup_kernels())


def _dedup_ready() -> bool:
    from winnow.curation.kernels.unicode_fold import fold_table_on_disk

    return fold_table_on_disk() and _dedup_compiled()


def _prepare_dedup() -> None:
    """Build the NFKC table, then call every dedup kernel once, through the functions dedup calls (which fix
    their argument types: one signature per kernel, the one a run compiles) unless all are compiled already
    (a run whose only missing piece is the table: loading the kernels here too would only delay the stage
    that waits for this job, ~1 s)."""
    from winnow.curation.kernels.unicode_fold import fold_table

    fold_table()
    if _dedup_compiled():
        return
    import numpy as np
    import polars as pl

    from winnow.curation.dedup.clusters import UnionFind, components
    from winnow.curation.dedup.lsh import band_keys
    from winnow.curation.dedup.minhash import Permutations, signatures
    from winnow.curation.dedup.normalize_kernel import normalize_texts
    from winnow.curation.dedup.script_kernel import by_character
    from winnow.curation.dedup.shingle_mix import shingle_mix64
    from winnow.curation.dedup.snapshot import build
    from winnow.curation.dedup.verify import DocSets, ShingleHashes

    texts = normalize_texts(
        pl.Series(["One two three four", "one two three five", "你好世界你好"]), fold=True, punctuation=True
    )
    hashes, offsets = shingle_mix64(texts, by_character(texts, threshold=0.3), word_ngram=3, char_ngram=3)
    sig = signatures(hashes & np.uint64(0xFFFFFFFF), offsets, Permutations.create(8, 1, "affine32"))
    band_keys(sig, 4, 2)
    docs = np.arange(3, dtype=np.int64)
    DocSets.build(ShingleHashes(docs, hashes, offsets), docs).jaccard(docs[:1], docs[1:2])
    components(3, docs[:1], docs[1:2])
    UnionFind(3).roots_of(docs)
    k1 = np.arange(8, dtype=np.uint64)  # eight documents, one leaves: a snapshot's update (a re-run)
    keys = [k1 % np.uint64(3)]
    update = build(k1, k1, keys, 32).update(k1[1:], k1[1:], lambda new: [keys[0][new]], 32)
    assert update is not None  # the merge ran


@dataclass(frozen=True)
class Job:
    ready: Callable[[], bool]  # its results are on disk already (checked in the parent: must be cheap)
    prepare: Callable[[], None]  # run in the child


REGISTRY: dict[str, Job] = {
    "language": Job(_language_ready, _prepare_language),
    "dedup": Job(_dedup_ready, _prepare_dedup),
}


def wanted_jobs(sections: dict[str, Any]) -> list[str]:
    """The jobs a rule file's sections call for: language with a `language` section, dedup with a `dedup`
    section whose near-duplicate search is on."""
    jobs = []
    if "language" in sections:
        jobs.append("language")
    near = getattr(sections.get("dedup"), "near", None)
    if near is not None and near.enabled:
        jobs.append("dedup")
    return jobs


@dataclass
class Background:
    """A started child (or none: nothing to prepare). `wait(job)` before a stage that reads the job's
    results; `close()` when the run ends, whatever way it ends."""

    process: subprocess.Popen[str] | None = None
    pending: list[str] = field(default_factory=list)
    _unread: bytes = b""  # what the child printed and no wait has read yet

    def wait(self, job: str, limit: float = WAIT_LIMIT) -> None:
        """Until the child has said `job` is done, has exited, or `limit` seconds have passed (then the stage
        prepares for itself; a child stuck somewhere must not hold the run)."""
        if job not in self.pending or self.process is None or self.process.stdout is None:
            return
        # the pipe is read through its descriptor, not the buffered text stream: select() sees only what the
        # stream has not buffered yet, so a line already in its buffer would wait for the limit
        descriptor = self.process.stdout.fileno()
        deadline = time.monotonic() + limit
        while job in self.pending:
            if b"\n" not in self._unread:
                ready, _, _ = select.select([descriptor], [], [], max(0.0, deadline - time.monotonic()))
                chunk = os.read(descriptor, 4096) if ready else b""
                if not chunk:  # exited, or past the limit: whatever it did not finish, the stages do
                    self.pending.clear()
                    return
                self._unread += chunk
                continue
            line, self._unread = self._unread.split(b"\n", 1)
            done = line.decode("utf-8", "replace").strip()
            if done in self.pending:
                del self.pending[: self.pending.index(done) + 1]

    def close(self) -> None:
        """Stop the child (at once if it is still working) and reap it: no process outlives the run."""
        process, self.process = self.process, None
        self.pending = []
        if process is None:
            return
        for stream in (process.stdin, process.stdout):
            if stream is not None:
                stream.close()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:  # a child stuck where it cannot see its stdin close
            process.kill()
            process.wait()


def start_background(wanted: Sequence[str]) -> Background:
    """Start a child for the `wanted` jobs (wanted_jobs) whose results are not on disk yet (none: no child)."""
    try:
        jobs = [job for job in wanted if not REGISTRY[job].ready()]
    except Exception:  # a check that fails only means the stage prepares for itself
        return Background()
    if not jobs:
        return Background()
    try:
        process = subprocess.Popen(
            [sys.executable, "-m", __name__, *jobs],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
    except OSError:
        return Background()
    return Background(process, jobs)


def _exit_when_closed(stdin: IO[str]) -> None:
    stdin.read()  # returns at EOF: the parent closed it, or died
    os._exit(0)  # not sys.exit: the main thread may be inside numba, which must not be finalized under it


def main(jobs: Sequence[str]) -> None:
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C goes to the parent, which closes our stdin
    threading.Thread(target=_exit_when_closed, args=(sys.stdin,), daemon=True).start()
    for job in jobs:
        try:
            REGISTRY[job].prepare()
        except Exception:  # not said done: the parent moves on at the next job's line, the stage does it
            continue
        print(job, flush=True)
    os._exit(0)  # the watcher thread is still reading stdin


if __name__ == "__main__":
    unknown = [job for job in sys.argv[1:] if job not in REGISTRY]
    if unknown:
        sys.exit(f"unknown job(s) {', '.join(unknown)}; known: {', '.join(JOBS)}")
    main(sys.argv[1:])
