"""Pure-Python timing and planning logic. Imports no Qt, PyAV or torch (docs/architecture.md, "Layers")."""
