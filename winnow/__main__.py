"""`python -m winnow …`: the `winnow` command (winnow.curation.cli.main)."""

from winnow.curation.cli.main import main

raise SystemExit(main())
