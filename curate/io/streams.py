"""An input file's bytes as UTF-8, whatever it was stored as: gzip (.gz) and zstd (.zst) are decompressed
and UTF-16 / UTF-32 text (recognised by its byte-order mark) is transcoded, in a stream, so every reader
sees what a plain UTF-8 file would hold, with the same lines.

Decision on encodings: a UTF-16 or UTF-32 file with its BOM is read, not refused: the BOM says without
guessing how it is encoded (Windows tools write such files), so every line is kept. A lone surrogate in it
(half of a UTF-16 pair) is passed on as its UTF-8-style bytes, so that line alone is quarantined by the
reader. Without a BOM no guess is made: such a file reads as UTF-8 and its lines are quarantined as not
being JSON. A UTF-8 BOM is left in place for the readers, which report it (see curate/io/jsonl.py).

A stream that breaks (a corrupt or truncated archive, a file ending inside a UTF-16 character) raises
StreamError after the bytes read so far; readers keep those lines and quarantine the rest of the file as one
entry naming where it broke.
"""

from __future__ import annotations

import codecs
import functools
import itertools
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

CHUNK_BYTES = 4 * 1024 * 1024
COMPRESSIONS = {".gz": "gzip", ".zst": "zstd"}
# UTF-32 first: its little-endian BOM starts with UTF-16's
WIDE_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


class StreamError(Exception):
    """The file's bytes stop being readable here; the message says why, for a person."""

    def lost_after(self, lines_read: int) -> str:
        """The quarantine message of a line reader that kept the `lines_read` lines before the break."""
        read = f"lines 1-{lines_read:,} were read" if lines_read else "no line could be read"
        return f"{self}; {read}, the rest of the file is lost"


def wide_encoding(head: bytes) -> str | None:
    """The UTF-16/UTF-32 codec named by the byte-order mark that `head` starts with, or None."""
    for bom, name in WIDE_BOMS:
        if head.startswith(bom):
            return name
    return None


def is_plain(path: Path, compression: str | None) -> bool:
    """True when the file's own bytes are what readers see (no decompression, no transcoding)."""
    if compression is not None:
        return False
    with path.open("rb") as handle:
        return wide_encoding(handle.read(4)) is None


def utf8_chunks(path: Path, compression: str | None) -> Iterator[bytes]:
    """The file's content as UTF-8, in chunks cut anywhere (not at line ends); raises StreamError."""
    chunks = _raw_chunks(path, compression)
    head = b""
    for chunk in chunks:  # enough bytes to see a byte-order mark
        head += chunk
        if len(head) >= 4:
            break
    encoding = wide_encoding(head)
    if encoding is None:
        if head:
            yield head
        yield from chunks
        return
    decoder = codecs.getincrementaldecoder(encoding)(errors="surrogatepass")
    bom = codecs.BOM_UTF32_LE if "32" in encoding else codecs.BOM_UTF16_LE  # both BOMs of a width are as long
    for chunk in itertools.chain([head[len(bom) :]], chunks):
        yield decoder.decode(chunk).encode("utf-8", errors="surrogatepass")
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError as error:
        name = encoding.upper()
        raise StreamError(f"the file ends inside a {name} character ({error.reason})") from None


def read_utf8(path: Path, compression: str | None) -> tuple[bytes, StreamError | None]:
    """The whole content as UTF-8 (for readers that need all of it: a JSON array, a text file), and the
    error that stopped the stream early, if one did (the bytes are then those before it)."""
    if is_plain(path, compression):
        return path.read_bytes(), None
    chunks: list[bytes] = []
    try:
        for chunk in utf8_chunks(path, compression):
            chunks.append(chunk)
    except StreamError as error:
        return b"".join(chunks), error
    return b"".join(chunks), None


def _raw_chunks(path: Path, compression: str | None) -> Iterator[bytes]:
    """The decompressed bytes; a damaged archive raises StreamError after all that could be decoded."""
    with path.open("rb") as handle:
        if compression is None:
            while chunk := handle.read(CHUNK_BYTES):
                yield chunk
        else:
            yield from _members(handle, compression)


def _members(handle: IO[bytes], compression: str) -> Iterator[bytes]:
    """Decompress gzip members or zstd frames one after another (as `cat a.gz b.gz` or `zstd` write them).
    A decompressor object is fed the file chunk by chunk, so the output decoded before a break is kept
    (gzip.open's read() drops it, and zstandard's stream reader returns nothing, without an error, for a
    truncated frame); a member that has not ended when the file does is a truncated file."""
    if compression == "zstd":
        import zstandard  # a dependency only .zst inputs need at run time

        context = zstandard.ZstdDecompressor()
        start: Callable[[], Any] = context.decompressobj
        broken: tuple[type[Exception], ...] = (zstandard.ZstdError,)
    else:
        start, broken = functools.partial(zlib.decompressobj, wbits=16 + zlib.MAX_WBITS), (zlib.error,)
    member, inside = start(), False  # inside: bytes were fed into `member` and it has not ended
    while data := handle.read(CHUNK_BYTES):
        while data:
            if not inside and compression == "gzip":
                data = data.lstrip(b"\x00")  # zero padding after a member, as gzip itself allows
                if not data:
                    break
            try:
                out = member.decompress(data)
            except broken as error:
                raise StreamError(f"{compression} data is corrupt ({error})") from None
            inside = True
            if out:
                yield out
            data = b""
            if member.eof:
                data, member, inside = member.unused_data, start(), False
    if inside:
        raise StreamError(f"{compression} data is truncated (the last {_UNIT[compression]} does not end)")


_UNIT = {"gzip": "member", "zstd": "frame"}
