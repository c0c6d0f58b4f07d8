"""Composition root: builds the session, the workers and the window, and wires signals.

Filled in by the player-window work (issue 6); until then the GUI subcommand is unavailable.
"""
