"""SpeedNet Player: a desktop video player with adaptive (SpeedNet-driven) playback."""

__version__ = "0.1.0"
