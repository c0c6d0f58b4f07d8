"""An opened media file: its PyAV container, the streams we use, and source-time arithmetic.

Probe, DecodeWorker and ModelFrameReader each open their own ``MediaSource`` (PyAV containers
are not shared between threads). This module is the one place that:

- turns "cannot open" into a ``MediaError`` with one clear sentence (missing, directory,
  empty, text, truncated MP4, unknown format, audio only);
- defines source time: ``src_t = pts * time_base - origin``, where the origin is the video
  stream's start time, so the first frame is at ~0 s and audio shares the same origin;
- reads the display rotation (counter-clockwise degrees, 0/90/180/270) of a decoded frame;
- seeks to the keyframe at or before a source time.
"""

from __future__ import annotations

import errno
import math
import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import av
import av.error

# The rotation rule is part of the model's preprocessing; the player's readers share it.
from models.preprocess import frame_rotation, normalise_rotation  # noqa: F401 - re-exported
from player.core.errors import MediaError, UserError

#: Bytes sniffed to tell a text file or an MP4 header from garbage.
_SNIFF_BYTES = 4096


@dataclass(frozen=True)
class FileCheckWords:
    """What ``stat_regular_file`` says about each problem; ``{path}`` (and, in
    ``unreadable``, ``{reason}``) are filled in."""

    loop: str  #: a symbolic link that loops back on itself
    missing: str  #: nothing there (or a path through something that is not a folder)
    unreadable: str  #: any other OS error, e.g. permission denied
    folder: str
    special: str  #: a pipe, socket or device


def stat_regular_file(path: Path, words: FileCheckWords, error: type[UserError]) -> os.stat_result:
    """``os.stat(path)`` when ``path`` names a regular file, else ``error`` with ``words``.

    The one check for every file the player reads (media, model): each kind of input names
    itself in its own words, the OS-level cases are told apart the same way.
    """
    try:
        st = os.stat(path)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            template = words.loop
        elif exc.errno in (errno.ENOENT, errno.ENOTDIR):
            template = words.missing
        else:
            template = words.unreadable
        raise error(template.format(path=path, reason=_reason(exc))) from None
    if stat.S_ISDIR(st.st_mode):
        raise error(words.folder.format(path=path))
    if not stat.S_ISREG(st.st_mode):
        # a FIFO would block the first read for ever; a device is not a file either
        raise error(words.special.format(path=path))
    return st


_INPUT_FILE_WORDS = FileCheckWords(
    loop="'{path}' is a symbolic link that loops back on itself.",
    missing="File not found: {path}",
    unreadable="'{path}' could not be read: {reason}.",
    folder="'{path}' is a directory, not a video file.",
    special="'{path}' is not a regular file (a pipe, socket or device), not a video file.",
)


def check_input_file(path: str | os.PathLike[str]) -> Path:
    """The path as a ``Path`` if it names a non-empty regular file, else ``MediaError``."""
    p = Path(path)
    st = stat_regular_file(p, _INPUT_FILE_WORDS, MediaError)
    size = st.st_size
    if size == 0:
        raise MediaError(f"'{p}' is empty (0 bytes).")
    if not os.access(p, os.R_OK):
        raise MediaError(f"'{p}' could not be read: permission denied.")
    return p


def _reason(exc: OSError) -> str:
    """An OSError's reason in words, lower case: "permission denied"."""
    text = exc.strerror or type(exc).__name__
    return text[:1].lower() + text[1:]


def open_input(path: str | os.PathLike[str]) -> Any:
    """Open ``path`` with PyAV for reading; a ``MediaError`` with a clear reason if it fails.

    Returns an ``av.container.InputContainer``.
    """
    p = check_input_file(path)
    try:
        # Absolute, so FFmpeg never reads "take:2.mp4" as protocol "take".
        return av.open(os.path.abspath(p), mode="r")
    except av.error.PermissionError as exc:
        raise MediaError(f"'{p}' could not be read: permission denied.") from exc
    except av.error.FileNotFoundError as exc:
        raise MediaError(f"File not found: {p}") from exc
    except (av.error.FFmpegError, OSError, UnicodeDecodeError) as exc:
        raise MediaError(f"'{p}' could not be read: {_unreadable_reason(p)}.") from exc


def _unreadable_reason(p: Path) -> str:
    """Why FFmpeg refused the file, guessed from its first bytes."""
    try:
        with open(p, "rb") as fh:
            head = fh.read(_SNIFF_BYTES)
    except OSError:
        return "the file cannot be opened"
    if len(head) >= 8 and head[4:8] in (b"ftyp", b"mdat", b"moov", b"wide", b"free"):
        return "it looks like an MP4/MOV file that is truncated or incomplete"
    if _looks_like_text(head):
        return "it is a text file, not a video"
    return "not a recognised video format, or the file is corrupt"


def _looks_like_text(head: bytes) -> bool:
    if not head or b"\x00" in head:
        return False
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as exc:
        # a multi-byte character cut at the sniff boundary is still text
        if exc.start < len(head) - 4:
            return False
        text = head[: exc.start].decode("utf-8")
    printable = sum(ch.isprintable() or ch in "\r\n\t" for ch in text)
    return printable >= 0.95 * len(text)


def pick_video_stream(container: Any) -> Any | None:
    """The main video stream, skipping cover art (``attached_pic``); None if there is none."""
    candidates = [
        s for s in container.streams.video if not (s.disposition & av.stream.Disposition.attached_pic)
    ]
    if not candidates:
        return None
    for s in candidates:
        if s.disposition & av.stream.Disposition.default:
            return s
    return candidates[0]


class MediaSource:
    """One opened file: container, main video stream, optional audio stream, time origin.

    Decoders run with ``thread_type="AUTO"`` (frame + slice threads). Not thread-safe: each
    thread opens its own.
    """

    def __init__(self, path: str | os.PathLike[str], *, audio: bool = True) -> None:
        self.path = Path(path)
        self._want_audio = audio
        self._open()

    def _open(self) -> None:
        self.container = open_input(self.path)
        self.at_start = True  # nothing demuxed since opening: no seek needed to read from 0
        self.use_dts = self.container.format.name == "avi"
        self._reset_timestamps()
        audio = self._want_audio
        try:
            video = pick_video_stream(self.container)
            if video is None:
                raise MediaError(self._no_video_message())
            if video.codec_context is None:
                raise MediaError(
                    f"'{self.path}' has a video track that cannot be decoded "
                    "(an unknown codec, or its header is damaged)."
                )
            self.video = video
            self.video.codec_context.thread_type = "AUTO"
            # An audio track FFmpeg has no decoder for (e.g. a damaged header) is left out:
            # the picture still plays, as in other players.
            decodable = [s for s in self.container.streams.audio if s.codec_context is not None]
            self.audio = decodable[0] if audio and decodable else None
            if self.audio is not None:
                self.audio.codec_context.thread_type = "AUTO"
            self.time_base = float(video.time_base) if video.time_base else 1.0 / 90000
            self.origin_s = self._origin()
        except BaseException:
            self.container.close()
            raise

    def _no_video_message(self) -> str:
        if self.container.streams.audio:
            return f"'{self.path}' has no video stream (it contains only audio)."
        return f"'{self.path}' has no video stream (it contains no media streams)."

    def _origin(self) -> float:
        if self.video.start_time is not None:
            return self.video.start_time * self.time_base
        if self.container.start_time is not None:
            return self.container.start_time / av.time_base
        return 0.0

    # -- time ------------------------------------------------------------------------------
    def frame_time(self, frame: Any) -> float | None:
        """Source time of a decoded audio frame, or None when it has no timestamp."""
        if frame.pts is None or frame.time_base is None:
            return None
        return float(frame.pts * frame.time_base) - self.origin_s

    def video_frame_time(self, frame: Any) -> float | None:
        """Source time of a decoded video frame (best effort), or None without timestamps.

        AVI has no presentation times (its pts are generated guesses, wrong for packed
        B-frames), so as mpv does, its decode times are used: the decoder outputs frames in
        display order. Elsewhere FFmpeg's ``guess_correct_pts``: trust pts unless it has gone
        backwards more often than dts has. State is reset by ``seek_video``.
        """
        pts, dts = frame.pts, getattr(frame, "dts", None)
        if self.use_dts:
            # frames drained at the end have no dts: None makes callers extrapolate
            if dts is None or frame.time_base is None:
                return None
            return float(dts * frame.time_base) - self.origin_s
        if dts is not None:
            if self._last_dts is not None and dts <= self._last_dts:
                self._faulty_dts += 1
            self._last_dts = dts
        if pts is not None:
            if self._last_pts is not None and pts <= self._last_pts:
                self._faulty_pts += 1
            self._last_pts = pts
        best = pts if pts is not None and (dts is None or self._faulty_pts <= self._faulty_dts) else dts
        if best is None or frame.time_base is None:
            return None
        return float(best * frame.time_base) - self.origin_s

    def _reset_timestamps(self) -> None:
        self._last_pts: int | None = None
        self._last_dts: int | None = None
        self._faulty_pts = 0
        self._faulty_dts = 0

    def to_video_pts(self, src_t: float) -> int:
        return int(math.floor((src_t + self.origin_s) / self.time_base))

    def frame_duration(self, frame: Any, fallback: float) -> float:
        """How long a decoded video frame lasts, from its packet duration when known."""
        if frame.duration and frame.time_base is not None:
            d = float(frame.duration * frame.time_base)
            if d > 0:
                return d
        return fallback

    def nominal_frame_duration(self) -> float:
        rate = self.video.average_rate or self.video.guessed_rate or self.video.base_rate
        return 1.0 / float(rate) if rate else 1.0 / 30.0

    # -- moving ----------------------------------------------------------------------------
    def seek_video(self, src_t: float) -> None:
        """Position the demuxer on the video keyframe at or before ``src_t``; flushes decoders.

        Some demuxers index by decode time, so the first frame out can still be after
        ``src_t``; callers check and seek earlier (see ``SEEK_BACKOFF_S``). Inputs that
        cannot seek (raw elementary streams) are reopened at the start instead, so callers
        decode forward from 0: slow, but correct. ``video``/``audio`` may be new objects after.
        """
        target = max(src_t, 0.0)
        if target <= 0.0 and self.at_start:
            return
        self.at_start = False
        self._reset_timestamps()
        try:
            self.container.seek(self.to_video_pts(target), stream=self.video, backward=True, any_frame=False)
        except av.error.FFmpegError:
            self.container.close()
            self._open()

    def demux(self, streams: list[Any] | None = None) -> Any:
        """Packets of ``streams`` (default: the video stream) from the current position."""
        self.at_start = False
        return self.container.demux(streams if streams is not None else self.video)

    def close(self) -> None:
        self.container.close()

    def __enter__(self) -> MediaSource:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


#: Successive distances (s) to seek before a target when the first decoded frame lands after it.
SEEK_BACKOFF_S: tuple[float, ...] = (0.0, 1.0, 4.0, 15.0, math.inf)
