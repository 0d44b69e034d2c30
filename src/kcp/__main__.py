"""`python -m kcp` is the `kcp` command."""

from kcp.cli.main import main

raise SystemExit(main())
