"""`python -m winnow …`: the `winnow` command (winnow.curate.cli.main)."""

from winnow.curate.cli.main import main

raise SystemExit(main())
