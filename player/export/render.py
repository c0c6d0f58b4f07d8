"""Render the sped-up cut: source + SpeedPlan -> H.264/AAC MP4. No Qt; safe on any thread.

One pass over the source with its own container (docs/architecture.md, "Threads": each worker owns its container):

- video: output frame ``k`` shows the source frame covering ``plan.out_to_src(k / fps)``
  (``FramePicker``). Decoded frames go to libx264 as they are, in the decoder's own YUV
  format, with no RGB round trip; only a frame that is actually shown and is not yuv420p
  at an even size is converted (colours kept and tagged: ``color.py``). Frames nobody sees are decoded (the codec needs them as
  references) but never converted or encoded; once the last output frame is assigned,
  video packets are no longer decoded at all.
- audio: decoded, stretched per plan segment by the player's own ``TimeStretcher`` (so it
  mutes above the limit exactly as playback does) and encoded to AAC
  (``AudioCutEncoder``), padded or trimmed to the video's length.
- the rotation (display matrix) of the source is copied to the output stream.
- the file is written to a hidden temporary name next to OUT and renamed at the end
  (``atomic_output``); a cancel, an error or Ctrl-C removes it and leaves OUT untouched.
"""

from __future__ import annotations

import contextlib
import errno
import os
import struct
import time
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any, Callable

import av
import av.error

from player.core.errors import MediaError, OutputError
from player.core.speed_plan import SpeedPlan
from player.export.audio_track import AudioCutEncoder, aac_sample_rate
from player.export.cancellation import (
    CancelSignal,
    ExportCancelled,
    ProgressCallback,
    ProgressThrottle,
    as_cancel_check,
)
from player.export.color import ColorPlan, color_plan
from player.export.frame_picker import FramePicker
from player.export.output_path import atomic_output, check_output_path
from player.export.output_rate import output_frame_rate
from player.media.source import MediaSource, check_input_file, frame_rotation

DEFAULT_PRESET = "veryfast"
DEFAULT_CRF = 23
DEFAULT_AUDIO_BITRATE = 128_000
X264_PRESETS = (
    "ultrafast",
    "superfast",
    "veryfast",
    "faster",
    "fast",
    "medium",
    "slow",
    "slower",
    "veryslow",
    "placebo",
)
_NO_PICTURE_TYPE = 0  # AV_PICTURE_TYPE_NONE
_DISK_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EIO, errno.EFBIG}


@dataclass(frozen=True, slots=True)
class ExportResult:
    """What was written. Durations are seconds of the output file."""

    path: Path
    frame_count: int
    fps: Fraction
    duration_s: float  # video: frame_count / fps
    audio_duration_s: float | None  # None when the source has no audio
    input_duration_s: float
    elapsed_s: float
    rotation: int
    skipped_packets: int = 0  # damaged source packets no decoder could take, skipped

    @property
    def speedup(self) -> float:
        """Input duration / output duration."""
        return self.input_duration_s / self.duration_s if self.duration_s > 0 else 0.0


def export_cut(
    source: str | os.PathLike[str],
    plan: SpeedPlan,
    out: str | os.PathLike[str],
    progress: ProgressCallback | None = None,
    cancel: CancelSignal = None,
    *,
    preset: str = DEFAULT_PRESET,
    crf: int = DEFAULT_CRF,
    fps: Fraction | float | None = None,
    audio_bitrate: int = DEFAULT_AUDIO_BITRATE,
    overwrite: bool = False,
) -> ExportResult:
    """Write ``source`` played through ``plan`` to ``out`` (H.264 + AAC in MP4).

    ``progress(fraction)`` is called from this thread with 0..1, a few times a second.
    ``cancel`` is a ``threading.Event`` or a ``() -> bool``; when it turns true the export
    stops within a packet, removes its temporary file and raises ``ExportCancelled``.
    ``fps`` is the constant output rate (default: the source's average rate, see
    ``output_frame_rate``). ``preset`` and ``crf`` are libx264's.

    Raises ``OutputError`` for a bad destination (exists without ``overwrite``, is the
    input, folder missing or not writable) and ``MediaError`` for an unreadable source.
    """
    started = time.perf_counter()
    source_path = Path(source)
    if preset not in X264_PRESETS:
        raise OutputError(f"unknown x264 preset {preset!r}; choose one of {', '.join(X264_PRESETS)}")
    if not 0 <= int(crf) <= 51:
        raise OutputError(f"CRF must be between 0 and 51, got {crf}")
    check_input_file(source_path)
    out_path = check_output_path(out, inputs=[source_path], overwrite=overwrite)
    is_cancelled = as_cancel_check(cancel)
    report = ProgressThrottle(progress)

    with MediaSource(source_path, audio=True) as media, atomic_output(out_path, overwrite=overwrite) as tmp:
        try:
            out_container = av.open(str(tmp), "w", format="mp4")
        except (av.error.FFmpegError, OSError) as exc:
            raise OutputError(f"cannot write {out_path}: {exc}") from None
        try:
            job = _RenderJob(media, out_container, plan, fps, preset, int(crf), audio_bitrate)
            report(0.0)
            job.run(is_cancelled, report)
            out_container.close()  # writes the trailer (moov): may fail on a full disk too
        except BaseException as exc:
            with contextlib.suppress(Exception):
                out_container.close()
            if isinstance(exc, OSError) and exc.errno in _DISK_ERRNOS:
                raise OutputError(f"cannot write {out_path}: {os.strerror(exc.errno)}") from None
            raise
        report(1.0)
    return ExportResult(
        path=out_path,
        frame_count=job.picker.frame_count,
        fps=job.picker.fps,
        duration_s=job.picker.frame_count / float(job.picker.fps),
        audio_duration_s=job.audio.duration_s if job.audio is not None else None,
        input_duration_s=plan.input_duration,
        elapsed_s=time.perf_counter() - started,
        rotation=job.rotation,
        skipped_packets=job.skipped_packets,
    )


class _RenderJob:
    """The state of one export pass: input and output streams, picker, audio encoder."""

    def __init__(
        self,
        media: MediaSource,
        out_container: Any,
        plan: SpeedPlan,
        fps: Fraction | float | None,
        preset: str,
        crf: int,
        audio_bitrate: int,
    ) -> None:
        self.media = media
        # MediaSource opens the decoders with frame + slice threads (thread_type AUTO):
        # decoding is the other half of the work.
        self.in_video = media.video
        self.in_audio = media.audio
        self.out_container = out_container
        self.plan = plan
        rate = Fraction(fps) if fps is not None else output_frame_rate(self.in_video.average_rate)
        if rate <= 0:
            raise OutputError(f"output frame rate must be positive, got {fps}")
        self.picker = FramePicker(plan, rate)

        self.out_video = out_container.add_stream("libx264", rate=self.picker.fps)
        self.out_video.codec_context.time_base = 1 / self.picker.fps
        self.out_video.pix_fmt = "yuv420p"
        self.out_video.options = {"preset": preset, "crf": str(crf)}
        # x264 frame threads, as many as x264 picks for the cores (count 0), as ffmpeg does.
        # PyAV's default is slice threads: lower latency we don't need, bigger files.
        self.out_video.thread_type = "FRAME"
        self.out_video.thread_count = 0
        ctx = self.in_video.codec_context
        self._set_size(ctx.width, ctx.height)
        self._video_open = False  # becomes True at the first encoded frame
        self.rotation = 0
        self.colors = ColorPlan(None, 2, 2, 2, 0)  # decided from the first frame shown

        self.audio: AudioCutEncoder | None = None
        if self.in_audio is not None and self.in_audio.codec_context.sample_rate > 0:
            channels = min(max(self.in_audio.codec_context.channels, 1), 2)
            rate_hz = aac_sample_rate(self.in_audio.codec_context.sample_rate)
            layout = "stereo" if channels == 2 else "mono"
            out_audio = out_container.add_stream("aac", rate=rate_hz)
            out_audio.layout = layout
            out_audio.bit_rate = audio_bitrate
            total = round(self.picker.frame_count / self.picker.fps * rate_hz)
            self.audio = AudioCutEncoder(plan, out_audio, rate_hz, layout, total, media.origin_s)
        # Audio packets wait here until the video stream has seen its first frame: the
        # header (with the display matrix) is written at the first mux.
        self._held_packets: list[Any] = []
        self._video_started = False
        self.skipped_packets = 0

    def _set_size(self, width: int, height: int) -> None:
        # 4:2:0 needs even dimensions; odd-sized sources lose their last row/column of
        # resolution by scaling (a one-pixel squeeze nobody sees).
        self.width = max(2, width - width % 2)
        self.height = max(2, height - height % 2)
        self.out_video.width = self.width
        self.out_video.height = self.height

    # -- the pass ------------------------------------------------------------------------------
    def run(self, is_cancelled: Callable[[], bool], report: ProgressThrottle) -> None:
        streams = [self.in_video] + ([self.in_audio] if self.audio is not None else [])
        current: Any = None  # the latest decoded video frame, shown until the next one starts
        last_time = -float("inf")
        video_done = False
        total = self.picker.frame_count
        for packet in self._packets(streams):
            if is_cancelled():
                raise ExportCancelled("export cancelled")
            if packet.stream is self.in_video:
                if video_done:
                    continue
                for frame in self._decode(self.in_video, packet):
                    t = self._frame_time(frame, last_time)
                    last_time = t
                    if current is not None:
                        self._emit(current, self.picker.advance(t))
                    current = frame
                    if self.picker.done:
                        video_done = True
                        break
                report(self.picker.emitted / total)
            elif self.audio is not None:
                for aframe in self._decode(self.in_audio, packet):
                    self._mux_audio(self.audio.feed(aframe))
            if video_done and (self.audio is None or self.audio.done):
                break
        if not video_done:
            if current is None:
                raise MediaError("the video stream has no decodable frames")
            self._emit(current, self.picker.finish())
        if is_cancelled():
            raise ExportCancelled("export cancelled")
        self._mux_video(self.out_video.encode(None))
        if self.audio is not None:
            self._mux_audio(self.audio.finish())
        if self._held_packets:  # a source so short that no video frame was ever encoded
            for held in self._held_packets:
                self.out_container.mux(held)
            self._held_packets.clear()

    def _packets(self, streams: list[Any]) -> Any:
        """Demuxed packets; a file that breaks off (truncated, unreadable tail) just ends."""
        packets = self.media.demux(streams)
        while True:
            try:
                packet = next(packets)
            except StopIteration:
                return
            except av.error.FFmpegError:
                return  # the end of a truncated file (probe has said where the video stops)
            yield packet

    def _decode(self, stream: Any, packet: Any) -> list[Any]:
        try:
            return stream.decode(packet)
        except av.error.EOFError:
            return []  # the decoder is drained: nothing more will come
        except av.error.FFmpegError:
            # A damaged packet: players skip it and so do we; the picker holds the previous
            # frame over the hole, the audio encoder fills it with silence. Any decoder error
            # counts, not just "invalid data": decoders return ad-hoc codes (AAC's -1 for a
            # bad channel element reads as EPERM, "Operation not permitted"). A packet the
            # demuxer flags corrupt was cut off by the end of a truncated file, which probe
            # already reports; it is not counted as damaged.
            if not packet.is_corrupt:
                self.skipped_packets += 1
            return []

    def _frame_time(self, frame: Any, last_time: float) -> float:
        t = self.media.frame_time(frame)
        if t is not None:
            return t
        # No timestamp (raw streams): assume the nominal frame duration after the last one.
        step = self.media.nominal_frame_duration()
        return 0.0 if last_time == -float("inf") else last_time + step

    def _emit(self, frame: Any, count: int) -> None:
        """Encode ``frame`` as the next ``count`` output frames."""
        if count <= 0:
            return
        if not self._video_open:
            self._open_video(frame)
        convert = self.colors.convert
        if convert is not None or frame.width != self.width or frame.height != self.height:
            frame = frame.reformat(width=self.width, height=self.height, format="yuv420p", **(convert or {}))
        # The decoder's I/P/B label would force x264's frame types (an I-frame wherever the
        # source had one, no B-frames where it had P); let x264 decide, as ffmpeg does.
        frame.pict_type = _NO_PICTURE_TYPE
        frame.time_base = self.out_video.codec_context.time_base
        first = self.picker.emitted - count
        for k in range(first, first + count):
            frame.pts = k
            self._mux_video(self.out_video.encode(frame))

    def _open_video(self, frame: Any) -> None:
        if frame.width != self.in_video.codec_context.width or frame.height != self.in_video.codec_context.height:
            self._set_size(frame.width, frame.height)
        self.colors = color_plan(frame)
        self.colors.tag(self.out_video.codec_context)
        # The display matrix as it is (flips included); else the old "rotate" tag's angle.
        self.rotation = frame_rotation(frame, self.in_video)
        matrix = _display_matrix(frame)
        if matrix is not None:
            self.out_video.set_display_matrix(matrix)
        elif self.rotation:
            self.out_video.set_display_rotation(self.rotation)
        sar = self.in_video.sample_aspect_ratio
        if sar:
            self.out_video.sample_aspect_ratio = sar
        self._video_open = True

    def _mux_video(self, packets: list[Any]) -> None:
        if packets:
            self.out_container.mux(packets)
            self._video_started = True
            if self._held_packets:
                self.out_container.mux(self._held_packets)
                self._held_packets.clear()

    def _mux_audio(self, packets: list[Any]) -> None:
        if not packets:
            return
        if self._video_started:
            self.out_container.mux(packets)
        else:
            self._held_packets.extend(packets)


def _display_matrix(frame: Any) -> list[int] | None:
    """The frame's display matrix (nine int32, as FFmpeg stores it), or None if it has none."""
    for side in frame.side_data:
        if getattr(side, "type", None) is not None and side.type.name == "DISPLAYMATRIX":
            raw = bytes(side)
            if len(raw) >= 36:
                return list(struct.unpack("=9i", raw[:36]))
    return None
