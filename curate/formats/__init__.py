"""Every dataset format winnow reads and writes, each mapped to the canonical record (winnow.curation.record).

One module per format; `winnow.curation.formats.registry` holds them by name and detects a row's format.
"""

from __future__ import annotations

from winnow.curation.formats.base import Format, RowError, Written
from winnow.curation.formats.registry import all_formats, detect, get_format

__all__ = ["Format", "RowError", "Written", "all_formats", "detect", "get_format"]
