"""``probe(path) -> MediaInfo``: what a media file holds, or one clear ``MediaError``.

Probing decodes the first video frame (bounded by ``MAX_PROBE_PACKETS``), because that is the
only way to learn the display rotation from PyAV and to know the video is decodable at all.
It never hangs: every step is bounded by the packet budget or by the file size.

It also checks that the video's packets really are in the file up to the duration the header
claims: a copy cut short after its index (``head -c`` of a faststart MP4) opens fine and
claims the whole length, but decoding stops where the bytes do. Then ``duration_s`` is where
the last complete video packet ends, and ``claimed_duration_s`` the header's figure
(``find_real_end``: a look at the last keyframe's packets, and a binary search by seeking only
when they are missing; no decoding).
"""

from __future__ import annotations

import os
from typing import Any, NamedTuple

import av.error

from player.core.errors import MediaError
from player.core.media_info import MediaInfo
from player.media.source import MediaSource, frame_rotation

#: Video packets decoded at most while looking for the first picture.
MAX_PROBE_PACKETS = 300


def probe(path: str | os.PathLike[str]) -> MediaInfo:
    """Static facts about the video file at ``path``.

    Raises ``MediaError`` (one sentence naming the file) when it is missing, a directory,
    empty, unreadable, not a media file, truncated, audio only, or has no decodable frame.
    """
    with MediaSource(path, audio=True) as src:
        first = _first_frame(src)
        if first is None:
            raise MediaError(
                f"'{src.path}' has no video frames that can be decoded "
                "(the video track is empty or corrupt)."
            )
        video = src.video
        timing = _timing(src)
        audio = _audio_facts(src.audio)
        return MediaInfo(
            path=src.path,
            duration_s=timing.duration_s,
            width=int(first.width),
            height=int(first.height),
            fps_avg=timing.fps_avg,
            fps_real=timing.fps_real,
            time_base=src.time_base,
            rotation=frame_rotation(first, video),
            has_audio=audio.present,
            audio_rate=audio.rate,
            audio_channels=audio.channels,
            video_codec=video.codec_context.name or "",
            audio_codec=audio.codec,
            frame_count=timing.frame_count,
            claimed_duration_s=timing.claimed_duration_s,
        )


class _Timing(NamedTuple):
    """The video's duration, rates and frame count, each filled in when the header lacks it."""

    duration_s: float
    claimed_duration_s: float | None
    fps_avg: float
    fps_real: float
    frame_count: int


def _timing(src: MediaSource) -> _Timing:
    """Duration (where the data really ends), rates and frame count of the video; MediaError
    when no duration can be found."""
    video = src.video
    fps_avg, fps_real = _header_rates(video)
    duration, claimed = _present_duration(src)
    # A cut-short file's header frame count is the whole claimed length's: not used.
    frame_count = int(video.frames or 0) if claimed is None else 0
    if duration <= 0 and frame_count > 0 and fps_avg > 0:
        duration = frame_count / fps_avg
    if duration <= 0:
        raise MediaError(f"'{src.path}' has no video frames (zero duration).")
    return _with_fallbacks(_Timing(duration, claimed, fps_avg, fps_real, frame_count))


def _header_rates(video: Any) -> tuple[float, float]:
    """(average, real) frame rate as the stream's header gives them, each from the first
    field that has one; 0.0 when none does."""
    fps_avg = _rate(video.average_rate) or _rate(video.guessed_rate) or _rate(video.base_rate)
    fps_real = _rate(video.base_rate) or _rate(video.guessed_rate) or fps_avg
    return fps_avg, fps_real


def _with_fallbacks(timing: _Timing) -> _Timing:
    """``timing`` (with a duration) with the rates and the frame count the header lacks
    derived from each other, or 30 fps when nothing tells."""
    fps_avg, fps_real, frame_count = timing.fps_avg, timing.fps_real, timing.frame_count
    if fps_avg <= 0:
        fps_avg = frame_count / timing.duration_s if frame_count else 30.0
    if fps_real <= 0:
        fps_real = fps_avg
    if frame_count <= 0:
        frame_count = max(1, round(timing.duration_s * fps_avg))
    return timing._replace(fps_avg=fps_avg, fps_real=fps_real, frame_count=frame_count)


def _present_duration(src: MediaSource) -> tuple[float, float | None]:
    """(duration, claimed): the video's duration, and the header's figure when the file is
    cut short before it (then the duration is where its data really ends), else None."""
    duration = _duration(src)
    real_end = find_real_end(src, duration) if duration > 0 else None
    if real_end is None:
        return duration, None
    return real_end, duration


class _AudioFacts(NamedTuple):
    """What ``MediaInfo`` says about the audio track (zeros and "" without one)."""

    present: bool
    rate: int
    channels: int
    codec: str


def _audio_facts(audio: Any | None) -> _AudioFacts:
    """The audio track's facts from its codec context (a field it lacks reads as 0 or "")."""
    if audio is None:
        return _AudioFacts(False, 0, 0, "")
    ctx = audio.codec_context
    return _AudioFacts(True, int(ctx.sample_rate or 0), int(ctx.channels or 0), ctx.name or "")


def _rate(value: Any) -> float:
    return float(value) if value else 0.0


def _first_frame(src: MediaSource) -> Any | None:
    """The first decodable video frame within the packet budget, or None."""
    packets = 0
    try:
        for packet in src.demux():
            packets += 1
            try:
                frames = src.video.decode(packet)
            except av.error.FFmpegError:
                frames = []  # a corrupt packet: keep looking within the budget
            if frames:
                return frames[0]
            if packets >= MAX_PROBE_PACKETS:
                return None
    except av.error.FFmpegError:
        return None  # the file ends or breaks before any picture
    return None


def _duration(src: MediaSource) -> float:
    """Video duration in seconds.

    The video stream's header when it has one (MP4/MOV). Otherwise (Matroska/WebM carry only
    the container's, which includes audio) the end of the last video packet, found by
    demuxing, without decoding, from ``TAIL_SCAN_S`` before the container's end.
    """
    video = src.video
    if video.duration is not None and video.duration > 0:
        return video.duration * src.time_base
    container = src.container
    estimate = 0.0
    if container.duration is not None and container.duration > 0:
        start = container.start_time / av.time_base if container.start_time is not None else 0.0
        estimate = max(0.0, container.duration / av.time_base - (src.origin_s - start))
    scanned = _scan_end(src, max(0.0, estimate - TAIL_SCAN_S))
    return scanned if scanned > 0 else estimate


#: How far before the container's end the duration scan starts (seconds).
TAIL_SCAN_S = 10.0


def _scan_end(src: MediaSource, from_t: float) -> float:
    """End time of the last video packet after ``from_t``; 0.0 if no packet has a timestamp.

    Packets without timestamps (raw elementary streams) count by their duration, or one
    nominal frame each. Bounded by the file size; demuxing runs at hundreds of MB/s.
    """
    src.seek_video(from_t)
    end, counted = 0.0, 0.0
    nominal = src.nominal_frame_duration()
    try:
        for packet in src.demux():
            if packet.size == 0:
                continue  # the demuxer's end-of-stream flush packet
            tb = packet.time_base
            length = float(packet.duration * tb) if packet.duration and tb is not None else nominal
            if packet.pts is None or tb is None:
                counted += length
                continue
            end = max(end, float(packet.pts * tb) + length - src.origin_s)
    except av.error.FFmpegError:
        pass  # a truncated tail: what was read so far is the duration
    return end if end > 0 else counted


#: A video that ends less than this before its claimed duration counts as complete (edit
#: lists and rounding move the last frame's end by a frame or two, never by this much).
TRUNCATION_TOLERANCE_S = 0.5
#: How close the binary search for the last present keyframe gets (seconds of source).
SEARCH_RESOLUTION_S = 0.5


def find_real_end(src: MediaSource, claimed: float) -> float | None:
    """Where the video's data really stops, if that is before ``claimed``; else None.

    A packet counts as present when all its bytes lie within the file. First the packets
    from the keyframe before the claimed end are read; if they are all there, the file is
    whole (the usual case: one seek, one GOP demuxed). Otherwise a binary search by seeking
    finds the last keyframe whose packet is present, and the packets from there on are read
    up to the first one missing.
    """
    try:
        size = os.path.getsize(src.path)
    except OSError:
        return None
    tail_end = _present_end_from(src, size, max(0.0, claimed - TRUNCATION_TOLERANCE_S))
    if tail_end is not None and tail_end >= claimed - TRUNCATION_TOLERANCE_S:
        return None
    lo, hi = 0.0, claimed
    while hi - lo > SEARCH_RESOLUTION_S:
        mid = (lo + hi) / 2
        if _keyframe_present(src, size, mid):
            lo = mid
        else:
            hi = mid
    end = _present_end_from(src, size, lo)
    if end is None or end <= 0 or end >= claimed - TRUNCATION_TOLERANCE_S:
        return None
    return end


def _seek(src: MediaSource, t: float) -> bool:
    """Seek the demuxer to the video keyframe at or before ``t``; False if it cannot."""
    try:
        src.container.seek(src.to_video_pts(max(t, 0.0)), stream=src.video, backward=True, any_frame=False)
    except av.error.FFmpegError:
        return False
    src.at_start = False
    return True


def _is_present(packet: Any, file_size: int) -> bool:
    if packet.size <= 0 or packet.is_corrupt:
        return False
    pos = packet.pos
    return pos is None or pos < 0 or pos + packet.size <= file_size


def _keyframe_present(src: MediaSource, file_size: int, t: float) -> bool:
    """Whether the first video packet at the keyframe before ``t`` is wholly in the file."""
    if not _seek(src, t):
        return False
    try:
        for packet in src.demux():
            return _is_present(packet, file_size)
    except av.error.FFmpegError:
        return False
    return False


def _present_end_from(src: MediaSource, file_size: int, t: float) -> float | None:
    """End time of the last present video packet from the keyframe before ``t`` on, reading
    up to the first missing one; None when none is present or none has a timestamp."""
    if not _seek(src, t):
        return None
    end: float | None = None
    nominal = src.nominal_frame_duration()
    try:
        for packet in src.demux():
            if not _is_present(packet, file_size):
                break
            tb = packet.time_base
            if packet.pts is None or tb is None:
                continue
            length = float(packet.duration * tb) if packet.duration else nominal
            packet_end = float(packet.pts * tb) + length - src.origin_s
            end = packet_end if end is None else max(end, packet_end)
    except av.error.FFmpegError:
        pass  # the file breaks off here: what was read is what there is
    return end
