"""Typed settings of the dedup stage (what the `dedup` rule-file section parses into).

Defaults are chosen for instruction data: prompts are short, so word 3-grams and character 3-grams keep one
edited token from wiping out most of a row's shingles.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

KEYS: Final = ("instruction", "instruction_input", "first_user_turn", "conversation", "response")
# Keys that name the prompt only: several rows per prompt are several answers (max_per_prompt caps them)
PROMPT_KEYS: Final = ("instruction", "instruction_input", "first_user_turn")
KEEP_POLICIES: Final = (
    "longest_response",
    "best_quality",
    "source_priority",
    "first_seen",
    "drop_whole_cluster",
)
SCHEMES: Final = ("affine32", "legacy")
# mix64: each token hashed once, a shingle folds its tokens (~10x faster); sha1: datasketch's sha1_hash32, so
# that signatures equal datasketch.MinHash bit for bit (winnow.curation.dedup.shingle_mix says why both exist)
SHINGLE_HASHES: Final = ("mix64", "sha1")
MEASURES: Final = ("jaccard", "containment")
# containment: the candidate level is the Jaccard of a pair whose larger set is up to this many times the
# smaller one (see NearConfig.candidate_jaccard)
CONTAINMENT_SIZE_RATIO: Final = 3.0


@dataclass(frozen=True)
class NearConfig:
    """MinHash LSH settings. `bands`/`rows` None = derived from `threshold` (datasketch's optimum)."""

    enabled: bool = True
    num_perm: int = 128
    threshold: float = 0.7
    bands: int | None = None
    rows: int | None = None
    word_ngram: int = 3
    char_ngram: int = 3
    cjk_share: float = 0.3  # a row is shingled by character when this share of its letters is CJK
    ignore_punctuation: bool = True
    verify: bool = True  # exact Jaccard of candidate pairs; removes LSH false positives
    seed: int = 1
    scheme: str = "affine32"  # datasketch >= 2.0 default; "legacy" = the pre-2.0 mersenne-prime scheme
    shingle_hash: str = "mix64"  # SHINGLE_HASHES
    batch_size: int = 50_000  # rows per signature batch (bounds memory)
    spill: bool = False  # keep signatures and band keys on disk (Parquet) between batches
    max_bucket_pairs: int = 32  # buckets up to this size give all pairs; larger ones a star + chain
    # report every near-duplicate pair: all pairs of every LSH bucket (what datasketch's LSH query returns),
    # each verified, none skipped (find_duplicates' report.pairs; the run folder gets dup_pairs.parquet).
    # Off, only the verified edges that build the clusters exist (fewer: a cluster of k needs k - 1).
    # Quadratic in bucket size: templated prompts make buckets of thousands (see bench/results/dedup.md)
    report_pairs: bool = False
    # jaccard = |A∩B| / |A∪B| (resemblance); containment = |A∩B| / min(|A|, |B|) (a short text inside a
    # longer one: copied passages, an eval question inside a training row). Verified exactly on candidates.
    measure: str = "jaccard"
    # the Jaccard level LSH bands are derived for; None = `threshold` for jaccard, and for containment the
    # lowest Jaccard a pair at the containment threshold has when one set is up to 3x the other
    candidate_threshold: float | None = None

    def candidate_jaccard(self) -> float:
        """Jaccard level the bands x rows are derived for.

        A pair with containment t whose larger set is R times the smaller has Jaccard t / (1 + R - t); for
        R = CONTAINMENT_SIZE_RATIO that is the default candidate level of the containment measure.
        """
        if self.candidate_threshold is not None:
            return self.candidate_threshold
        if self.measure == "containment":
            t = self.threshold
            return t / (1.0 + CONTAINMENT_SIZE_RATIO - t)
        return self.threshold


@dataclass(frozen=True)
class DecontamConfig:
    """Reference sets (e.g. eval benchmarks): corpus rows matching a reference row are dropped."""

    references: tuple[str, ...] = ()
    key: str = "instruction_input"
    near: bool = True
    threshold: float = 0.8
    measure: str = "jaccard"  # containment: a short reference inside a longer corpus row also matches
    action: str = "drop"  # flag: keep contaminated rows, listed with `contaminated` in flagged_rules


@dataclass(frozen=True)
class DedupConfig:
    """`key`: what is compared. `conversation` (the default) is the whole exchange as it is trained, every
    turn and the reply (winnow.curation.dedup.normalize.conversation_parts): only copies of the pair go, and several
    answers to one prompt all stay. A prompt key (PROMPT_KEYS) treats every row of one prompt as a copy;
    with `max_per_prompt: K` it keeps K of them instead of one (reason `max_per_prompt` for the others)."""

    key: str = "conversation"
    exact: bool = True
    punctuation_blind: bool = False  # exact key ignores punctuation and symbols too
    near: NearConfig = field(default_factory=NearConfig)
    keep: str = "longest_response"
    source_priority: tuple[str, ...] = ()  # globs, most preferred first (keep: source_priority)
    decontaminate: DecontamConfig | None = None
    sample_clusters: int = 20  # clusters described in stats for the report
    max_per_prompt: int | None = None  # with a prompt key: rows kept per prompt cluster (None = one)
    action: str = "drop"  # flag: keep duplicates, listed with exact_/near_duplicate in flagged_rules
