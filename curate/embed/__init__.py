"""Sentence embeddings from a local encoder folder (sentence-transformers layout or a plain HF AutoModel).

Modules: settings, pooling (how token vectors become one vector, read from the folder), encoder (batched by length,
GPU when present), cache (vectors by text and model content digest), embed (the cached entry point).
"""
