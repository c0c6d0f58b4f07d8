"""What probing a media file tells us, as a plain immutable value."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class MediaInfo:
    """Static facts about one media file.

    All times are seconds of source time. ``fps_avg`` is frames / duration as the container
    reports it; ``fps_real`` is the codec's "real" base rate (they differ on variable-frame-rate
    phone video). ``rotation`` is the display rotation in degrees (0, 90, 180, 270),
    counter-clockwise as in the display matrix, that a viewer must apply to show it upright.
    """

    path: Path
    duration_s: float
    width: int
    height: int
    fps_avg: float
    fps_real: float
    time_base: float
    rotation: int = 0
    has_audio: bool = False
    audio_rate: int = 0
    audio_channels: int = 0
    video_codec: str = ""
    audio_codec: str = ""
    frame_count: int = 0

    @property
    def display_size(self) -> tuple[int, int]:
        """(width, height) after rotation is applied."""
        if self.rotation % 180 == 90:
            return self.height, self.width
        return self.width, self.height

    @property
    def frame_duration(self) -> float:
        """Nominal duration of one frame, in seconds."""
        return 1.0 / self.fps_avg if self.fps_avg > 0 else 1.0 / 30.0
