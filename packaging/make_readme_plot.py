"""Draw the README's plots of P_i(t), Vhat(t) and V(t) from a real analysis.

    .venv/bin/python packaging/make_readme_plot.py [--out-dir DIR] [--model CKPT] [--no-corpus]

For each clip it runs ``speednet-player analyze CLIP --json OUT`` (the product's public
command: the same scorer, score cache and planner as the player) and draws what the JSON
holds, with pyqtgraph on Qt's offscreen platform (numpy + Qt only, no matplotlib):

- top: P_i(t), the probability that the clip still looks natural played at ladder speed
  x_i, one curve per speed, and the threshold rho (dashed);
- bottom: Vhat(t) = the fastest speed whose P_i(t) is above rho (thin, grey) and the
  planned speed V(t) after smoothing (thick, amber), on a log axis, so the ladder's 1.25x
  steps are evenly spaced.

Images (PNG, written to a temporary name and renamed):

- ``speediness-demo.png``: the bundled demo clip, resources/demo_baseball.mp4;
- ``speediness-person-detection.png``: a longer clip from the shared corpus,
  videos/intel-sample-videos/one-by-one-person-detection.mp4 (Intel IoT DevKit
  sample-videos, CC BY 4.0), the clip of the README's window screenshot. Drawn only when
  the corpus is present (../shared/data or $SPEEDNET_SHARED_DATA) and not ``--no-corpus``.

Rerun it when the bundled model changes: the plots show that model's scores.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
OUT_DIR = REPO / "packaging" / "screenshots"
DEMO = REPO / "resources" / "demo_baseball.mp4"
CORPUS_CLIP = Path("videos/intel-sample-videos/one-by-one-person-detection.mp4")

# Pixel size of one image; the README shows it at about 900 px wide, so text is drawn
# large enough to stay readable after that scaling.
WIDTH, HEIGHT = 1200, 840
AMBER = (230, 140, 0)
GREY = (120, 120, 120)


@dataclass(frozen=True)
class PlotJob:
    """One clip to analyse and the image to draw for it."""

    video: Path
    title: str
    out_name: str


def default_jobs(*, corpus: bool) -> list[PlotJob]:
    """The demo clip, plus the longer corpus clip when it is there and wanted."""
    jobs = [PlotJob(DEMO, "demo_baseball.mp4 (the bundled demo clip, CC BY 3.0)", "speediness-demo.png")]
    root = Path(os.environ.get("SPEEDNET_SHARED_DATA", REPO.parent / "shared" / "data"))
    if corpus and (root / CORPUS_CLIP).is_file():
        jobs.append(
            PlotJob(
                root / CORPUS_CLIP,
                "one-by-one-person-detection.mp4 (Intel IoT DevKit sample-videos, CC BY 4.0)",
                "speediness-person-detection.png",
            )
        )
    return jobs


def analyze(video: Path, model: Path | None = None) -> dict:
    """The JSON of ``speednet-player analyze VIDEO --json`` (the fields listed in player/commands/analyze.py)."""
    with tempfile.TemporaryDirectory(prefix="readme-plot-") as tmp:
        out = Path(tmp) / "analysis.json"
        cmd = [sys.executable, "-m", "player", "analyze", str(video), "--json", str(out)]
        if model is not None:
            cmd += ["--model", str(model)]
        done = subprocess.run(cmd, capture_output=True, text=True, cwd=REPO)
        if done.returncode != 0:
            raise RuntimeError(f"analyze failed ({done.returncode}): {done.stderr.strip()}")
        return json.loads(out.read_text(encoding="utf-8"))


def speed_label(x: float) -> str:
    return f"{x:.3g}\u00d7"


def speed_colours(n: int) -> list[tuple[int, int, int]]:
    """Blue (1x) through green and orange to red (the fastest speed), from the turbo map,
    darkened where it is too light to read on white."""
    import pyqtgraph as pg
    from PySide6.QtGui import QColor

    cmap = pg.colormap.get("turbo")
    out = []
    for i in range(n):
        c = cmap.map(0.05 + 0.9 * i / max(1, n - 1), mode="qcolor")
        h, s, v, _a = c.getHsvF()
        c = QColor.fromHsvF(max(h, 0.0), s, min(v, 0.78))
        out.append((c.red(), c.green(), c.blue()))
    return out


def draw(analysis: dict, title: str, path: Path, size: tuple[int, int] = (WIDTH, HEIGHT)) -> Path:
    """Render one analysis to a PNG at ``path`` (atomic); needs no display."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    import pyqtgraph as pg
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QFont

    from player.core.speedup import vhat

    pg.setConfigOptions(background="w", foreground="k", antialias=True)
    app = pg.mkQApp()  # noqa: F841 - keeps the application alive while drawing

    speeds = np.asarray(analysis["speeds"], dtype=np.float64)
    times = np.asarray(analysis["times"], dtype=np.float64)
    # JSON null = a speed too fast to judge on this clip (never passes rho).
    p = np.array([[np.nan if x is None else x for x in row] for row in analysis["p_natural"]], dtype=np.float64)
    rho = float(analysis["rho"])
    v = np.asarray(analysis["v"], dtype=np.float64)
    v_hat = vhat(p, rho, speeds)
    t_in, t_out = float(analysis["input_duration_s"]), float(analysis["output_duration_s"])

    font = QFont("DejaVu Sans", 12)
    small = QFont("DejaVu Sans", 11)
    win = pg.GraphicsLayoutWidget()
    win.resize(*size)
    win.ci.setContentsMargins(12, 10, 20, 10)
    win.ci.setSpacing(6)
    win.addLabel(f"<b>{title}</b>", row=0, col=0, size="14pt")
    summary = (
        f"\u03c1 = {rho:.2f}: {t_in:.1f} s of video play in {t_out:.1f} s "
        f"(\u00d7{t_in / t_out:.2f} overall)" if t_out > 0 else ""
    )
    unjudged = [x for i, x in enumerate(speeds) if not np.any(np.isfinite(p[i]))]
    if unjudged:
        # Too fast for even one window of T frames on a clip this short: never passes rho.
        summary += f"; {speed_label(unjudged[0])} and up: too short to judge"
    win.addLabel(summary, row=1, col=0, size="12pt")

    def style(plot: pg.PlotItem, ylabel: str) -> None:
        for name in ("left", "bottom"):
            axis = plot.getAxis(name)
            axis.setTickFont(small)
            axis.setTextPen("k")
        plot.getAxis("left").setWidth(96)  # same width in both plots, so their x axes line up
        plot.setLabel("left", ylabel, **{"font-size": "12pt"})
        plot.showGrid(x=True, y=True, alpha=0.15)
        plot.setMouseEnabled(False, False)
        plot.hideButtons()

    # -- top: P_i(t) per speed, and rho -------------------------------------------------------
    # Legends sit in rows of their own, above their plots, so they never hide a curve.
    legend = pg.LegendItem(labelTextSize="11pt", colCount=len(speeds), horSpacing=14)
    win.addItem(legend, row=2, col=0)
    top = win.addPlot(row=3, col=0)
    style(top, "P(looks natural at x\u1d62)")
    top.setYRange(0, 1.0, padding=0.03)
    top.getAxis("left").setTicks([[(y, f"{y:g}") for y in (0, 0.25, 0.5, 0.75, 1.0)]])
    top.setXRange(times[0], times[-1], padding=0.005)
    top.getAxis("bottom").setStyle(showValues=False)  # the bottom plot shares and labels x
    colours = speed_colours(len(speeds))
    for i, x in enumerate(speeds):
        if not np.any(np.isfinite(p[i])):
            continue  # a speed too fast for one window on this clip
        item = top.plot(times, p[i], pen=pg.mkPen(colours[i], width=2.2 if i in (0, len(speeds) - 1) else 1.6), connect="finite")
        legend.addItem(item, speed_label(x))
    rho_line = pg.InfiniteLine(pos=rho, angle=0, pen=pg.mkPen((0, 0, 0), width=1.6, style=Qt.PenStyle.DashLine))
    top.addItem(rho_line)
    rho_text = pg.TextItem(f"\u03c1 = {rho:.2f}", color=(0, 0, 0), anchor=(0, 1), fill=pg.mkBrush(255, 255, 255, 200))
    rho_text.setFont(font)
    rho_text.setPos(times[0], rho)
    top.addItem(rho_text)

    # -- bottom: Vhat(t) and V(t), log axis ----------------------------------------------------
    v_legend = pg.LegendItem(labelTextSize="11pt", colCount=2, horSpacing=30)
    win.addItem(v_legend, row=4, col=0)
    bottom = win.addPlot(row=5, col=0)
    style(bottom, "playback speed")
    bottom.setLabel("bottom", "source time (s)", **{"font-size": "12pt"})
    bottom.setXLink(top)
    log_speeds = np.log(speeds)
    bottom.setYRange(log_speeds[0], log_speeds[-1], padding=0.06)
    major = [(float(np.log(x)), speed_label(x)) for x in speeds[::2]]
    minor = [(float(np.log(x)), "") for x in speeds[1::2]]
    bottom.getAxis("left").setTicks([major, minor])
    # V first, so the thin Vhat stays visible where the two agree.
    bottom.plot(times, np.log(np.clip(v, 1.0, None)), pen=pg.mkPen(AMBER, width=3.2))
    bottom.plot(times, np.log(v_hat), pen=pg.mkPen(GREY, width=1.4))
    v_legend.addItem(pg.PlotDataItem(pen=pg.mkPen(GREY, width=1.4)), "V\u0302(t): fastest speed with P > \u03c1")
    v_legend.addItem(pg.PlotDataItem(pen=pg.mkPen(AMBER, width=3.2)), "V(t): smoothed plan (0.5 s cells, \u03b1 = 2)")

    top.setMinimumHeight(0.46 * size[1])
    bottom.setMinimumHeight(0.30 * size[1])

    win.show()  # offscreen: lays the scene out at the requested size without a screen
    app.processEvents()
    pixmap = win.grab()
    win.close()

    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.partial-{os.getpid()}")
    if not pixmap.save(str(tmp), "PNG"):
        tmp.unlink(missing_ok=True)
        raise OSError(f"could not write {path}")
    os.replace(tmp, path)
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out-dir", type=Path, default=OUT_DIR, help=f"where the PNGs go (default {OUT_DIR.relative_to(REPO)})")
    parser.add_argument("--model", type=Path, help="checkpoint (default: the bundled model)")
    parser.add_argument("--no-corpus", action="store_true", help="only the demo clip, even if the corpus is present")
    args = parser.parse_args(argv)
    for job in default_jobs(corpus=not args.no_corpus):
        analysis = analyze(job.video, args.model)
        out = draw(analysis, job.title, args.out_dir / job.out_name)
        segments = len(analysis["segments"])
        speedup = analysis["input_duration_s"] / max(analysis["output_duration_s"], 1e-9)
        print(f"{out}: {job.video.name}, {segments} segments, x{speedup:.2f} at rho {analysis['rho']:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
