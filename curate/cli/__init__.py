"""The `winnow` command line. Each module here (and in winnow.train.cli) contributes click commands."""
