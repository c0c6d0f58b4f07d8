"""Audio output: a sounddevice (PortAudio) callback that plays stretched audio and drives
the master clock.

The session's audio feed thread pushes ``StretchedAudio`` (samples plus source-time markers) into a
lock-free ring (``player.core.sample_ring``); the device callback pulls from it. As in mpv
and ffplay, the device is the master clock: each callback works out which source time is
at the DAC right now and calls ``clock.sync(src_t_heard, now)``. The sample at the DAC left
the ring one output latency earlier (the callback's ``outputBufferDacTime -
currentTime``, or ``stream.latency`` when the backend reports no DAC time), so we look its
source time up in the ring's marker history: that is the marker time of the next sample
minus the latency times the rate, exact even when the rate changed inside the latency.
While nothing audible from this generation is at the DAC (paused, underrun, right after a
seek) the clock is left alone and runs on the system clock at its own rate.

The callback takes no lock and allocates no sample buffers (scratch arrays are made in
``__init__``); it reads plain attributes (volume, mute) that other threads replace
atomically. Resampling to the device rate happens on the decode side, never here.

With no device (sounddevice or PortAudio missing, no output device, or the device lost
while playing) the sink says so once through ``on_message`` and drops what it is given;
the ``PlaybackClock`` then simply keeps extrapolating from the system clock.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from player.audio.stretch import StretchedAudio
from player.core.clock import PlaybackClock
from player.core.sample_ring import SampleRing

log = logging.getLogger(__name__)

NO_DEVICE_MESSAGE = "No audio device: playing muted, timed by the system clock"

_GAIN_FADE_S = 0.020  # volume, mute and resume ramps: no zipper noise, no clicks
_DECLICK_S = 0.005  # on underrun or pause, the last sample decays to 0 over this
_SCRATCH_FRAMES = 8192  # frames per piece of a device block
_HISTORY_BLOCKS = 512  # callback blocks remembered to find the sample at the DAC


def list_output_devices() -> list[tuple[int, str]]:
    """(index, name) of every output device, [] when PortAudio is unavailable."""
    try:
        import sounddevice as sd

        return [
            (i, str(d["name"]))
            for i, d in enumerate(sd.query_devices())
            if int(d.get("max_output_channels", 0)) > 0
        ]
    except Exception:  # noqa: BLE001 - no PortAudio is a normal situation here
        return []


class AudioSink:
    """Plays stretched audio on an output device and drives ``clock`` from it.

    Threads: ``push`` from the audio feed thread (one producer), the callback from PortAudio's
    thread, everything else from the GUI thread.
    """

    def __init__(
        self,
        clock: PlaybackClock,
        *,
        sample_rate: int = 48000,
        channels: int = 2,
        device: int | str | None = None,
        volume: float = 1.0,
        on_message: Callable[[str], None] | None = None,
        buffer_seconds: float = 0.5,
        latency: str | float = "high",
        time_fn: Callable[[], float] = time.monotonic,
    ) -> None:
        self.sample_rate = int(sample_rate)
        self.channels = int(channels)
        self.device = device
        self._clock = clock
        self._on_message = on_message
        self._latency_request = latency
        self._time = time_fn
        self._ring = SampleRing(max(1024, int(buffer_seconds * sample_rate)), channels, sample_rate)
        self._volume = max(0.0, float(volume))
        self._muted = False
        self._stream: Any = None
        self._state = "idle"  # idle -> running -> (stopped | no_device)
        self._stop_event = threading.Event()
        self._told = False
        self._stream_latency = 0.0
        # Callback work arrays, allocated once (device blocks longer than this go in pieces).
        self._steps = np.arange(1, _SCRATCH_FRAMES + 1, dtype=np.float32)
        self._gain_buf = np.zeros(_SCRATCH_FRAMES, np.float32)
        n_declick = max(1, int(_DECLICK_S * sample_rate))
        self._declick = np.linspace(1.0, 0.0, n_declick + 1, dtype=np.float32)[1:, None]
        self._last = np.zeros(channels, np.float32)  # last sample sent, for the de-click
        self._gain = 0.0  # current output gain; playback starts from 0 and fades in
        self._gain_step = 1.0 / max(1, int(_GAIN_FADE_S * sample_rate))
        # Per filled piece: device frame index of its first frame, how many frames came
        # from the ring, and the ring index of the first of those (for the DAC lookup).
        self._h_dev = np.zeros(_HISTORY_BLOCKS, np.int64)
        self._h_len = np.zeros(_HISTORY_BLOCKS, np.int64)
        self._h_ring = np.zeros(_HISTORY_BLOCKS, np.int64)
        self._h_count = 0
        self._dev_frames = 0  # frames handed to the device so far
        self.underruns = 0  # callbacks that ran out of audio while playing (diagnostics)

    # -- state -----------------------------------------------------------------------------------
    @property
    def clock(self) -> PlaybackClock:
        return self._clock

    @property
    def ring(self) -> SampleRing:
        """The queue between ``push`` and the callback (for diagnostics and tests)."""
        return self._ring

    @property
    def has_device(self) -> bool:
        """True while a device stream is open and playing."""
        return self._state == "running"

    @property
    def buffered_seconds(self) -> float:
        """Output seconds queued in the ring (device latency not included)."""
        return self._ring.available() / self.sample_rate

    @property
    def output_latency(self) -> float:
        """The device's output latency in seconds, as PortAudio reports it (0 if none)."""
        return self._stream_latency

    def set_volume(self, volume: float) -> None:
        self._volume = max(0.0, float(volume))

    @property
    def volume(self) -> float:
        return self._volume

    def set_muted(self, muted: bool) -> None:
        """User mute: the device keeps playing silence and keeps driving the clock."""
        self._muted = bool(muted)

    @property
    def muted(self) -> bool:
        return self._muted

    # -- lifecycle -------------------------------------------------------------------------------
    def start(self) -> None:
        """Open the device and start playing; on any failure fall back to the system clock."""
        if self._state == "running":
            return
        if self._state == "no_device":
            return
        self._stop_event.clear()
        try:
            import sounddevice as sd  # lazily: the app must start without PortAudio

            stream = sd.OutputStream(
                samplerate=self.sample_rate,
                channels=self.channels,
                dtype="float32",
                device=self.device,
                latency=self._latency_request,
                callback=self._callback,
                finished_callback=self._on_finished,
            )
            self._stream_latency = float(stream.latency)
            self._stream = stream
            self._state = "running"
            stream.start()
        except Exception as exc:  # noqa: BLE001 - OSError, PortAudioError, ImportError...
            log.info("audio output unavailable: %s", exc)
            self._stream = None
            self._fall_back()

    def stop(self) -> None:
        """Stop and close the device (blocks until PortAudio's thread is done with us)."""
        self._stop_event.set()
        stream, self._stream = self._stream, None
        if self._state == "running":
            self._state = "stopped"
        if stream is not None:
            try:
                stream.stop()
                stream.close()
            except Exception as exc:  # noqa: BLE001 - a lost device may fail to close
                log.info("closing the audio stream failed: %s", exc)

    def _fall_back(self) -> None:
        self._state = "no_device"
        self._ring.request_discard()
        if not self._told:
            self._told = True
            if self._on_message is not None:
                self._on_message(NO_DEVICE_MESSAGE)

    def _on_finished(self) -> None:
        """PortAudio's finished callback: if we did not ask to stop, the device is gone."""
        if not self._stop_event.is_set() and self._state == "running":
            self._fall_back()

    # -- producer side ---------------------------------------------------------------------------
    def push(
        self,
        stretched: StretchedAudio,
        generation: int,
        *,
        should_stop: Callable[[], bool] | None = None,
        timeout: float | None = None,
    ) -> bool:
        """Queue ``stretched`` for playback; waits while the ring is full.

        Returns False without queuing when the generation is stale, there is no device, the
        sink stops, ``should_stop()`` turns true, or ``timeout`` seconds pass.
        """
        if stretched.frames == 0:
            return True
        if stretched.samples.shape[1] != self.channels or stretched.sample_rate != self.sample_rate:
            raise ValueError(
                f"sink plays {self.channels} ch at {self.sample_rate} Hz, got "
                f"{stretched.samples.shape[1]} ch at {stretched.sample_rate} Hz"
            )
        deadline = None if timeout is None else time.monotonic() + timeout
        piece = max(1, self._ring.capacity // 2)
        for start in range(0, stretched.frames, piece):
            part = stretched.slice(start, start + piece)
            markers = [(m.index, m.src_t, m.rate) for m in part.markers]
            while True:
                if self._clock.is_stale(generation) or self._state in ("no_device", "stopped"):
                    return False
                if self._ring.write(part.samples, markers, generation):
                    break
                if should_stop is not None and should_stop():
                    return False
                if self._stop_event.is_set():
                    return False
                if deadline is not None and time.monotonic() >= deadline:
                    return False
                # Polling, not a condition: the callback must never notify under a lock.
                self._stop_event.wait(0.005)
        return True

    def flush(self) -> None:
        """Drop everything queued (after a seek or a plan change)."""
        self._ring.request_discard()

    # -- the device callback ---------------------------------------------------------------------
    def _callback(self, outdata: np.ndarray, frames: int, time_info: Any, status: Any) -> None:
        """PortAudio callback: fill ``outdata`` (frames, channels) and sync the clock."""
        try:
            now = self._time()
            latency = self._latency_from(time_info)
            first_dev = self._dev_frames
            done = 0
            while done < frames:
                n = min(frames - done, _SCRATCH_FRAMES)
                self._fill(outdata[done : done + n])
                done += n
            # The first frame of this buffer reaches the DAC ``latency`` from now, so the
            # frame at the DAC now went out that many frames earlier.
            self._sync_clock(now, first_dev - int(round(latency * self.sample_rate)))
        except Exception:  # noqa: BLE001 - never let an exception kill the audio thread silently
            log.exception("audio callback failed; falling back to the system clock")
            outdata.fill(0.0)
            self._stop_event.set()  # not a user stop, but nothing more must be pushed
            self._fall_back()
            raise

    def _latency_from(self, time_info: Any) -> float:
        try:
            lat = float(time_info.outputBufferDacTime) - float(time_info.currentTime)
        except (AttributeError, TypeError, ValueError):
            lat = -1.0
        if 0.0 < lat < 2.0:
            return lat
        return self._stream_latency

    def _fill(self, out: np.ndarray) -> None:
        """Fill one piece (n <= scratch size) of the device buffer and record it."""
        n = out.shape[0]
        ring = self._ring
        clock = self._clock
        playing = not clock.paused and self._state != "no_device"
        generation = clock.generation
        ring_first = ring.read_index
        got = 0
        if playing:
            got = ring.read_into(out, generation)
            ring_first = ring.read_index - got
        else:
            ring.read_into(out[:0], generation)  # still honour discards and drop stale data
        if got:
            self._apply_gain(out[:got])
            self._last[:] = out[got - 1]
            if got < n and not clock.paused:
                self.underruns += 1
        if got < n:
            self._declick_into(out[got:])
        # Remember where this piece's frames came from, for the DAC lookup.
        h = self._h_count % _HISTORY_BLOCKS
        self._h_dev[h] = self._dev_frames
        self._h_len[h] = got
        self._h_ring[h] = ring_first
        self._h_count += 1
        self._dev_frames += n

    def _apply_gain(self, block: np.ndarray) -> None:
        target = 0.0 if self._muted else self._volume
        g = self._gain
        if g == target:
            if g != 1.0:
                block *= g
            return
        n = block.shape[0]
        step = self._gain_step if target > g else -self._gain_step
        ramp = self._gain_buf[:n]
        np.multiply(self._steps[:n], step, out=ramp)
        ramp += g
        if step > 0:
            np.minimum(ramp, target, out=ramp)
        else:
            np.maximum(ramp, target, out=ramp)
        block *= ramp[:, None]
        self._gain = float(ramp[n - 1])

    def _declick_into(self, out: np.ndarray) -> None:
        """Silence after the last sample, reached by a 5 ms decay instead of a step."""
        d = min(out.shape[0], self._declick.shape[0])
        if d and self._last.any():
            np.multiply(self._declick[:d], self._last, out=out[:d])
            out[d:] = 0.0
            if d == self._declick.shape[0]:
                self._last[:] = 0.0
            else:
                # Continue the decay from where this buffer ended.
                self._last *= self._declick[d - 1, 0]
        else:
            out[:] = 0.0
        self._gain = 0.0  # the next audio fades in

    def _sync_clock(self, now: float, dac_frame: int) -> None:
        """Tell the clock which source time is at the DAC now (device frame ``dac_frame``)."""
        clock = self._clock
        if self._state == "no_device" or clock.paused:
            return
        ring_index = self._ring_index_of_device_frame(dac_frame)
        if ring_index is None:
            return  # silence at the DAC: the clock runs on the system clock meanwhile
        info = self._ring.source_time_at(ring_index)
        if info is None:
            return
        src_t, _rate, generation = info
        # The clock re-checks the generation under its writer lock: a seek that lands
        # between a check here and the sync must not be overwritten by stale audio.
        clock.sync(src_t, now, generation=generation)

    def _ring_index_of_device_frame(self, dev: int) -> int | None:
        """Ring index of what device frame ``dev`` played, None for silence or unknown."""
        if dev < 0:
            return None
        count = self._h_count
        oldest = max(0, count - _HISTORY_BLOCKS)
        i = count - 1
        while i >= oldest:
            h = i % _HISTORY_BLOCKS
            start = int(self._h_dev[h])
            if start <= dev:
                offset = dev - start
                if offset < int(self._h_len[h]):
                    return int(self._h_ring[h]) + offset
                return None
            i -= 1
        return None
