"""Near-duplicate removal: exact keys and MinHash LSH (datasketch-compatible), CJK-aware, explained.

    from winnow.curation.dedup import DedupConfig, find_duplicates
    out, report = find_duplicates(frame, DedupConfig(key="instruction_input"))

Modules: config (settings), normalize (keys), shingles, shingle_mix / shingle_kernel (mix64 / SHA-1 shingle
hashes), minhash (signatures), lsh (bands, S-curve), signing (a batch), store (memory or Parquet spill),
candidates, verify (exact Jaccard), clusters (union-find), keep (policy), threads (two threads after signing),
find (the library entry), decontam, explain (stats), section, stage.
"""

from winnow.curation.dedup.config import DecontamConfig, DedupConfig, NearConfig
from winnow.curation.dedup.decontam import find_contamination
from winnow.curation.dedup.find import DedupReport, find_duplicates
from winnow.curation.dedup.near import NearResult, near_duplicates

__all__ = [
    "DecontamConfig",
    "DedupConfig",
    "DedupReport",
    "NearConfig",
    "NearResult",
    "find_contamination",
    "find_duplicates",
    "near_duplicates",
]
