"""The window layer: the only code that imports Qt widgets and pyqtgraph (see DESIGN.md)."""
