"""The speediness curve under the seek bar (pyqtgraph), with axes a viewer can read.

x is source time over ``[0, duration]``. The left and right axes are exactly as wide as the
seek bar's margins (``seek_bar.H_MARGIN``), so a time sits at the same x in both widgets.
The bottom axis reads in m:ss. One 0..1 y range carries two scales:
- left axis, amber: the planned speed V(t) on a log scale, 1x at the bottom, V_max (9.31x)
  at the top, so the ladder's 1.25x steps are evenly spaced and 1.25-1.95x plans leave the
  bottom edge;
- right axis, green: P(natural), how natural the video looks played at a speed: at 1x
  (solid, filled) and at 1.95x (dashed: the ladder's step nearest 2x). The rho threshold is
  the dashed grey line on this scale, labelled with its value.
Grey hatching covers video not scored yet (it shrinks ahead of the playhead as the
ScoreWorker fills it in), a light wash covers what has been played, and the playhead is a
white line. The legend sits in its own row above the plot, clear of the data. Hovering
shows a readout: time, planned speed, and P(natural) at every ladder speed. A click or
drag seeks.
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
from player.ui.time_format import format_time

LADDER = 1.25 ** np.arange(11)  # the planner's speeds; p_natural rows follow them
V_MAX = float(LADDER[-1])  # top of the speed ladder, about 9.31x
TWO_X_ROW = int(np.argmin(np.abs(LADDER - 2.0)))  # 1.95x, the ladder's step nearest 2x
Y_TOP = 1.04  # a little headroom so a line at P = 1 or V = V_max is not clipped
MAX_POINTS = 4000  # curves are decimated to about this many points (a few per pixel)
DEFAULT_HEIGHT = 170  # px; the window lets the user drag it taller
MIN_HEIGHT = 110
SPEED_TICKS = (1.0, 1.5, 2.0, 3.0, 5.0, V_MAX)
P_TICKS = (0.0, 0.5, 1.0)


def speed_to_y(v: np.ndarray) -> np.ndarray:
    """Planned speed -> 0..1 on a log scale (1x -> 0, V_MAX -> 1)."""
    v = np.clip(np.asarray(v, dtype=np.float64), 1.0, V_MAX)
    return np.log(v) / math.log(V_MAX)


def speed_label(v: float) -> str:
    """'1x', '1.5x', '9.3x' for axis ticks."""
    return f"{v:.1f}".rstrip("0").rstrip(".") + "\u00d7"


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


def _tenths(seconds: float) -> str:
    """'0:01.5': m:ss with tenths."""
    tenths = int(round(max(seconds, 0.0) * 10))
    return f"{format_time(tenths // 10)}.{tenths % 10}"


def hover_readout(times: np.ndarray, p_natural: np.ndarray, v: np.ndarray, t: float) -> str:
    """The hover text at source time ``t``: time, planned speed, P(natural) at each speed.

    ``p_natural`` is (S, N) for the ladder's speeds (NaN where unscored), ``v`` (N,).
    """
    head = _tenths(t)
    if times.size == 0:
        return f"{head}  not scored yet"
    i = int(np.clip(np.searchsorted(times, t, side="right") - 1, 0, times.size - 1))
    column = p_natural[:, i]
    if np.all(np.isnan(column)):
        return f"{head}  not scored yet: plays at 1\u00d7"
    # Two decimals for the speeds here: the ladder's 1.25x and 1.56x must not both read 1.2x.
    cells = [
        f"{f'{s:.2f}'.rstrip('0').rstrip('.')}\u00d7 {'n/a' if math.isnan(p) else f'{p:.2f}'}"
        for s, p in zip(LADDER[: column.size], column.tolist())
    ]
    rows = ["  ".join(cells[k : k + 6]) for k in range(0, len(cells), 6)]
    return f"{head}  planned {float(v[i]):.2f}\u00d7   P(natural) at each speed:\n" + "\n".join(rows)


def _decimate(times: np.ndarray, *series: np.ndarray) -> tuple[np.ndarray, ...]:
    """Every k-th sample so a long video draws about MAX_POINTS points.

    NaN (unscored) survives because whole samples are kept, never averaged.
    """
    step = max(1, int(math.ceil(times.size / MAX_POINTS)))
    if step == 1:
        return (times, *series)
    return (times[::step], *(s[::step] for s in series))


class _TimeAxis(pg.AxisItem):
    """Bottom axis in m:ss."""

    def tickStrings(self, values, scale, spacing):  # noqa: N802 - pyqtgraph API
        if spacing >= 1.0:
            return [format_time(v) for v in values]
        # Ticks closer than a second (a short clip): tenths, so no two labels read the same.
        return [_tenths(v) for v in values]


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


def _axis(orientation: str, color: str, ticks: list[tuple[float, str]] | None = None) -> pg.AxisItem:
    axis = _TimeAxis(orientation) if orientation == "bottom" else pg.AxisItem(orientation)
    axis.setPen(pg.mkPen(theme.BORDER))
    axis.setTextPen(pg.mkPen(color))
    axis.setStyle(tickLength=-4, tickTextOffset=3, autoExpandTextSpace=False)
    font = axis.font() if hasattr(axis, "font") else None
    if font is not None:
        font.setPointSizeF(7.5)
        axis.setTickFont(font)
    if orientation in ("left", "right"):
        axis.setWidth(H_MARGIN)
    else:
        axis.setHeight(18)
    if ticks is not None:
        axis.setTicks([ticks, []])
    return axis


class SpeedCurveView(pg.PlotWidget):
    """Planned V(t) on a log speed axis, P(natural) at 1x and 1.95x, rho, scored/played/current."""

    seek_requested = Signal(float)  # source seconds
    drag_started = Signal()
    drag_finished = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        self._vb = _SeekViewBox(self)
        axes = {
            "left": _axis("left", theme.SPEED, [(float(speed_to_y(np.array(v))), speed_label(v)) for v in SPEED_TICKS]),
            "right": _axis("right", theme.NATURAL, [(p, f"{p:g}") for p in P_TICKS]),
            "bottom": _axis("bottom", theme.TEXT_DIM),
        }
        super().__init__(parent, background=theme.PANEL, viewBox=self._vb, axisItems=axes)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumHeight(MIN_HEIGHT)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setAntialiasing(True)
        item = self.getPlotItem()
        item.showAxis("right")
        item.hideButtons()
        item.setMenuEnabled(False)
        # No margins: the axes are the seek bar's margins, so x lines up pixel for pixel.
        item.layout.setContentsMargins(0, 0, 0, 0)
        item.layout.setSpacing(0)
        self._vb.setDefaultPadding(0.0)
        self._vb.setYRange(0.0, Y_TOP, padding=0.0)
        self._vb.setXRange(0.0, 1.0, padding=0.0)
        grid = QColor(theme.BORDER)
        for v in SPEED_TICKS[1:-1]:
            line = pg.InfiniteLine(pos=float(speed_to_y(np.array(v))), angle=0, pen=pg.mkPen(grid, width=1), movable=False)
            line.setZValue(-20)
            self.addItem(line, ignoreBounds=True)

        self._duration = 0.0
        self._times = np.zeros(0)
        self._p = np.zeros((1, 0))
        self._v = np.zeros(0)
        self._rho = 0.5
        self._hover_text = ""
        self.updates = 0  # number of data refreshes (tests read it)

        no_pen = pg.mkPen(None)
        # Not yet scored: diagonal hatching, like a "still loading" stripe.
        self._unscored = pg.PlotCurveItem(pen=no_pen, brush=QBrush(QColor(theme.UNSCORED), Qt.BrushStyle.BDiagPattern), fillLevel=0.0)
        self._unscored_base = pg.PlotCurveItem(pen=no_pen, brush=pg.mkBrush(QColor(theme.UNSCORED_BASE)), fillLevel=0.0)
        self._played = pg.PlotCurveItem(pen=no_pen, brush=pg.mkBrush(QColor(255, 255, 255, 26)), fillLevel=0.0)
        natural_fill = QColor(theme.NATURAL)
        natural_fill.setAlpha(45)
        self._p_fill = pg.PlotCurveItem(pen=no_pen, brush=pg.mkBrush(natural_fill), fillLevel=0.0)
        self._p_line = pg.PlotCurveItem(pen=pg.mkPen(theme.NATURAL, width=1.4), connect="finite")
        two_x = QColor(theme.NATURAL)
        two_x.setAlpha(170)
        self._p2_line = pg.PlotCurveItem(pen=pg.mkPen(two_x, width=1.2, style=Qt.PenStyle.DashLine), connect="finite")
        self._v_line = pg.PlotCurveItem(pen=pg.mkPen(theme.SPEED, width=2.0), connect="finite")
        rho_pen = QPen(QColor(theme.TEXT_DIM))
        rho_pen.setStyle(Qt.PenStyle.DashLine)
        rho_pen.setCosmetic(True)
        self._rho_line = pg.InfiniteLine(
            pos=0.5, angle=0, pen=rho_pen, movable=False, label="\u03c1 0.50",
            labelOpts={"position": 0.985, "color": theme.TEXT, "anchors": [(1, 1), (1, 1)], "fill": QColor(theme.PANEL)},
        )  # fmt: skip
        self._playhead = pg.InfiniteLine(pos=0.0, angle=90, pen=pg.mkPen(theme.TEXT, width=2), movable=False)
        hover_pen = QPen(QColor(theme.TEXT_DIM))
        hover_pen.setCosmetic(True)
        self._hover_line = pg.InfiniteLine(pos=0.0, angle=90, pen=hover_pen, movable=False)
        self._hover_label = pg.TextItem(color=theme.TEXT, fill=QColor(16, 17, 20, 225), border=pg.mkPen(theme.BORDER))
        self._hover_label.setZValue(50)
        for it in (
            self._unscored_base, self._unscored, self._played, self._p_fill, self._p_line, self._p2_line,
            self._v_line, self._rho_line, self._playhead, self._hover_line, self._hover_label,
        ):  # fmt: skip
            self.addItem(it, ignoreBounds=True)
        self._hover_line.hide()
        self._hover_label.hide()
        # The legend is the plot's title row: above the data, never over it.
        item.setTitle(self._legend_html(), size="8pt")
        item.titleLabel.setMaximumHeight(16)
        self.scene().sigMouseMoved.connect(self._on_mouse_moved)

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt API
        return QSize(600, DEFAULT_HEIGHT)

    @staticmethod
    def _legend_html() -> str:
        def key(color: str, mark: str, text: str) -> str:
            return f'<span style="color:{color}">{mark}</span>&nbsp;<span style="color:{theme.TEXT_DIM}">{text}</span>'

        two_x = f"{LADDER[TWO_X_ROW]:.2f}\u00d7"
        return "&nbsp;&nbsp;&nbsp;".join(
            (
                key(theme.SPEED, "\u2501\u2501", "planned speed (left)"),
                key(theme.NATURAL, "\u2501\u2501", "P(natural) at 1\u00d7 (right)"),
                key(theme.NATURAL, "\u254d\u254d", f"at {two_x}"),
                key(theme.TEXT_DIM, "\u254d\u254d", "\u03c1"),
                key(theme.UNSCORED, "\u25a7", "not scored yet"),
                key("#4b4e58", "\u2588", "played"),
                key(theme.TEXT, "\u2503", "now"),
            )
        )

    def legend_text(self) -> str:
        """The legend row as plain text (tests)."""
        import re

        return re.sub(r"<[^>]+>", "", self.getPlotItem().titleLabel.text).replace("&nbsp;", " ")

    # -- data ------------------------------------------------------------------------------
    def set_duration(self, duration: float) -> None:
        self._duration = max(0.0, float(duration))
        self._vb.setXRange(0.0, max(self._duration, 1e-3), padding=0.0)
        self._redraw_shading()
        self._redraw_played()

    def duration(self) -> float:
        return self._duration

    def set_track(self, times: np.ndarray, p_natural: np.ndarray, v: np.ndarray) -> None:
        """New scores and/or plan: ``times`` (N,) source seconds, P(natural) as (S, N) for
        the ladder's speeds or (N,) at 1x only, NaN where unscored, planned speed ``v`` (N,)."""
        times = np.asarray(times, dtype=np.float64)
        p = np.asarray(p_natural, dtype=np.float64)
        if p.ndim == 1:
            p = p[None, :]
        v = np.asarray(v, dtype=np.float64)
        if not (times.shape == p.shape[1:] == v.shape):
            raise ValueError(f"shapes differ: times {times.shape}, p {p.shape}, v {v.shape}")
        self._times, self._p, self._v = times, p, v
        p1 = p[0]
        p2 = p[TWO_X_ROW] if p.shape[0] > TWO_X_ROW else np.full_like(p1, np.nan)
        t, pp1, pp2, vv = _decimate(times, p1, p2, v)
        if t.size:
            self._p_fill.setData(t, np.nan_to_num(pp1, nan=0.0))
            self._p_line.setData(t, pp1)
            self._p2_line.setData(t, pp2)
            # Speed is drawn where it is planned from scores; unscored video plays at 1x.
            self._v_line.setData(t, np.where(np.isnan(pp1), np.nan, speed_to_y(vv)))
        else:
            for it in (self._p_fill, self._p_line, self._p2_line, self._v_line):
                it.setData([], [])
        self._redraw_shading()
        self.updates += 1

    def set_rho(self, rho: float | None) -> None:
        """The threshold line and its label; None hides it (a target plan whose rho means
        nothing to the viewer, such as the fastest plan)."""
        if rho is None:
            self._rho_line.hide()
            return
        self._rho = float(rho)
        self._rho_line.show()
        self._rho_line.setValue(self._rho)
        self._rho_line.label.setFormat(f"\u03c1 {self._rho:.2f}")

    def rho(self) -> float:
        return float(self._rho_line.value())

    def rho_label(self) -> str:
        return self._rho_line.label.format if self._rho_line.isVisible() else ""

    def set_playhead(self, t: float) -> None:
        self._playhead.setValue(float(t))
        self._redraw_played()

    def playhead(self) -> float:
        return float(self._playhead.value())

    def scored_fraction(self) -> float:
        """Share of [0, duration] that has scores (what the shading shows)."""
        if self._duration <= 0:
            return 0.0
        gaps = unscored_runs(self._times, ~np.isnan(self._p[0]), self._duration)
        return 1.0 - sum(b - a for a, b in gaps) / self._duration

    def curve_data(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(times, P(natural) at 1x, planned V) as last given (tests and screenshots)."""
        return self._times, self._p[0], self._v

    def hover_text(self) -> str:
        """The hover readout now ('' when hidden)."""
        return self._hover_text if self._hover_label.isVisible() else ""

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

    # -- hover -----------------------------------------------------------------------------
    def show_hover(self, t: float) -> None:
        """Readout and guide line at source time ``t``."""
        self._hover_text = hover_readout(self._times, self._p, self._v, t)
        self._hover_label.setText(self._hover_text)
        self._hover_line.setValue(t)
        # Keep the box inside the plot: to the right of the cursor in the left half.
        right_half = t > self._duration / 2
        self._hover_label.setAnchor((1.0, 0.0) if right_half else (0.0, 0.0))
        self._hover_label.setPos(t, Y_TOP)
        self._hover_line.show()
        self._hover_label.show()

    def hide_hover(self) -> None:
        self._hover_line.hide()
        self._hover_label.hide()

    def _on_mouse_moved(self, scene_pos: QPointF) -> None:
        if self._duration <= 0 or not self._vb.sceneBoundingRect().contains(scene_pos):
            self.hide_hover()
            return
        self.show_hover(min(max(float(self._vb.mapSceneToView(scene_pos).x()), 0.0), self._duration))

    def leaveEvent(self, event) -> None:  # noqa: N802 - Qt API
        self.hide_hover()
        super().leaveEvent(event)

    # -- shading ---------------------------------------------------------------------------
    def _redraw_played(self) -> None:
        t = min(max(self.playhead(), 0.0), self._duration)
        if t <= 0:
            self._played.setData([], [])
        else:
            self._played.setData(np.array([0.0, 0.0, t, t]), np.array([0.0, Y_TOP, Y_TOP, 0.0]))

    def _redraw_shading(self) -> None:
        runs = unscored_runs(self._times, ~np.isnan(self._p[0]), self._duration)
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
