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

    ``claimed_duration_s`` is set only for a file that ends early (truncated, e.g. an
    interrupted copy or download): its header promises that many seconds, but decoding stops
    at ``duration_s``, which is all that is played, scored and exported. The player should say
    so ("the video stops at 0:07 of 2:19"); ``is_truncated`` tells.
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
    claimed_duration_s: float | None = None

    @property
    def is_truncated(self) -> bool:
        """True when the file stops before the duration its header claims."""
        return self.claimed_duration_s is not None

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
