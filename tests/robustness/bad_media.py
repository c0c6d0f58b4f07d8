"""Broken media made from small good clips, the way files really break: cut short (an
interrupted copy or download), overwritten (a bad disk, a bad transfer), mislabelled, or not
a file at all. ``build_corpus(folder, good)`` writes them and returns name -> path.

Every file is derived from clips written by tests/conftest.py's ``write_clip`` (real H.264 +
AAC), with PyAV only; a few odd containers (Matroska, MPEG-TS, AVI, raw H.264) come from the
same writer. Nothing is random unless seeded.
"""

from __future__ import annotations

import os
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import importlib.util
import sys

import av
import numpy as np

from media_helpers import mux_frames, rgb_frame


def _root_conftest():  # type: ignore[no-untyped-def]
    """tests/conftest.py (the clip writer), loaded by path: every test folder's conftest is
    named ``conftest``, so a plain import finds this folder's own."""
    name = "_speednet_root_conftest"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, Path(__file__).resolve().parents[1] / "conftest.py")
        module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
        sys.modules[name] = module
        spec.loader.exec_module(module)  # type: ignore[union-attr]
    return sys.modules[name]


pattern_image = _root_conftest().pattern_image
write_clip = _root_conftest().write_clip


@dataclass(frozen=True)
class GoodClips:
    """The sources the corpus is cut from."""

    mp4: Path  # moov at the end, 2 s, AAC stereo
    faststart: Path  # moov first, 4 s, AAC stereo
    mkv: Path
    ts: Path
    avi: Path
    h264: Path  # raw elementary stream, no audio


def make_good_clips(folder: Path) -> GoodClips:
    folder.mkdir(parents=True, exist_ok=True)
    common = dict(size=(160, 120), preset="ultrafast")
    return GoodClips(
        mp4=write_clip(folder / "good.mp4", duration=2.0, **common).path,
        faststart=write_clip(folder / "good_fast.mp4", duration=4.0, faststart=True, **common).path,
        mkv=write_clip(folder / "good.mkv", duration=2.0, **common).path,
        ts=write_clip(folder / "good.ts", duration=2.0, **common).path,
        avi=_write_avi(folder / "good.avi"),
        h264=write_clip(folder / "good.h264", duration=2.0, tone_hz=None, **common).path,
    )


def _write_avi(path: Path, frames: int = 60) -> Path:
    """MPEG-4 part 2 in AVI, 30 fps, no audio (AVI timestamps are decode times)."""
    with av.open(str(path), "w") as out:
        stream = out.add_stream("mpeg4", rate=30)
        stream.width, stream.height, stream.pix_fmt = 160, 120, "yuv420p"
        mux_frames(out, stream, (rgb_frame(pattern_image(i, i / 30, 160, 120), pts=i) for i in range(frames)))
    return path


# -- where things are inside an MP4 ---------------------------------------------------------
def top_level_boxes(data: bytes) -> dict[str, tuple[int, int]]:
    """Box type -> (offset, size) of the first top-level box of that type."""
    boxes: dict[str, tuple[int, int]] = {}
    pos = 0
    while pos + 8 <= len(data):
        size = int.from_bytes(data[pos : pos + 4], "big")
        kind = data[pos + 4 : pos + 8].decode("latin-1")
        if size == 1 and pos + 16 <= len(data):
            size = int.from_bytes(data[pos + 8 : pos + 16], "big")
        if size < 8:
            break
        boxes.setdefault(kind, (pos, size))
        pos += size
    return boxes


def packet_spans(path: Path, kind: str) -> list[tuple[int, int]]:
    """(byte offset, size) of every packet of the first ``kind`` ("video"/"audio") stream."""
    spans = []
    with av.open(str(path)) as container:
        stream = getattr(container.streams, kind)[0]
        for packet in container.demux(stream):
            if packet.size and packet.pos is not None and packet.pos >= 0:
                spans.append((packet.pos, packet.size))
    return spans


def remux_replacing(src: Path, dst: Path, kind: str, index: int, payload: bytes) -> Path:
    """Copy ``src`` to ``dst`` packet by packet, the ``index``-th ``kind`` packet's bytes
    replaced by ``payload`` (timestamps kept): one damaged packet in an intact file."""
    with av.open(str(src)) as inp, av.open(str(dst), "w") as out:
        streams = {s.index: out.add_stream_from_template(s) for s in (inp.streams.video[0], inp.streams.audio[0])}
        seen = 0
        for packet in inp.demux(list(inp.streams.video[:1]) + list(inp.streams.audio[:1])):
            if not packet.size:
                continue
            target = streams[packet.stream.index]
            if packet.stream.type == kind:
                if seen == index:
                    new = av.Packet(payload)
                    new.pts, new.dts, new.duration = packet.pts, packet.dts, packet.duration
                    new.time_base = packet.time_base
                    packet = new
                seen += 1
            packet.stream = target
            out.mux(packet)
    return dst


#: An AAC raw data block that opens a program config element (id 5) whose channel counts
#: run past the packet's end: FFmpeg's decoder returns -1 for it, which PyAV raises as
#: av.error.PermissionError ("[Errno 1] Operation not permitted: 'avcodec_send_packet()'").
AAC_OVERREAD_PCE = b"\xa0\xff\xff\xff\xff\xff"


def damaged_aac(src: Path, dst: Path, index: int = 40) -> Path:
    return remux_replacing(src, dst, "audio", index, AAC_OVERREAD_PCE)


def truncated(src: Path, dst: Path, keep: float | int) -> Path:
    """The first ``keep`` bytes (an int) or fraction (a float) of ``src``: ``head -c``."""
    data = src.read_bytes()
    n = keep if isinstance(keep, int) else int(len(data) * keep)
    dst.write_bytes(data[:n])
    return dst


# -- the corpus -------------------------------------------------------------------------------
def _mutated(src: Path, dst: Path, mutate: Callable[[bytearray], None]) -> Path:
    data = bytearray(src.read_bytes())
    mutate(data)
    dst.write_bytes(bytes(data))
    return dst


def _flip_bits(count: int, seed: int, lo: int, hi: int) -> Callable[[bytearray], None]:
    def mutate(data: bytearray) -> None:
        rng = random.Random(seed)
        for _ in range(count):
            data[rng.randrange(lo, hi)] ^= 1 << rng.randrange(8)

    return mutate


def _fill(lo: int, hi: int, value: int) -> Callable[[bytearray], None]:
    def mutate(data: bytearray) -> None:
        data[lo:hi] = bytes([value]) * (hi - lo)

    return mutate


def build_corpus(folder: Path, good: GoodClips, media_dir: Path) -> dict[str, Path]:
    """Write the bad files into ``folder``; name -> path (some are links, a FIFO, a folder)."""
    folder.mkdir(parents=True, exist_ok=True)
    f = folder
    out: dict[str, Path] = {}
    mp4, fast = good.mp4.read_bytes(), good.faststart.read_bytes()
    fast_boxes, mp4_boxes = top_level_boxes(fast), top_level_boxes(mp4)
    moov_at, moov_size = fast_boxes["moov"]
    mdat_at, mdat_size = fast_boxes["mdat"]
    data_lo, data_hi = mdat_at + 16, mdat_at + mdat_size  # the samples of the faststart clip
    video = packet_spans(good.faststart, "video")

    # not a video file at all
    out["missing"] = f / "missing.mp4"
    out["directory"] = f / "a_folder.mp4"
    out["directory"].mkdir(exist_ok=True)
    out["empty"] = f / "empty.mp4"
    out["empty"].write_bytes(b"")
    out["random_bytes"] = f / "random.mp4"
    out["random_bytes"].write_bytes(np.random.default_rng(7).integers(0, 256, 64 * 1024, np.uint8).tobytes())
    out["text"] = f / "notes.mp4"
    out["text"].write_text("meeting notes, not a video\n" * 50, encoding="utf-8")
    out["html_error_page"] = f / "download.mp4"
    out["html_error_page"].write_text("<!DOCTYPE html><html><body>403 Forbidden</body></html>\n", encoding="utf-8")
    out["utf16_text"] = f / "utf16.mp4"
    out["utf16_text"].write_bytes("a video? no\n".encode("utf-16") * 20)
    out["png_image"] = f / "picture.mp4"
    frame = av.VideoFrame.from_ndarray(pattern_image(0, 0.0, 64, 48), format="rgb24")
    with av.open(str(out["png_image"]), "w", format="image2", options={"update": "1"}) as c:
        s = c.add_stream("png", rate=1)
        s.width, s.height, s.pix_fmt = 64, 48, "rgb24"
        for p in [*s.encode(frame), *s.encode()]:
            c.mux(p)
    out["wav_audio"] = f / "sound.mp4"
    with av.open(str(out["wav_audio"]), "w", format="wav") as c:
        s = c.add_stream("pcm_s16le", rate=8000, layout="mono")
        af = av.AudioFrame.from_ndarray(np.zeros((1, 8000), np.int16), format="s16", layout="mono")
        af.sample_rate = 8000
        for p in [*s.encode(af), *s.encode()]:
            c.mux(p)
    for name in ("audio_only.m4a", "song_with_cover.mp4", "zero.mp4"):
        src = media_dir / name
        if src.exists():
            out[name.split(".")[0]] = src

    # not a regular file, or not a file that can be reached
    out["symlink_to_itself"] = f / "loop.mp4"
    os.symlink(out["symlink_to_itself"].name, out["symlink_to_itself"])
    out["symlink_loop_pair"] = f / "loop_a.mp4"
    os.symlink("loop_b.mp4", f / "loop_a.mp4")
    os.symlink("loop_a.mp4", f / "loop_b.mp4")
    out["dangling_symlink"] = f / "gone.mp4"
    os.symlink("no_such_target.mp4", out["dangling_symlink"])
    out["fifo"] = f / "pipe.mp4"
    os.mkfifo(out["fifo"])
    out["device"] = f / "null.mp4"
    os.symlink(os.devnull, out["device"])
    out["newline_in_name"] = f / "two\nlines.mp4"  # missing; the message must stay one line

    # cut short: an interrupted copy or download
    out["moov_last_cut_half"] = truncated(good.mp4, f / "cut_half.mp4", 0.5)
    out["moov_last_cut_90"] = truncated(good.mp4, f / "cut_90.mp4", 0.9)
    out["ftyp_only"] = truncated(good.faststart, f / "ftyp_only.mp4", fast_boxes["ftyp"][1])
    out["moov_cut"] = truncated(good.faststart, f / "moov_cut.mp4", moov_at + moov_size // 2)
    out["index_only"] = truncated(good.faststart, f / "index_only.mp4", moov_at + moov_size + 16)
    out["first_packet_only"] = truncated(good.faststart, f / "first_packet.mp4", video[0][0] + video[0][1])
    for pct in (10, 30, 60, 95):
        out[f"faststart_cut_{pct}"] = truncated(good.faststart, f / f"fast_cut_{pct}.mp4", pct / 100)
    out["mkv_cut"] = truncated(good.mkv, f / "cut.mkv", 0.4)
    out["ts_cut"] = truncated(good.ts, f / "cut.ts", 0.5)
    out["avi_cut"] = truncated(good.avi, f / "cut.avi", 0.5)
    out["h264_cut"] = truncated(good.h264, f / "cut.h264", 0.3)

    # overwritten: bad sectors, bad transfers, bad edits
    def box_size(offset: int, value: int) -> Callable[[bytearray], None]:
        def mutate(data: bytearray) -> None:
            data[offset : offset + 4] = value.to_bytes(4, "big")

        return mutate

    out["moov_size_huge"] = _mutated(good.faststart, f / "moov_huge.mp4", box_size(moov_at, 0xFFFFFFF0))
    out["moov_size_tiny"] = _mutated(good.faststart, f / "moov_tiny.mp4", box_size(moov_at, 9))
    out["mdat_size_huge"] = _mutated(good.faststart, f / "mdat_huge.mp4", box_size(mdat_at, 0xFFFFFFF0))
    out["moov_renamed"] = _mutated(
        good.faststart, f / "moov_renamed.mp4", lambda d: d.__setitem__(slice(moov_at + 4, moov_at + 8), b"free")
    )
    out["mp4_moov_zeroed"] = _mutated(
        good.mp4, f / "moov_zeroed.mp4", _fill(mp4_boxes["moov"][0] + 8, sum(mp4_boxes["moov"]), 0)
    )
    out["index_bit_flips"] = _mutated(good.faststart, f / "index_flips.mp4", _flip_bits(40, 11, moov_at + 8, moov_at + moov_size))
    out["ftyp_then_garbage"] = f / "ftyp_garbage.mp4"
    out["ftyp_then_garbage"].write_bytes(
        fast[: fast_boxes["ftyp"][1]] + np.random.default_rng(3).integers(0, 256, 32 * 1024, np.uint8).tobytes()
    )
    for count, seed in ((10, 1), (100, 2), (2000, 3)):
        out[f"sample_bit_flips_{count}"] = _mutated(
            good.faststart, f / f"flips_{count}.mp4", _flip_bits(count, seed, data_lo, data_hi)
        )
    span = data_hi - data_lo
    out["samples_zeroed_middle"] = _mutated(
        good.faststart, f / "zeroed.mp4", _fill(data_lo + span // 3, data_lo + 2 * span // 3, 0)
    )
    out["samples_ff_filled"] = _mutated(
        good.faststart, f / "ff_filled.mp4", _fill(data_lo + span // 2, data_lo + span // 2 + span // 10, 0xFF)
    )
    out["first_keyframe_garbage"] = _mutated(
        good.faststart, f / "key_garbage.mp4", _flip_bits(video[0][1] * 4, 5, video[0][0], video[0][0] + video[0][1])
    )
    out["all_samples_random"] = _mutated(
        good.faststart,
        f / "all_random.mp4",
        lambda d: d.__setitem__(
            slice(data_lo, data_hi), np.random.default_rng(9).integers(0, 256, span, np.uint8).tobytes()
        ),
    )
    out["damaged_aac_packet"] = damaged_aac(good.faststart, f / "bad_aac.mp4")
    out["ts_garbage_inserted"] = f / "garbage.ts"
    ts = good.ts.read_bytes()
    out["ts_garbage_inserted"].write_bytes(
        ts[: len(ts) // 2] + np.random.default_rng(4).integers(0, 256, 5000, np.uint8).tobytes() + ts[len(ts) // 2 :]
    )
    return out
