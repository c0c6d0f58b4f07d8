"""Audio layer: the time stretcher, the mute stage and the sound card (docs/architecture.md, "Audio cut and mute")."""
