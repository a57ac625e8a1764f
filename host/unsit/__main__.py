"""``python -m unsit``: the same as the ``unsit`` command."""

from unsit.cli import main

raise SystemExit(main())
