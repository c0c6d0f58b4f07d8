"""The window layer: the only code that imports Qt widgets and pyqtgraph (docs/architecture.md, "Layers")."""
