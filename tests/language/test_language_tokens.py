"""winnow.curation.language.tokens: wordfreq's "und" tokens and list files, equal to the installed wordfreq's,
and the language stage imports no wordfreq (its import is what the module saves)."""

from __future__ import annotations

import json
import subprocess
import sys

import wordfreq

from tests.conftest import shared_path
from winnow.curation.language.tokens import list_files, tokenize

TRICKY = (
    "L'homme qu'il a vu, d'heure en heure; don't won't",
    "tod@s l@s amig@s, @s",
    "İSTANBUL'da ışık, Ǆemal, ﬁnance, Straße, ΣΊΣΥΦΟΣ",
    "natu\N{COMBINING DIAERESIS}rlich  नमस्ते दुनिया",
    "ภาษาไทย ລາວ ខ្មែរ မြန်မာ",
    "コーヒー々〻〆 東京大学の学生です。鸡肉米饭",
    "emoji 👍🏽 family 👨‍👩‍👧 ⚽️ and ★ symbols",
    "a.b.c e-mail 3.14 7c h2o snake_case CamelCase '' 'quoted'",
    "",
    "   ",
)


def test_tokens_equal_wordfreqs_on_tricky_text() -> None:
    for text in TRICKY:
        assert tokenize(text) == wordfreq.tokenize(text, "und"), text


def test_tokens_equal_wordfreqs_on_real_text_in_75_languages() -> None:
    path = shared_path("lingua_langid", "lingua_langid_dev.jsonl")
    with path.open(encoding="utf-8") as handle:
        texts = [json.loads(line)["text"] for i, line in enumerate(handle) if i % 7 == 0]
    assert len(texts) > 15_000
    different = [text for text in texts if tokenize(text) != wordfreq.tokenize(text, "und")]
    assert different == []


def test_tokens_equal_wordfreqs_on_instruction_data() -> None:
    texts: list[str] = []
    for name in ("alpaca_zh_demo.json", "alpaca_en_demo.json"):
        rows = json.loads(shared_path("llama_factory_demo", name).read_text(encoding="utf-8"))
        texts += [row[key] for row in rows[:300] for key in ("instruction", "input", "output")]
    rows = json.loads(shared_path("codealpaca", "code_alpaca_2k.json").read_text(encoding="utf-8"))
    texts += [row["output"] for row in rows[:300]]
    assert [tokenize(t) for t in texts] == [wordfreq.tokenize(t, "und") for t in texts]


def test_list_files_are_wordfreqs() -> None:
    files = list_files("small")
    assert {lang: str(path) for lang, path in files.items()} == wordfreq.available_languages("small")
    assert len(files) == 42
    assert list_files("large").keys() == wordfreq.available_languages("large").keys()


def test_the_language_stage_imports_no_wordfreq() -> None:
    code = "import sys, winnow.curation.language.stage; print(sorted({'wordfreq', 'langcodes', 'ftfy'} & set(sys.modules)))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
