"""The ``polards`` command line (``polards --help``); one module per subcommand, wired in :mod:`polards.cli.main`."""
