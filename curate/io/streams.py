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
import gzip
import itertools
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import IO

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
    """The decompressed bytes; a damaged archive raises StreamError (after what could be read)."""
    with path.open("rb") as handle:
        if compression == "zstd":
            yield from _zstd_chunks(handle)
            return
        stream = gzip.GzipFile(fileobj=handle) if compression == "gzip" else handle
        while True:
            try:
                chunk = stream.read(CHUNK_BYTES)
            except (OSError, EOFError, zlib.error) as error:  # gzip.BadGzipFile is an OSError
                raise StreamError(f"gzip data is corrupt or truncated ({error})") from None
            if not chunk:
                return
            yield chunk


def _zstd_chunks(handle: IO[bytes]) -> Iterator[bytes]:
    """zstd frames one after another (as `zstd` and `cat a.zst b.zst` write them); zstandard's own stream
    reader returns nothing, without an error, for a truncated file, so each frame's end is checked here."""
    import zstandard  # a dependency only .zst inputs need at run time

    context = zstandard.ZstdDecompressor()
    frame = context.decompressobj()
    inside = False  # bytes were fed into `frame` and it has not ended
    while data := handle.read(CHUNK_BYTES):
        while data:
            try:
                out = frame.decompress(data)
            except zstandard.ZstdError as error:
                raise StreamError(f"zstd data is corrupt ({error})") from None
            inside = True
            if out:
                yield out
            data = b""
            if frame.eof:
                data, frame, inside = frame.unused_data, context.decompressobj(), False
    if inside:
        raise StreamError("zstd data is truncated (the last frame does not end)")
