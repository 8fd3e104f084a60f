"""Training commands of the `winnow` CLI (train, merge, generate)."""
