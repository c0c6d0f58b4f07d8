"""SessionSound: the session's sound output, and the audio path of each open file.

One ``AudioSink`` serves the whole session (opened on the device at the first file with
sound, kept across files); volume and mute are remembered for it. For each open file it
builds the audio path: a queue of decoded chunks, and an ``AudioFeedWorker`` that runs them
through ``AudioPipeline`` (cut, stretch, mute stage) into the sink. It also says what the
status bar shows about sound. See docs/architecture.md, "Playback data flow".
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from player.core.audio_cut import MUTE_ABOVE, is_muted
from player.core.clock import PlaybackClock
from player.core.frame_queue import FrameQueue
from player.session.open_file import OpenFile
from player.session.status import AUDIO_NO_DEVICE, AUDIO_ON

if TYPE_CHECKING:
    from player.audio.audio_pipeline import Boundaries, RateAt
    from player.audio.sink import AudioSink
    from player.session.audio_feed_worker import AudioFeedWorker

#: The audio path's format: the decoder resamples to it, the sink plays it.
AUDIO_RATE = 48000
AUDIO_CHANNELS = 2
#: Decoded audio chunks queued ahead of the stretcher (about 20 ms of source each).
AUDIO_QUEUE_CHUNKS = 96
#: Stretched audio queued ahead of the device. Small on purpose: a manual rate change or a
#: new plan reaches the ears (and so the audio-driven clock) after this plus the device
#: latency, while the stretcher (hundreds of x real time) refills it long before it drains.
AUDIO_BUFFER_S = 0.2


class SessionSound:
    """``enabled`` False: always silent, the system clock drives. ``device``: a sounddevice
    index or name (None: the default). ``mute_above``: sound fades out above this rate."""

    def __init__(
        self,
        clock: PlaybackClock,
        *,
        enabled: bool,
        device: int | str | None,
        mute_above: float = MUTE_ABOVE,
        on_message: Callable[[str], None],
        on_sink: Callable[[AudioSink], None] = lambda _sink: None,
    ) -> None:
        self.clock = clock
        self.enabled = bool(enabled)
        self.mute_above = float(mute_above)
        self.sink: AudioSink | None = None
        self._device = device
        self._on_message = on_message
        self._on_sink = on_sink
        self._volume = 1.0
        self._muted = False

    def start(self) -> AudioSink | None:
        """The session's sink, opened on the device (None with sound off)."""
        if not self.enabled:
            return None
        if self.sink is None:
            from player.audio.sink import AudioSink

            self.sink = AudioSink(
                self.clock,
                sample_rate=AUDIO_RATE,
                channels=AUDIO_CHANNELS,
                device=self._device,
                volume=self._volume,
                on_message=self._on_message,
                buffer_seconds=AUDIO_BUFFER_S,
            )
            self.sink.set_muted(self._muted)
            self._on_sink(self.sink)
        self.sink.start()
        return self.sink

    def stop(self) -> None:
        """Stop playing (also wakes a feeder blocked pushing into a full ring)."""
        if self.sink is not None:
            self.sink.stop()

    def open_path(
        self, f: OpenFile, rate_at: RateAt, boundaries: Boundaries, on_error: Callable[[str], None]
    ) -> tuple[FrameQueue | None, AudioFeedWorker | None]:
        """The audio queue and feed worker of ``f`` (not started); (None, None) when it
        plays without sound (no audio track, sound off or no device)."""
        sink = self.start() if f.info.has_audio else None
        if sink is None or not sink.has_device:
            return None, None
        from player.audio.audio_pipeline import AudioPipeline
        from player.session.audio_feed_worker import AudioFeedWorker

        queue: FrameQueue = FrameQueue(AUDIO_QUEUE_CHUNKS)
        pipeline = AudioPipeline(sink, rate_at, boundaries, mute_above=self.mute_above)
        return queue, AudioFeedWorker(queue, pipeline, self.clock, on_error=on_error)

    def set_volume(self, volume: float) -> None:
        self._volume = max(0.0, float(volume))
        if self.sink is not None:
            self.sink.set_volume(self._volume)

    def set_muted(self, muted: bool) -> None:
        self._muted = bool(muted)
        if self.sink is not None:
            self.sink.set_muted(self._muted)

    def state(self, f: OpenFile | None, rate: float) -> str:
        """The status bar's word for sound at effective ``rate``."""
        if not self.enabled:
            return AUDIO_NO_DEVICE
        sink = self.sink
        if f is not None and f.info.has_audio:
            if f.audio_queue is None or sink is None or not sink.has_device:
                return AUDIO_NO_DEVICE  # none at open, or lost while playing
        if is_muted(rate, self.mute_above):  # the audio path's rule (player.core.audio_cut)
            return f"muted above {self.mute_above:g}x"
        return AUDIO_ON
