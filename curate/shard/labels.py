"""Character spans -> token labels, and the decode-back check (truncation: `winnow.curation.shard.truncate`).

A token is trained when it lies inside a reply span. A token that straddles a span edge is trained only if
the part outside the span is whitespace (byte-level BPE glues a leading space to the next word; SentencePiece
glues "▁"); a token that would carry header text is never trained. Every trained span is decoded back and
compared with the text it came from, under the tokenizer's own Unicode normalization: a mismatch means the
offsets and the labels disagree, and the row is dropped with reason `label_check_failed` rather than trained
wrongly.
"""

from __future__ import annotations

import json
import unicodedata
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from operator import itemgetter
from typing import Any, Literal, overload

IGNORE = -100


@dataclass(frozen=True)
class Labelled:
    """Token ids, labels (-100 = not trained) and the token range [i0, i1) of each reply."""

    input_ids: list[int]
    labels: list[int]
    reply_tokens: list[tuple[int, int]]


def token_range(text: str, offsets: Sequence[tuple[int, int]], span: tuple[int, int]) -> tuple[int, int]:
    """Token indices [i0, i1) inside the character span (token offsets are non-decreasing).

    Binary searches read only ~2 log n offsets, so `offsets` may be a lazy view (`EncodingOffsets`).
    """
    s, e = span
    if isinstance(offsets, EncodingOffsets):
        i0, i1 = offsets.first_ending_after(s), offsets.first_starting_at(e)
    else:
        i0 = bisect_right(offsets, s, key=_end)  # first token ending after s
        i1 = bisect_left(offsets, e, key=_start)  # first token starting at or after e
    if i0 < i1:
        start = offsets[i0][0]
        if start < s and text[start:s].strip():
            i0 += 1
    if i0 < i1:
        end = offsets[i1 - 1][1]
        if end > e and text[e:end].strip():
            i1 -= 1
    return i0, i1


_start = itemgetter(0)
_end = itemgetter(1)


class EncodingOffsets(Sequence[tuple[int, int]]):
    """The offsets of a `tokenizers.Encoding`, read one token at a time.

    `encoding.offsets` builds a Python tuple for every token; labelling needs a handful of them per reply.
    """

    def __init__(self, encoding: Any) -> None:
        self._encoding = encoding
        self._size = len(encoding)

    def __len__(self) -> int:
        return self._size

    @overload
    def __getitem__(self, index: int) -> tuple[int, int]: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[tuple[int, int]]: ...
    def __getitem__(self, index: int | slice) -> tuple[int, int] | Sequence[tuple[int, int]]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(self._size))]
        if not -self._size <= index < self._size:
            raise IndexError(index)
        return tuple(self._encoding.token_to_chars(index % self._size))

    # The two searches token_range needs. The token holding a character (one call into the tokenizer) is
    # the answer's candidate; checking its neighbours proves it is what the binary search would return
    # (keys are non-decreasing), and the binary search runs where the check fails (no token holds the
    # character, or tokens share offsets).

    def first_ending_after(self, s: int) -> int:
        """= bisect_right(self, s, key=end)."""
        t = self._encoding.char_to_token(s)
        if t is not None and self[t][1] > s and (t == 0 or self[t - 1][1] <= s):
            return int(t)
        return bisect_right(self, s, key=_end)

    def first_starting_at(self, e: int) -> int:
        """= bisect_left(self, e, key=start)."""
        t = self._encoding.char_to_token(e)
        if t is not None:
            c = t if self[t][0] >= e else t + 1
            if (c == self._size or self[c][0] >= e) and (c == 0 or self[c - 1][0] < e):
                return int(c)
        return bisect_left(self, e, key=_start)


def label(
    ids: list[int],
    offsets: Sequence[tuple[int, int]],
    text: str,
    replies: list[tuple[int, int]],
    *,
    train_on_prompt: bool = False,
    untrained: Sequence[tuple[int, int]] = (),
) -> Labelled:
    """Labels for one rendered conversation (replies only, or everything but `untrained` text)."""
    ranges = [token_range(text, offsets, span) for span in replies]
    if train_on_prompt:
        labels = list(ids)
        for span in untrained:
            i0, i1 = token_range(text, offsets, span)
            labels[i0:i1] = [IGNORE] * (i1 - i0)
    else:
        labels = [IGNORE] * len(ids)
        for i0, i1 in ranges:
            labels[i0:i1] = ids[i0:i1]
    return Labelled(ids, labels, ranges)


UnicodeForm = Literal["NFC", "NFD", "NFKC", "NFKD"]
UNICODE_FORMS: dict[str, UnicodeForm] = {"NFC": "NFC", "NFD": "NFD", "NFKC": "NFKC", "NFKD": "NFKD"}


def unicode_form(tokenizer: Any) -> UnicodeForm | None:
    """The Unicode normalization form the tokenizer's normalizer applies (Qwen3: NFC), or None.

    Read from the backend's serialized normalizer (a Sequence is searched in order; the last form wins, as
    applying them in turn would give). A tokenizer without a tokenizers backend normalizes nothing here.
    The normalizer alone is serialized: the whole tokenizer's JSON (vocabulary and merges) cost ~0.7 s to
    write and parse for Llama 3.1, in the shard command and again in each of its workers.
    """
    backend = getattr(tokenizer, "backend_tokenizer", None)
    if backend is None:
        return None
    try:
        normalizer = backend.normalizer
        spec = None if normalizer is None else json.loads(normalizer.__getstate__())
    except (AttributeError, TypeError, ValueError):
        return None
    found: UnicodeForm | None = None
    pending = [spec]
    while pending:
        node = pending.pop(0)
        if isinstance(node, dict):
            found = UNICODE_FORMS.get(str(node.get("type")), found)
            pending.extend(node.get("normalizers") or [])
    return found


def decode_matches(decoded: str, source: str, form: UnicodeForm | None = None) -> bool:
    """Decoded label tokens equal the span text (edges may differ by the whitespace a straddling token holds).

    Compared under the tokenizer's own Unicode normalization `form`: a tokenizer that normalizes to NFC
    decodes `e` + U+0301 as `é`, which is the same text, not a labelling error.
    """
    if form is not None:
        decoded, source = unicodedata.normalize(form, decoded), unicodedata.normalize(form, source)
    return decoded.strip() == source.strip()
