"""The speediness curve under the seek bar (pyqtgraph).

x is source time over ``[0, duration]`` with the seek bar's horizontal margins, so a time sits
at the same x in both widgets. y holds two curves on one 0..1 scale:
- P(natural) at 1x (green, filled): how natural the video looks at normal speed;
- the planned speed V(t) (amber), normalised as log(V) / log(V_max), so the ladder's 1.25x
  steps are evenly spaced (1x at the bottom, V_max at the top);
plus the rho threshold (dashed), grey shading over not-yet-scored ranges (it shrinks ahead of
the playhead as the ScoreWorker fills them in), and the playhead line. A click or drag seeks.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QSize, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QPen
from PySide6.QtWidgets import QFrame, QSizePolicy, QWidget

from player.ui import theme
from player.ui.seek_bar import H_MARGIN

V_MAX = 1.25**10  # top of the speed ladder (SPEC §2), about 9.31x
Y_TOP = 1.34  # headroom above P = 1 and V = V_max: the legend sits there, clear of the curves
MAX_POINTS = 4000  # curves are decimated to about this many points (a few per pixel)


def speed_to_y(v: np.ndarray) -> np.ndarray:
    """Planned speed -> 0..1 on a log scale (1x -> 0, V_MAX -> 1)."""
    v = np.clip(np.asarray(v, dtype=np.float64), 1.0, V_MAX)
    return np.log(v) / math.log(V_MAX)


def unscored_runs(times: np.ndarray, scored: np.ndarray, duration: float) -> list[tuple[float, float]]:
    """Source-time intervals that are not scored yet.

    ``scored`` is a bool mask aligned with ``times``; each sample stands for the time up to
    the next one. Time past the last sample (or everything, with no samples) counts as
    unscored.
    """
    if times.size == 0:
        return [(0.0, duration)] if duration > 0 else []
    runs: list[tuple[float, float]] = []
    edges = np.append(times, max(duration, float(times[-1])))
    unscored = ~scored
    change = np.flatnonzero(np.diff(unscored.astype(np.int8))) + 1
    starts = np.concatenate(([0], change))
    ends = np.concatenate((change, [unscored.size]))
    for a, b in zip(starts, ends):
        if unscored[a]:
            runs.append((0.0 if a == 0 else float(edges[a]), float(edges[b])))
    if times[0] > 0 and (not runs or runs[0][0] > 0):
        runs.insert(0, (0.0, float(times[0])))
    return runs


def _decimate(times: np.ndarray, *series: np.ndarray) -> tuple[np.ndarray, ...]:
    """Every k-th sample so a long video draws about MAX_POINTS points.

    NaN (unscored) survives because whole samples are kept, never averaged.
    """
    step = max(1, int(math.ceil(times.size / MAX_POINTS)))
    if step == 1:
        return (times, *series)
    return (times[::step], *(s[::step] for s in series))


class _SeekViewBox(pg.ViewBox):
    """A ViewBox that turns left clicks and drags into seeks instead of panning."""

    def __init__(self, view: "SpeedCurveView") -> None:
        super().__init__(enableMenu=False)
        self._view = view
        self.setMouseEnabled(x=False, y=False)

    def mouseClickEvent(self, ev) -> None:  # noqa: N802 - pyqtgraph API
        if ev.button() == Qt.MouseButton.LeftButton:
            ev.accept()
            self._view._seek_from_scene(ev.scenePos())
        else:
            ev.ignore()

    def mouseDragEvent(self, ev, axis=None) -> None:  # noqa: N802 - pyqtgraph API
        if ev.button() != Qt.MouseButton.LeftButton:
            ev.ignore()
            return
        ev.accept()
        if ev.isStart():
            self._view.drag_started.emit()
        self._view._seek_from_scene(ev.scenePos())
        if ev.isFinish():
            self._view.drag_finished.emit()

    def wheelEvent(self, ev, axis=None) -> None:  # noqa: N802 - pyqtgraph API
        ev.ignore()


class SpeedCurveView(pg.PlotWidget):
    """P(natural) at 1x, planned V(t), scored shading, rho line and playhead over source time."""

    seek_requested = Signal(float)  # source seconds
    drag_started = Signal()
    drag_finished = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        self._vb = _SeekViewBox(self)
        super().__init__(parent, background=theme.PANEL, viewBox=self._vb)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setFixedHeight(76)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setAntialiasing(True)
        item = self.getPlotItem()
        for axis in ("left", "bottom", "right", "top"):
            item.hideAxis(axis)
        item.hideButtons()
        item.setMenuEnabled(False)
        # Same horizontal margins as the seek bar's groove: x lines up pixel for pixel.
        item.layout.setContentsMargins(H_MARGIN, 2, H_MARGIN, 2)
        item.layout.setSpacing(0)
        self._vb.setDefaultPadding(0.0)
        self._vb.setYRange(0.0, Y_TOP, padding=0.0)
        self._vb.setXRange(0.0, 1.0, padding=0.0)

        self._duration = 0.0
        self._times = np.zeros(0)
        self._p1 = np.zeros(0)
        self._v = np.zeros(0)
        self.updates = 0  # number of data refreshes (tests read it)

        no_pen = pg.mkPen(None)
        # Not yet scored: diagonal hatching, like a "still loading" stripe.
        self._unscored = pg.PlotCurveItem(pen=no_pen, brush=QBrush(QColor(theme.UNSCORED), Qt.BrushStyle.BDiagPattern), fillLevel=0.0)
        self._unscored_base = pg.PlotCurveItem(pen=no_pen, brush=pg.mkBrush(QColor(theme.UNSCORED_BASE)), fillLevel=0.0)
        natural_fill = QColor(theme.NATURAL)
        natural_fill.setAlpha(55)
        self._p_fill = pg.PlotCurveItem(pen=no_pen, brush=pg.mkBrush(natural_fill), fillLevel=0.0)
        self._p_line = pg.PlotCurveItem(pen=pg.mkPen(theme.NATURAL, width=1.4), connect="finite")
        self._v_line = pg.PlotCurveItem(pen=pg.mkPen(theme.SPEED, width=1.8), connect="finite")
        rho_pen = QPen(QColor(theme.TEXT_DIM))
        rho_pen.setStyle(Qt.PenStyle.DashLine)
        rho_pen.setCosmetic(True)
        self._rho_line = pg.InfiniteLine(pos=0.5, angle=0, pen=rho_pen, movable=False)
        self._playhead = pg.InfiniteLine(pos=0.0, angle=90, pen=pg.mkPen(theme.TEXT, width=2), movable=False)
        for it in (self._unscored_base, self._unscored, self._p_fill, self._p_line, self._v_line, self._rho_line, self._playhead):
            self.addItem(it, ignoreBounds=True)
        self._legend = pg.TextItem(anchor=(0, 0))
        self._legend.setHtml(
            f'<span style="color:{theme.NATURAL};font-size:8pt">P(natural)</span>'
            f'<span style="color:{theme.TEXT_DIM};font-size:8pt">&nbsp;&nbsp;</span>'
            f'<span style="color:{theme.SPEED};font-size:8pt">planned speed</span>'
        )
        self.addItem(self._legend, ignoreBounds=True)
        self._legend.setPos(0.0, Y_TOP)

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt API
        return QSize(600, 76)

    # -- data ------------------------------------------------------------------------------
    def set_duration(self, duration: float) -> None:
        self._duration = max(0.0, float(duration))
        self._vb.setXRange(0.0, max(self._duration, 1e-3), padding=0.0)
        self._legend.setPos(0.0, Y_TOP)
        self._redraw_shading()

    def duration(self) -> float:
        return self._duration

    def set_track(self, times: np.ndarray, p_natural_1x: np.ndarray, v: np.ndarray) -> None:
        """New scores and/or plan: ``times`` (N,) source seconds, P(natural) at 1x (N,) with
        NaN where unscored, planned speed ``v`` (N,)."""
        times = np.asarray(times, dtype=np.float64)
        p1 = np.asarray(p_natural_1x, dtype=np.float64)
        v = np.asarray(v, dtype=np.float64)
        if not (times.shape == p1.shape == v.shape):
            raise ValueError(f"shapes differ: times {times.shape}, p {p1.shape}, v {v.shape}")
        self._times, self._p1, self._v = times, p1, v
        t, p, vv = _decimate(times, p1, v)
        if t.size:
            self._p_fill.setData(t, np.nan_to_num(p, nan=0.0))
            self._p_line.setData(t, p)
            # Speed is drawn where it is planned from scores; unscored video plays at 1x.
            self._v_line.setData(t, np.where(np.isnan(p), np.nan, speed_to_y(vv)))
        else:
            for it in (self._p_fill, self._p_line, self._v_line):
                it.setData([], [])
        self._redraw_shading()
        self.updates += 1

    def set_rho(self, rho: float) -> None:
        self._rho_line.setValue(float(rho))

    def rho(self) -> float:
        return float(self._rho_line.value())

    def set_playhead(self, t: float) -> None:
        self._playhead.setValue(float(t))

    def playhead(self) -> float:
        return float(self._playhead.value())

    def scored_fraction(self) -> float:
        """Share of [0, duration] that has scores (what the shading shows)."""
        if self._duration <= 0:
            return 0.0
        gaps = unscored_runs(self._times, ~np.isnan(self._p1), self._duration)
        return 1.0 - sum(b - a for a, b in gaps) / self._duration

    def curve_data(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(times, P(natural) at 1x, planned V) as last given (tests and screenshots)."""
        return self._times, self._p1, self._v

    # -- geometry --------------------------------------------------------------------------
    def x_for_time(self, t: float) -> float:
        """Widget x of source time ``t`` (compare with SeekBar.x_for_time)."""
        scene = self._vb.mapViewToScene(QPointF(t, 0.0))
        return float(self.mapFromScene(scene).x())

    def time_for_x(self, x: float) -> float:
        scene = self.mapToScene(int(round(x)), 0)
        return float(self._vb.mapSceneToView(scene).x())

    def _seek_from_scene(self, scene_pos: QPointF) -> None:
        if self._duration <= 0:
            return
        t = min(max(float(self._vb.mapSceneToView(scene_pos).x()), 0.0), self._duration)
        self.set_playhead(t)
        self.seek_requested.emit(t)

    def _redraw_shading(self) -> None:
        runs = unscored_runs(self._times, ~np.isnan(self._p1), self._duration)
        if not runs:
            self._unscored.setData([], [])
            self._unscored_base.setData([], [])
            return
        xs, ys = [], []
        for a, b in runs:
            xs += [a, a, b, b]
            ys += [0.0, Y_TOP, Y_TOP, 0.0]
        self._unscored.setData(np.array(xs), np.array(ys))
        self._unscored_base.setData(np.array(xs), np.array(ys))
