"""Language identification and purity, per field and per message.

scripts.py      what counts as text (code, URLs, numbers out) and the Unicode script counts, as Polars
                expressions
resolve.py      what the script settles by itself (Hangul → ko, kana → ja, …) and what goes to the detector
profiles.py     langdetect's own n-gram profiles and normalisation, read once into a numpy table
bayes.py        naive Bayes over those profiles: every n-gram of a batch of texts scored at once, plus
words.py        word evidence: unigram log-likelihoods from wordfreq's per-language word lists
detect.py       the detector's entry point and version (what the script cannot settle)
cache.py        detector answers cached by content in a Parquet file
identify.py     the whole pass over a Series of texts: lang + purity
translation.py  is the row a translation (or "answer in language X") request?
section.py      the `language` rule-file section
stage.py        the `language` stage (order 30): columns `lang.<field>`, `lang_purity.<field>`, failures
"""
