"""The n-gram detector for what the script cannot settle: langdetect's profiles, scored exactly (no sampling).

Until winnow-3 this module ran langdetect itself: seeded random sampling of n-grams, 7 trials, pure Python,
in worker processes, about 500 texts/s per core. Now it runs winnow.curation.language.bayes: the same profiles, the
same normalisation and smoothing, but every n-gram of a text counted once, batched with numpy (about
15,000 texts/s on one core, bench/results/langid.md), in this process. Answers depend only on (text,
candidates): the same in any batch, in any order, on any machine with the same langdetect profiles.
Since winnow-bayes-2 the n-gram sum is joined by word evidence from wordfreq's word lists
(winnow.curation.language.words), which settles short sentences the profiles get wrong; winnow-bayes-3 leaves the
acronyms of a mixed-case text out of that evidence; winnow-bayes-4 gives Afrikaans Dutch's word list;
winnow-bayes-5 credits the other languages without a list a little less than the best listed one.

DETECTOR_VERSION names the profiles, the word lists and the scoring; it is part of every cache key
(winnow.curation.language.cache), so answers of an earlier detector are never reused.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from importlib.metadata import version
from typing import Final

from winnow.curation.language.bayes import detect_many as _detect_batch

DETECTOR_VERSION: Final = (
    f"langdetect-{version('langdetect')}-profiles+wordfreq-{version('wordfreq')}-small/winnow-bayes-5"
)
BATCH: Final = 8192  # texts per batch: bounds memory, and the progress bar moves

Item = tuple[str, tuple[str, ...]]  # (text sample, candidate languages; empty = every profile)


def detect_one(text: str, candidates: tuple[str, ...] = ()) -> str:
    """ISO 639-1 code of `text` among `candidates` (all when empty), or "und" when there is nothing to go on."""
    return _detect_batch([(text, candidates)])[0]


def detect_many(items: Sequence[Item], *, progress: Callable[[int, int], None] | None = None) -> list[str]:
    """Answers for every item, in order."""
    total = len(items)
    answers: list[str] = []
    for start in range(0, total, BATCH):
        answers.extend(_detect_batch(items[start : start + BATCH]))
        if progress is not None:
            progress(len(answers), total)
    if progress is not None and total == 0:
        progress(0, 0)
    return answers
