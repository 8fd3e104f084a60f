"""Row ids: the buffer-reading XXH3 loop, the vectorised readers' content keys and occurrence numbering."""

from __future__ import annotations

import polars as pl
import pyarrow as pa
import pytest
import xxhash
from polars.testing import assert_series_equal

from winnow.curation.formats.registry import get_format
from winnow.curation.io.ids import (
    HASH,
    HASH_HI,
    HASH_LO,
    _key_spans,
    content_key,
    hash_keys,
    ids_from_hashes,
    key_digest,
)
from winnow.curation.io.sink import canonical

KEYS = ["a", "twelve bytes", "thirteen byte", "é" * 20, "", "x\x00y\x1fz" * 30]


def digest_hex(text: str) -> str:
    return xxhash.xxh3_128_hexdigest(text.encode())[:24]


def test_key_digest_is_the_first_96_bits_of_xxh3_128() -> None:
    # the XXH3-128 of "abc" from the xxHash reference implementation (canonical big-endian form)
    assert xxhash.xxh3_128_hexdigest(b"abc") == "06b05ab6733a618578af5f94892f3950"
    assert key_digest(b"abc").hex() == "06b05ab6733a618578af5f94"


def test_hash_keys_matches_the_digest_for_inline_and_buffered_views() -> None:
    # string_view keeps keys of up to 12 bytes inside the view itself, longer ones in data buffers
    assert hash_keys(pl.Series(KEYS))[HASH].to_list() == [digest_hex(k) for k in KEYS]


def test_hash_keys_on_a_slice_reads_the_right_rows() -> None:
    series = pl.Series(KEYS).slice(2, 3)
    assert hash_keys(series)[HASH].to_list() == [digest_hex(k) for k in KEYS[2:5]]


@pytest.mark.parametrize("arrow_type", [pa.string(), pa.large_string(), pa.string_view()])
def test_key_spans_of_every_arrow_string_layout(arrow_type: pa.DataType) -> None:
    array = pa.array(KEYS, type=arrow_type).slice(1)  # a non-zero offset too
    buffers, (index, starts), lengths = _key_spans(array)
    spans = [bytes(buffers[b][s : s + n]) for b, s, n in zip(index, starts, lengths, strict=True)]
    assert spans == [k.encode() for k in KEYS[1:]]


def test_hash_integers_are_the_digest_bytes() -> None:
    out = hash_keys(pl.Series(["abc"]))
    digest = key_digest(b"abc")
    assert out.row(0) == (
        digest.hex(),
        int.from_bytes(digest[:8], "little"),
        int.from_bytes(digest[8:], "little"),
    )


def test_ids_number_repeats_in_input_order() -> None:
    frame = hash_keys(pl.Series(["p", "q", "p", "p", "q", "r"])).with_columns(x=pl.int_range(6))
    ids = ids_from_hashes(frame)
    assert ids.columns == ["x", "id"]
    assert ids["id"].to_list() == [
        digest_hex("p"),
        digest_hex("q"),
        f"{digest_hex('p')}-1",
        f"{digest_hex('p')}-2",
        f"{digest_hex('q')}-1",
        digest_hex("r"),
    ]


def test_repeats_are_counted_per_whole_digest_when_high_words_collide() -> None:
    # rows whose digests share the high 64 bits but not the low 32 are different content: numbered apart
    frame = pl.DataFrame(
        {
            HASH: ["a", "b", "a", "c", "b", "a"],
            HASH_HI: pl.Series([7, 7, 7, 8, 7, 7], dtype=pl.UInt64),
            HASH_LO: pl.Series([1, 2, 1, 3, 2, 1], dtype=pl.UInt32),
        }
    )
    assert ids_from_hashes(frame)["id"].to_list() == ["a", "b", "a-1", "c", "b-1", "a-2"]


def test_ids_without_repeats_are_the_plain_hashes() -> None:
    ids = ids_from_hashes(hash_keys(pl.Series(["p", "q"])))
    assert ids["id"].to_list() == [digest_hex("p"), digest_hex("q")]


@pytest.mark.parametrize(
    ("name", "frame"),
    [
        ("alpaca", {"instruction": ["q", "", "q3"], "input": ["", "ctx", None], "output": ["a", "b", "c"]}),
        ("alpaca", {"instruction": ["q"], "output": ["a"], "system": ["be kind"]}),
        (
            "dolly",
            {"instruction": ["q", "r"], "context": ["c", ""], "response": ["a", "b"], "category": ["x", ""]},
        ),
        ("pretrain", {"text": ["doc one", "doc two"]}),
        ("preference_alpaca", {"instruction": ["q"], "chosen": ["good"], "rejected": ["bad"]}),
        ("input_target", {"input_text": ["q"], "target_text": ["a"]}),
    ],
)
def test_flat_frame_keys_equal_the_canonical_content_key(
    name: str, frame: dict[str, list[str | None]]
) -> None:
    """The fast path hashes keys built from input columns: they must be the keys of the canonical rows."""
    fmt = get_format(name)
    data = pl.DataFrame(frame, schema={k: pl.String() for k in frame})
    records, bad = fmt.frame_records(data)  # type: ignore[attr-defined]
    assert not bad.any()
    expected = pl.select(
        pl.concat_str([pl.lit("f.jsonl"), content_key(canonical(records))], separator="\x1c")
    )
    assert_series_equal(fmt.frame_keys(data, "f.jsonl"), expected.to_series(), check_names=False)  # type: ignore[attr-defined]
