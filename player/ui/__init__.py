"""The window layer: the only code that imports Qt widgets and pyqtgraph (see DESIGN.md).

Importing it first guards against a PySide6 6.12 reference-counting bug that aborts
Python 3.11 after a few thousand Qt calls (see ``player.ui.none_refcount``).
"""

from player.ui.none_refcount import protect_none_refcount

protect_none_refcount()
