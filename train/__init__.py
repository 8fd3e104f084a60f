"""winnow's LoRA SFT trainer: reads the length-bucketed shards written by `winnow shard`."""
