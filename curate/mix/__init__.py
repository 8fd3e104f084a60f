"""The task mix: caps, per-language/source balance, target task weights, upsampling small tasks."""
