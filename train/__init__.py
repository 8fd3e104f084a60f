"""winnow's LoRA SFT trainer: reads the length-bucketed shards written by `winnow shard`.

Read train/README.md first; the loop itself is train/loop.py, top to bottom (load -> model + LoRA ->
batches -> step -> eval -> checkpoint), with one small module per concern beside it.
"""
