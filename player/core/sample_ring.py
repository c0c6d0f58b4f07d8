"""Single-producer / single-consumer ring of float32 audio frames with source-time markers.

The audio feed thread writes stretched audio; the audio device callback reads it. No lock: each
index has one writer (``_write_index`` and ``_m_write`` the producer, ``_read_index`` and
``_m_read`` the consumer), the producer fills the slots before it publishes the index, and
an int attribute store is atomic under the GIL. So the real-time callback never waits on a
lock another thread (the GUI) could hold, and it allocates no sample buffers.

Indices are absolute frame counts since the ring was made; ``index % capacity`` is the slot.
A marker says: from frame ``pos`` on, frame i stands for source time
``src_t + (i - pos) / sample_rate * rate`` and belongs to ``generation`` (the seek serial).
The consumer keeps ``history`` markers behind its read position, so it can still tell which
source time it handed out a few blocks ago: the sample at the DAC left the ring one device
latency earlier.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


class SampleRing:
    """Lock-free SPSC ring: ``capacity`` frames of ``channels`` float32 samples."""

    def __init__(
        self,
        capacity: int,
        channels: int,
        sample_rate: int,
        *,
        marker_capacity: int = 4096,
        history: int = 64,
    ) -> None:
        if capacity <= 0 or channels <= 0 or sample_rate <= 0:
            raise ValueError("capacity, channels and sample_rate must be positive")
        if history >= marker_capacity // 2:
            raise ValueError("history must be well below marker_capacity")
        self.capacity = int(capacity)
        self.channels = int(channels)
        self.sample_rate = int(sample_rate)
        self._buf = np.zeros((self.capacity, self.channels), np.float32)
        self._mcap = int(marker_capacity)
        self._history = int(history)
        self._m_pos = np.zeros(self._mcap, np.int64)
        self._m_src = np.zeros(self._mcap, np.float64)
        self._m_rate = np.zeros(self._mcap, np.float64)
        self._m_gen = np.zeros(self._mcap, np.int64)
        self._write_index = 0  # producer-owned
        self._m_write = 0  # producer-owned: markers written
        self._read_index = 0  # consumer-owned
        self._m_read = -1  # consumer-owned: marker covering the read position (-1: none yet)
        self._discard_to = 0  # any thread: the consumer skips to here at its next read

    # -- shared views --------------------------------------------------------------------------
    @property
    def write_index(self) -> int:
        return self._write_index

    @property
    def read_index(self) -> int:
        return self._read_index

    def available(self) -> int:
        """Frames written and not yet read (a discard request not counted)."""
        return self._write_index - max(self._read_index, self._discard_to)

    def free_frames(self) -> int:
        return self.capacity - (self._write_index - self._read_index)

    # -- producer ------------------------------------------------------------------------------
    def write(
        self,
        samples: np.ndarray,
        markers: Sequence[tuple[int, float, float]],
        generation: int,
    ) -> bool:
        """Append ``samples`` (n, channels) with ``markers`` [(offset, src_t, rate)], the first
        at offset 0. All or nothing: returns False (writing nothing) when it does not fit."""
        n = int(samples.shape[0])
        if n == 0:
            return True
        if not markers or markers[0][0] != 0:
            raise ValueError("the first marker must sit at offset 0")
        if n > self.capacity or len(markers) > self._mcap // 2:
            raise ValueError("block larger than the ring; split it")
        w = self._write_index
        if w + n - self._read_index > self.capacity:
            return False
        oldest_kept = max(0, self._m_read - self._history)
        if self._m_write + len(markers) - oldest_kept > self._mcap:
            return False
        slot = w % self.capacity
        first = min(n, self.capacity - slot)
        self._buf[slot : slot + first] = samples[:first]
        if first < n:
            self._buf[: n - first] = samples[first:]
        mw = self._m_write
        for j, (offset, src_t, rate) in enumerate(markers):
            k = (mw + j) % self._mcap
            self._m_pos[k] = w + int(offset)
            self._m_src[k] = src_t
            self._m_rate[k] = rate
            self._m_gen[k] = generation
        # Publish markers before frames: a reader that sees the frames sees their markers.
        self._m_write = mw + len(markers)
        self._write_index = w + n
        return True

    # -- any thread ----------------------------------------------------------------------------
    def request_discard(self) -> None:
        """Drop everything written so far; done by the consumer at its next read."""
        self._discard_to = self._write_index

    # -- consumer ------------------------------------------------------------------------------
    def _advance_markers(self) -> None:
        r = self._read_index
        m, mw = self._m_read, self._m_write
        while m + 1 < mw and self._m_pos[(m + 1) % self._mcap] <= r:
            m += 1
        self._m_read = m

    def read_into(self, out: np.ndarray, generation: int | None = None) -> int:
        """Copy up to ``len(out)`` frames into ``out`` (n, channels); returns how many.

        With ``generation`` given, frames of any other generation are skipped, not copied.
        Copying stops before a marker of another generation, so one call never mixes them.
        """
        if self._discard_to > self._read_index:
            self._read_index = min(self._discard_to, self._write_index)
        self._advance_markers()
        w = self._write_index
        mw = self._m_write
        mcap = self._mcap
        if generation is not None:
            # Skip stale runs marker by marker.
            while self._read_index < w and self._m_read >= 0:
                if self._m_gen[self._m_read % mcap] == generation:
                    break
                nxt = self._m_read + 1
                self._read_index = int(self._m_pos[nxt % mcap]) if nxt < mw else w
                self._advance_markers()
        r = self._read_index
        n = min(int(out.shape[0]), w - r)
        if n <= 0:
            return 0
        if generation is not None:
            m = self._m_read + 1
            while m < mw and self._m_pos[m % mcap] < r + n:
                if self._m_gen[m % mcap] != generation:
                    n = int(self._m_pos[m % mcap]) - r
                    break
                m += 1
        slot = r % self.capacity
        first = min(n, self.capacity - slot)
        np.copyto(out[:first], self._buf[slot : slot + first])
        if first < n:
            np.copyto(out[first:n], self._buf[: n - first])
        self._read_index = r + n
        self._advance_markers()
        return n

    def source_time_at(self, index: int) -> tuple[float, float, int] | None:
        """(src_t, rate, generation) of absolute frame ``index``; None when unknown.

        Works for frames still queued and for about ``history`` markers' worth of frames
        already read. Consumer side only.
        """
        if index < 0 or index >= self._write_index:
            return None
        mw = self._m_write
        lowest = max(0, self._m_read - self._history, mw - self._mcap)
        # Start from the read marker and walk the short way.
        m = max(self._m_read, lowest)
        if m >= mw:
            return None
        mcap = self._mcap
        if self._m_pos[m % mcap] <= index:
            while m + 1 < mw and self._m_pos[(m + 1) % mcap] <= index:
                m += 1
        else:
            while m > lowest and self._m_pos[m % mcap] > index:
                m -= 1
            if self._m_pos[m % mcap] > index:
                return None
        k = m % mcap
        src = float(self._m_src[k]) + (index - int(self._m_pos[k])) / self.sample_rate * float(
            self._m_rate[k]
        )
        return src, float(self._m_rate[k]), int(self._m_gen[k])
