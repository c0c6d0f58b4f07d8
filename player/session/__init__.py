"""Playback session: owns the workers of one open file and the plan; no Qt (docs/architecture.md, "Threads")."""
