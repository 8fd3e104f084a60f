"""The `winnow` command line. Each module here (and in winnow.trainer.cli) contributes click commands."""
