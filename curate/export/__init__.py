"""Export a run's kept rows: every split in a chosen format, a LLaMA-Factory registry, checked by reading back."""
