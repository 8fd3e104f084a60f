"""Every dataset format winnow reads and writes, each mapped to the canonical record (winnow.curate.record).

One module per format; `winnow.curate.formats.registry` holds them by name and detects a row's format.
"""

from __future__ import annotations

from winnow.curate.formats.base import Format, RowError, Written
from winnow.curate.formats.registry import all_formats, detect, get_format

__all__ = ["Format", "RowError", "Written", "all_formats", "detect", "get_format"]
