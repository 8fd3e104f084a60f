"""`winnow run pipeline.yaml`: profile → curate → export → shard → train, each stage skipped when its inputs and
settings are unchanged since the last run (content-addressed)."""
