"""langdetect for what the script cannot settle: seeded, narrowed to candidates, in parallel processes.

langdetect samples n-grams at random, so it answers differently run to run unless seeded; every process here
(this one and each worker) loads its own profiles and seeds its own factories, and langdetect reseeds before
every text, so an answer depends only on (text, candidates, seed), not on which worker ran it or in which
order. Candidates get a factory holding only their profiles: a Han-only text can only come out zh or ja,
never ko, and langdetect's inner loop (one multiply per loaded language per sampled n-gram) runs over 3
languages instead of 55 for Han text, 31 instead of 55 for Latin text.
"""

from __future__ import annotations

import functools
import json
import multiprocessing
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from importlib.metadata import version
from typing import Final

from langdetect import DetectorFactory
from langdetect.detector import Detector
from langdetect.detector_factory import PROFILES_DIRECTORY
from langdetect.lang_detect_exception import LangDetectException
from langdetect.utils.lang_profile import LangProfile

SEED: Final = 0
DETECTOR_VERSION: Final = f"langdetect-{version('langdetect')}/winnow-3"
PARALLEL_MIN: Final = 256  # below this many texts, starting worker processes costs more than it saves
CHUNK: Final = 512

# ISO 639-1 (winnow) → langdetect profile names; langdetect splits Chinese by script variant.
_PROFILE_NAMES: Final[dict[str, tuple[str, ...]]] = {"zh": ("zh-cn", "zh-tw")}

Item = tuple[str, tuple[str, ...]]  # (text sample, candidate languages; empty = all)

_factories: dict[tuple[int, tuple[str, ...]], DetectorFactory] = {}


@functools.lru_cache(maxsize=64)
def _profile_names(candidates: tuple[str, ...]) -> tuple[str, ...]:
    known = set(os.listdir(PROFILES_DIRECTORY))
    if not candidates:
        return tuple(sorted(known))
    names = [name for lang in candidates for name in _PROFILE_NAMES.get(lang, (lang,))]
    return tuple(sorted(name for name in set(names) if name in known))


def _load_factory(seed: int, candidates: tuple[str, ...] = ()) -> DetectorFactory | None:
    """A seeded factory with the candidates' profiles (all profiles for no candidates); None if none exist."""
    names = _profile_names(candidates)
    if not names:
        return None
    key = (seed, names)
    if key not in _factories:
        DetectorFactory.seed = seed  # the documented switch; the instance copy below is what Detector reads
        factory = DetectorFactory()
        for index, name in enumerate(names):
            with open(os.path.join(PROFILES_DIRECTORY, name), encoding="utf-8") as handle:
                factory.add_profile(LangProfile(**json.load(handle)), index, len(names))
        factory.set_seed(seed)
        _factories[key] = factory
    return _factories[key]


def _code(profile: str) -> str:
    return "zh" if profile.startswith("zh-") else profile


class _LanguageDetector(Detector):
    """langdetect's Detector, converging on languages rather than profiles: zh-cn and zh-tw are one
    language here, so a Chinese text whose probability splits between them converges as soon as their sum
    is clear (langdetect alone runs all 7 trials to its 1000-iteration limit on such a text)."""

    def __init__(self, factory: DetectorFactory) -> None:
        super().__init__(factory)
        self._chinese = [i for i, lang in enumerate(self.langlist) if lang.startswith("zh-")]

    def _normalize_prob(self, prob: list[float]) -> float:
        maxp: float = super()._normalize_prob(prob)  # normalises `prob` in place
        if len(self._chinese) > 1:
            maxp = max(maxp, sum(prob[i] for i in self._chinese))
        return maxp


def detect_one(text: str, candidates: tuple[str, ...] = (), seed: int = SEED) -> str:
    """ISO 639-1 code of `text` among `candidates` (all when empty), or "und" when there is nothing to go on."""
    factory = _load_factory(seed, candidates)
    if factory is None:
        return "und"
    detector = _LanguageDetector(factory)
    detector.append(text)
    try:
        ranked = detector.get_probabilities()
    except LangDetectException:  # no n-gram the profiles know
        return "und"
    by_language: dict[str, float] = {}
    for language in ranked:
        by_language[_code(language.lang)] = by_language.get(_code(language.lang), 0.0) + language.prob
    if not by_language:
        return "und"
    return max(sorted(by_language), key=lambda code: by_language[code])


def _detect_chunk(items: Sequence[Item], seed: int) -> list[str]:
    return [detect_one(text, candidates, seed) for text, candidates in items]


def _init_worker(seed: int) -> None:
    _load_factory(seed)


def detect_many(
    items: Sequence[Item],
    *,
    workers: int = 2,
    seed: int = SEED,
    progress: Callable[[int, int], None] | None = None,
) -> list[str]:
    """Answers for every item, in order. Uses `workers` processes when there is enough work to pay for them."""
    total = len(items)
    workers = max(1, min(workers, os.cpu_count() or 1))
    if workers == 1 or total < PARALLEL_MIN:
        answers = _detect_chunk(items, seed)
        if progress is not None:
            progress(total, total)
        return answers
    chunk = min(CHUNK, max(32, total // (workers * 4)))
    try:
        return _detect_parallel(items, workers, seed, chunk, progress)
    except BrokenProcessPool:
        # A worker could not start (e.g. a script without an `if __name__ == "__main__":` guard, which
        # spawned workers re-import): same answers, one process.
        answers = _detect_chunk(items, seed)
        if progress is not None:
            progress(total, total)
        return answers


def _detect_parallel(
    items: Sequence[Item],
    workers: int,
    seed: int,
    chunk: int,
    progress: Callable[[int, int], None] | None,
) -> list[str]:
    total = len(items)
    starts = list(range(0, total, chunk))
    results: dict[int, list[str]] = {}
    done = 0
    # spawn, not fork: the parent runs Polars' thread pool, and forking a threaded process can deadlock.
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(
        max_workers=workers, mp_context=context, initializer=_init_worker, initargs=(seed,)
    ) as pool:
        futures = {pool.submit(_detect_chunk, list(items[s : s + chunk]), seed): s for s in starts}
        for future in as_completed(futures):
            start = futures[future]
            results[start] = future.result()
            done += len(results[start])
            if progress is not None:
                progress(done, total)
    return [answer for start in starts for answer in results[start]]
