"""Model-aware scores from the causal LM to be trained: the reply's loss with and without its prompt, and IFD.

Modules: digest (a model folder's content digest, shared with the embedding stage), device (auto/cpu/cuda), rows (which conversation
is scored, with and without the prompt), losses (batched mean token loss), cache (scores by row content,
model and template), ifd (the whole computation), section (the `model_scores` rule-file section), stage.
"""
