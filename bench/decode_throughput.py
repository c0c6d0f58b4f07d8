"""Decode throughput of player.media side by side with bare PyAV, in one run.

usage: python bench/decode_throughput.py CLIP.mp4 [CLIP2 ...]
"""
import sys, time
import av
from player.core.frame_queue import FrameQueue
from player.core.frames import EndOfStream
from player.media.decode_worker import DecodeWorker
from player.media.frame_reader import ModelFrameReader
from player.media.probe import probe

def best(fn, reps=4):
    out = []
    for _ in range(reps):
        t0 = time.perf_counter(); n = fn(); out.append(n / (time.perf_counter() - t0))
    return max(out), n

def pyav(path, convert):
    def run():
        with av.open(path) as c:
            s = c.streams.video[0]; s.codec_context.thread_type = "AUTO"; n = 0
            for f in c.decode(s):
                if convert == "rgb": f.to_ndarray(format="rgb24")
                elif convert: f.to_ndarray(format="rgb24", width=convert, height=convert, interpolation="FAST_BILINEAR")
                n += 1
            return n
    return run

def worker(path, info, **kw):
    def run():
        vq, aq = FrameQueue(16), FrameQueue(64)
        w = DecodeWorker(path, info, vq, aq if info.has_audio else None, **kw); w.start()
        n, open_ = 0, {"v": True, "a": info.has_audio}
        while any(open_.values()):
            got = False
            for k, q in (("v", vq), ("a", aq)):
                it = q.get_nowait() if open_[k] else None
                if it is None: continue
                got = True
                if isinstance(it, EndOfStream): open_[k] = False
                elif k == "v": n += 1
            if not got: time.sleep(0.0005)
        w.request_stop(); w.join()
        return n
    return run

def reader(path, size):
    def run():
        with ModelFrameReader(path, size) as r:
            return sum(1 for _ in r.iter_frames())
    return run

for path in sys.argv[1:]:
    info = probe(path)
    print(f"\n{path}: {info.width}x{info.height} {info.fps_avg:.2f} fps, {info.duration_s:.1f} s, audio={info.has_audio}")
    base, n = best(pyav(path, None))
    rows = [
        ("PyAV decode only (AUTO)", base),
        ("PyAV decode + rgb24 full size", best(pyav(path, "rgb"))[0]),
        ("DecodeWorker video+audio, full size RGB", best(worker(path, info))[0]),
        ("DecodeWorker, max_video_width=640", best(worker(path, info, max_video_width=640))[0]),
        ("PyAV decode + 64x64 FAST_BILINEAR", best(pyav(path, 64))[0]),
        ("ModelFrameReader 64x64", best(reader(path, 64))[0]),
        ("ModelFrameReader 112x112", best(reader(path, 112))[0]),
    ]
    for name, fps in rows:
        print(f"  {name:42s} {fps:7.0f} frames/s  ({fps / base:4.2f}x of decode-only, {fps / info.fps_avg:5.1f}x real time)")
