"""One module per CLI subcommand. Each has ``add_arguments(parser)`` and ``run(args) -> int``.

Modules import their heavy dependencies (torch, PyAV, Qt) inside ``run`` so that ``--help``
and ``--version`` stay fast.
"""
