"""The `winnow` command line. Each module here (and in train.cli) contributes click commands."""
