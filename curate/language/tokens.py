"""wordfreq's tokens of text in no particular language, and where its word lists are, without importing wordfreq.

Importing wordfreq costs about 0.1 CPU-s per process (it imports langcodes and ftfy for features the
detector does not use): a tenth of a 2,000-row language stage. What the detector uses of it is
`tokenize(text, "und")` and the list files. For "und", tokenize is wordfreq.preprocess.preprocess_text with
und's settings (NFC, no transliteration, no mark removal, plain case-folding, no cedilla/comma change),
then simple_tokenize: NFC again, TOKEN_RE.findall, each token stripped of apostrophes and case-folded.
`tokenize` below does exactly that with TOKEN_RE as wordfreq 3.1.1 builds it (wordfreq/tokens.py and
language_info.py, MIT licence, Robyn Speer; its comments say why each case is there);
tests/language/test_language_tokens.py checks the tokens equal the installed wordfreq's on real text in
75 languages. wordfreq itself is imported only to build the word table (winnow.curation.language.word_table).
"""

from __future__ import annotations

import functools
import importlib.util
import unicodedata
from pathlib import Path
from typing import Final

import regex

# wordfreq.language_info.SPACELESS_SCRIPTS and EXTRA_JAPANESE_CHARACTERS
_SPACELESS_SCRIPTS: Final = ("Hira", "Kana", "Thai", "Khmr", "Laoo", "Mymr", "Tale", "Talu", "Lana")
_EXTRA_JAPANESE_CHARACTERS: Final = "ー々〻〆"
_SPACELESS: Final = (
    r"\p{IsIdeo}"
    + "".join(rf"\p{{Script={script}}}" for script in sorted(_SPACELESS_SCRIPTS))
    + _EXTRA_JAPANESE_CHARACTERS
)
_INITIAL_VOWEL: Final = "[AEHIOUYÁÉÍÓÚÀÈÌÒÙÂÊÎÔÛÅÏÖŒaehiouyáéíóúàèìòùâêîôûåïöœ]"
# wordfreq.tokens.TOKEN_RE: (1) runs of spaceless scripts, (2) the word "@s", (3) a word-like start that is
# not a French elided article, graphemes up to the first word break (or an "@"/"@s" ending), (4) the elided
# article ("l'", "qu'")
TOKEN_RE: Final = regex.compile(
    r"""
    [<SPACELESS>]+ |
    @s \b |
    (?=[\w\p{So}]) (?!\w\w?'<VOWEL>) \X+? (?: @s? (?!\w) | \b ) |
    \w\w?'
    """.replace("<SPACELESS>", _SPACELESS).replace("<VOWEL>", _INITIAL_VOWEL),
    regex.V1 | regex.WORD | regex.VERBOSE,
)


def tokenize(text: str) -> list[str]:
    """wordfreq.tokenize(text, "und")."""
    text = unicodedata.normalize("NFC", unicodedata.normalize("NFC", text).casefold())
    return [token.strip("'").casefold() for token in TOKEN_RE.findall(text)]


@functools.cache
def list_files(wordlist: str) -> dict[str, Path]:
    """wordfreq.available_languages(wordlist) as paths: language → its list file in wordfreq's data folder."""
    spec = importlib.util.find_spec("wordfreq")  # finds the package without running it
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("wordfreq is not installed")
    data = Path(next(iter(spec.submodule_search_locations))) / "data"
    files: dict[str, Path] = {}
    for path in data.glob("*.msgpack.gz"):
        if not path.name.startswith("_"):
            name, lang = path.name.split(".")[0].split("_")
            if name == wordlist:
                files[lang] = path
    return files
