"""The window's building blocks on their own: video view, seek bar, speed curve, controls."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QColor

from player.core.frames import VideoFrame
from player.ui.control_bar import ControlBar
from player.ui.seek_bar import SeekBar
from player.ui.speed_curve_view import V_MAX, SpeedCurveView, speed_to_y, unscored_runs
from player.ui.time_format import format_rate, format_time
from player.ui.video_view import VideoView, fit_rect


def two_tone_frame(w: int, h: int) -> VideoFrame:
    """Top half red, bottom half blue: shows which way a rotation turned the picture."""
    image = np.zeros((h, w, 3), np.uint8)
    image[: h // 2] = (255, 0, 0)
    image[h // 2 :] = (0, 0, 255)
    return VideoFrame(src_t=1.0, duration=1 / 30, generation=0, image=image)


def colour_at(widget, x: int, y: int) -> QColor:
    return widget.grab().toImage().pixelColor(x, y)


def is_red(c: QColor) -> bool:
    return c.red() > 200 and c.blue() < 60


def is_blue(c: QColor) -> bool:
    return c.blue() > 200 and c.red() < 60


def test_fit_rect_letterboxes() -> None:
    from PySide6.QtCore import QRectF

    r = fit_rect(320, 180, QRectF(0, 0, 400, 400))
    assert (r.width(), r.height()) == pytest.approx((400, 225))
    assert r.center().y() == pytest.approx(200)


def test_video_view_keeps_aspect_and_paints_frame(qtbot, themed_app) -> None:
    view = VideoView()
    qtbot.addWidget(view)
    view.resize(400, 400)
    view.show()
    view.set_frame(two_tone_frame(320, 180))
    rect = view.picture_rect()
    assert (rect.width(), rect.height()) == pytest.approx((400, 225))
    assert view.frames_shown == 1 and view.last_frame_t == 1.0
    # Letterbox bars are black; the picture's top half is red, bottom half blue.
    assert colour_at(view, 200, 20).red() < 20
    assert is_red(colour_at(view, 200, int(rect.top()) + 20))
    assert is_blue(colour_at(view, 200, int(rect.bottom()) - 20))


def test_video_view_letterboxes_the_picture_upright(qtbot, themed_app) -> None:
    """A 16:9 frame in a square view: full width, centred, black bars, top stays on top."""
    view = VideoView()
    qtbot.addWidget(view)
    view.resize(400, 400)
    view.show()
    view.set_frame(two_tone_frame(320, 180))
    rect = view.picture_rect()
    assert view.display_size() == (320, 180)
    assert (rect.width(), rect.height()) == pytest.approx((400, 225))
    assert rect.top() == pytest.approx((400 - 225) / 2)
    cx = int(rect.center().x())
    assert is_red(colour_at(view, cx, int(rect.top()) + 15))
    assert is_blue(colour_at(view, cx, int(rect.bottom()) - 15))
    assert colour_at(view, 2, 2).red() < 20  # letterbox bar


def test_seek_bar_click_and_drag_seek(qtbot, themed_app) -> None:
    bar = SeekBar()
    qtbot.addWidget(bar)
    bar.resize(520, 20)
    bar.show()
    bar.set_duration(100.0)
    x0, x1 = bar.groove_span()
    seen: list[float] = []
    bar.seek_requested.connect(seen.append)
    qtbot.mouseClick(bar, Qt.MouseButton.LeftButton, pos=QPoint(int(x0 + (x1 - x0) * 0.25), 10))
    assert seen[-1] == pytest.approx(25.0, abs=0.5)
    assert bar.position() == pytest.approx(25.0, abs=0.5)
    # While dragging, playback updates do not pull the handle back.
    qtbot.mousePress(bar, Qt.MouseButton.LeftButton, pos=QPoint(int(x0 + (x1 - x0) * 0.5), 10))
    assert bar.dragging
    bar.set_position(3.0)
    assert bar.position() == pytest.approx(50.0, abs=0.5)
    qtbot.mouseRelease(bar, Qt.MouseButton.LeftButton, pos=QPoint(int(x0 + (x1 - x0) * 0.75), 10))
    assert not bar.dragging and seen[-1] == pytest.approx(75.0, abs=0.5)


def test_unscored_runs() -> None:
    t = np.arange(10, dtype=float)
    scored = np.array([1, 1, 1, 0, 0, 1, 1, 0, 0, 0], bool)
    assert unscored_runs(t, scored, 10.0) == [(3.0, 5.0), (7.0, 10.0)]
    assert unscored_runs(t, np.ones(10, bool), 10.0) == []
    assert unscored_runs(np.zeros(0), np.zeros(0, bool), 4.0) == [(0.0, 4.0)]
    # Samples starting late: the head counts as unscored.
    assert unscored_runs(t + 2, np.ones(10, bool), 12.0) == [(0.0, 2.0)]


def test_speed_to_y_is_log_ladder() -> None:
    ys = speed_to_y(np.array([1.0, 1.25**5, V_MAX, 20.0]))
    assert ys == pytest.approx([0.0, 0.5, 1.0, 1.0])


def curve_with_seek_bar(qtbot) -> tuple[ControlBar, SeekBar, SpeedCurveView]:
    bar = ControlBar()
    qtbot.addWidget(bar)
    bar.resize(900, 120)
    bar.show()
    qtbot.waitExposed(bar)
    bar.set_duration(120.0)
    return bar, bar.seek_bar, bar.curve


def test_curve_is_aligned_with_seek_bar(qtbot, themed_app) -> None:
    bar, seek, curve = curve_with_seek_bar(qtbot)
    for t in (0.0, 30.0, 60.0, 119.0, 120.0):
        seek_x = seek.mapTo(bar, QPoint(int(round(seek.x_for_time(t))), 0)).x()
        curve_x = curve.mapTo(bar, QPoint(int(round(curve.x_for_time(t))), 0)).x()
        assert abs(seek_x - curve_x) <= 1, (t, seek_x, curve_x)


def test_curve_click_seeks_and_shading_follows_scores(qtbot, themed_app) -> None:
    bar, seek, curve = curve_with_seek_bar(qtbot)
    times = np.linspace(0.0, 120.0, 3601)
    p1 = 0.5 + 0.4 * np.sin(times / 7.0)
    p1[times >= 80.0] = np.nan  # scored up to 80 s
    v = np.where(p1 < 0.5, 3.0, 1.0)
    curve.set_track(times, p1, v)
    assert curve.scored_fraction() == pytest.approx(80.0 / 120.0, abs=0.01)
    p1_more = p1.copy()
    p1_more[(times >= 80.0) & (times < 100.0)] = 0.3  # the worker filled 80..100 s
    curve.set_track(times, p1_more, v)
    assert curve.scored_fraction() == pytest.approx(100.0 / 120.0, abs=0.01)
    assert curve.updates == 2

    seen: list[float] = []
    bar.seek_requested.connect(seen.append)
    x = int(round(curve.x_for_time(45.0)))
    qtbot.mouseClick(curve.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, 30))
    assert seen and seen[-1] == pytest.approx(45.0, abs=0.5)
    assert curve.playhead() == pytest.approx(45.0, abs=0.5)


def test_control_bar_rho_and_target(qtbot, themed_app) -> None:
    bar = ControlBar()
    qtbot.addWidget(bar)
    rhos: list[float] = []
    targets: list[object] = []
    bar.rho_changed.connect(rhos.append)
    bar.target_changed.connect(targets.append)
    bar.rho_slider.setValue(70)
    assert rhos == [pytest.approx(0.7)]
    assert bar.rho_label.text() == "0.70" and bar.curve.rho() == pytest.approx(0.7)
    bar.target_combo.setCurrentIndex(2)
    assert targets == [2.0] and not bar.rho_slider.isEnabled()
    bar.target_combo.setCurrentIndex(0)
    assert targets[-1] is None and bar.rho_slider.isEnabled()
    # State pushed in by the window does not echo back as user actions.
    bar.set_rho(0.3)
    bar.set_target(3.0)
    assert len(rhos) == 1 and len(targets) == 2
    assert bar.target() == 3.0


def test_time_and_rate_format() -> None:
    assert format_time(7.9) == "0:07"
    assert format_time(65) == "1:05"
    assert format_time(3723) == "1:02:03"
    assert format_time(float("nan")) == "0:00"
    assert format_rate(2.444) == "2.44\u00d7"
