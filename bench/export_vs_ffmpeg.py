"""Export speed: our export_cut against the ffmpeg CLI doing the same uniform 2x cut.

Both runs take the same 60 s 720p30 clip (generated once with PyAV: a moving texture with
a 440 Hz tone, or --clip PATH), produce H.264 (libx264, same preset and CRF) + AAC in MP4,
and are timed side by side in this one run:

  (a) player.export.render.export_cut with SpeedPlan.uniform(duration, 2.0)
  (b) ffmpeg -vf setpts=PTS/2 -af atempo=2.0

It prints both wall times and the ratio a/b (target: a/b <= 1.2). The ffmpeg CLI is used
here only, as the yardstick; the product never calls it.

    .venv/bin/python bench/export_vs_ffmpeg.py [--clip PATH] [--repeat N] [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import av
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from player.core.speed_plan import SpeedPlan  # noqa: E402
from player.export.render import export_cut  # noqa: E402

SECONDS, WIDTH, HEIGHT, FPS = 60, 1280, 720, 30
SAMPLE_RATE, TONE_HZ = 48000, 440.0


def make_clip(path: Path, seconds: int = SECONDS) -> None:
    """A 720p30 H.264 + AAC clip: a textured plane panning and zooming, plus moving blobs.

    The texture is smooth noise (like real scenes: detail at several scales), so libx264
    works about as hard as on camera footage rather than on flat colour or white noise.
    """
    rng = np.random.default_rng(7)
    big_h, big_w = HEIGHT + 400, WIDTH + 800
    tex = np.zeros((big_h, big_w), np.float32)
    for scale in (4, 16, 64):  # octaves of noise, upsampled by repetition
        small = rng.random((big_h // scale + 2, big_w // scale + 2)).astype(np.float32)
        tex += np.kron(small, np.ones((scale, scale), np.float32))[:big_h, :big_w] / scale**0.5
    tex = (255 * (tex - tex.min()) / (tex.max() - tex.min())).astype(np.uint8)
    rgb_tex = np.stack([tex, np.roll(tex, 37, axis=0), np.roll(tex, 91, axis=1)], axis=-1)
    yy, xx = np.mgrid[0:HEIGHT, 0:WIDTH]

    container = av.open(str(path), "w")
    video = container.add_stream("libx264", rate=FPS)
    video.width, video.height, video.pix_fmt = WIDTH, HEIGHT, "yuv420p"
    video.options = {"preset": "veryfast", "crf": "20"}
    audio = container.add_stream("aac", rate=SAMPLE_RATE)
    audio.layout = "stereo"
    n_frames = seconds * FPS
    spf = SAMPLE_RATE // FPS
    for i in range(n_frames):
        t = i / FPS
        ox = int(400 + 380 * np.sin(t * 0.4))
        oy = int(200 + 180 * np.sin(t * 0.27))
        img = rgb_tex[oy : oy + HEIGHT, ox : ox + WIDTH].copy()
        for b in range(3):  # blobs: fast local motion, like action
            cx = (WIDTH / 2) + 500 * np.sin(t * (1.1 + b) + b)
            cy = (HEIGHT / 2) + 250 * np.cos(t * (0.7 + b))
            mask = (xx - cx) ** 2 + (yy - cy) ** 2 < 60**2
            img[mask] = (255 * (b == 0), 255 * (b == 1), 255 * (b == 2))
        frame = av.VideoFrame.from_ndarray(img, format="rgb24")
        frame.pts = i
        for packet in video.encode(frame):
            container.mux(packet)
        s = np.arange(i * spf, (i + 1) * spf) / SAMPLE_RATE
        tone = (0.3 * np.sin(2 * np.pi * TONE_HZ * s)).astype(np.float32)
        aframe = av.AudioFrame.from_ndarray(np.stack([tone, tone]), format="fltp", layout="stereo")
        aframe.sample_rate = SAMPLE_RATE
        aframe.pts = i * spf
        for packet in audio.encode(aframe):
            container.mux(packet)
    for stream in (video, audio):
        for packet in stream.encode(None):
            container.mux(packet)
    container.close()


def run_ours(clip: Path, out: Path, preset: str, crf: int, profile: bool) -> tuple[float, float]:
    """(wall seconds, CPU seconds of all our threads)."""
    with av.open(str(clip)) as c:
        duration = float(c.duration) / av.time_base
    plan = SpeedPlan.uniform(duration, 2.0)
    profiler = cProfile.Profile() if profile else None
    c0, t0 = time.process_time(), time.perf_counter()
    if profiler:
        profiler.enable()
    export_cut(clip, plan, out, preset=preset, crf=crf, overwrite=True)
    if profiler:
        profiler.disable()
    elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
    if profiler:
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
    return elapsed, cpu


def run_ffmpeg(clip: Path, out: Path, preset: str, crf: int) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the ffmpeg process)."""
    cmd = [
        "ffmpeg", "-nostdin", "-loglevel", "error", "-y", "-i", str(clip),
        "-vf", "setpts=PTS/2", "-af", "atempo=2.0",
        "-c:v", "libx264", "-preset", preset, "-crf", str(crf), "-pix_fmt", "yuv420p",
        "-c:a", "aac", "-b:a", "128k", str(out),
    ]  # fmt: skip
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True)
    elapsed = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return elapsed, cpu


def stream_durations(path: Path) -> str:
    with av.open(str(path)) as c:
        parts = []
        for s in c.streams:
            if s.duration is not None and s.time_base is not None:
                parts.append(f"{s.type} {float(s.duration * s.time_base):.3f}s")
            if s.type == "video":
                parts.append(f"{s.frames} frames @ {s.average_rate}")
        return ", ".join(parts)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--clip", type=Path, help="input clip (default: generate a 60 s 720p30 clip)")
    ap.add_argument("--workdir", type=Path, help="where to keep the generated clip and outputs")
    ap.add_argument("--preset", default="veryfast")
    ap.add_argument("--crf", type=int, default=23)
    ap.add_argument("--repeat", type=int, default=1, help="alternate a/b this many times")
    ap.add_argument("--profile", action="store_true", help="cProfile our export (slower)")
    args = ap.parse_args()
    if shutil.which("ffmpeg") is None:
        print("ffmpeg CLI not found (apt-get install ffmpeg); it is the yardstick", file=sys.stderr)
        return 2
    workdir = args.workdir or Path(tempfile.gettempdir()) / "speednet-bench-export"
    workdir.mkdir(parents=True, exist_ok=True)
    clip = args.clip
    if clip is None:
        clip = workdir / f"bench_{SECONDS}s_{HEIGHT}p{FPS}.mp4"
        if not clip.exists():
            print(f"generating {clip} ...", flush=True)
            tmp = clip.with_name(f".{clip.name}.partial.mp4")
            make_clip(tmp)
            os.replace(tmp, clip)
    print(f"clip: {clip} ({stream_durations(clip)})")
    print(f"cpu cores: {os.cpu_count()}, preset {args.preset}, crf {args.crf}, uniform 2x")

    ours, theirs = [], []
    for i in range(args.repeat):
        # Alternate, so a change in the machine's load hits both sides alike.
        ours.append(run_ours(clip, workdir / "ours.mp4", args.preset, args.crf, args.profile))
        theirs.append(run_ffmpeg(clip, workdir / "ffmpeg.mp4", args.preset, args.crf))
        (wa, ca), (wb, cb) = ours[-1], theirs[-1]
        load = os.getloadavg()[0]
        print(f"  run {i + 1}: ours {wa:6.2f} s wall {ca:6.2f} s CPU | ffmpeg {wb:6.2f} s wall {cb:6.2f} s CPU"
              f" | a/b {wa / wb:.2f} | load {load:.1f}")  # fmt: skip
    a, b = min(w for w, _ in ours), min(w for w, _ in theirs)
    ca, cb = min(c for _, c in ours), min(c for _, c in theirs)
    print(f"(a) export_cut : {a:6.2f} s wall, {ca:6.2f} s CPU   [{stream_durations(workdir / 'ours.mp4')}]")
    print(f"(b) ffmpeg CLI : {b:6.2f} s wall, {cb:6.2f} s CPU   [{stream_durations(workdir / 'ffmpeg.mp4')}]")
    print(f"ratio a/b = {a / b:.2f} wall (target <= 1.2), {ca / cb:.2f} CPU; best of {args.repeat}")
    if os.getloadavg()[0] > 1.5 * (os.cpu_count() or 1):
        print("note: the machine is busy with other work; wall times are noisy, the CPU ratio less so")
    return 0


if __name__ == "__main__":
    sys.exit(main())
