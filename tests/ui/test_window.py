"""The player window around a real PlaybackSession, offscreen, on real clips.

Audio is off (no sound card here), so the system clock is the master. Scores come from a
tiny untrained SpeedNet: real scoring code, deterministic numbers.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent, QImage
from PySide6.QtWidgets import QMessageBox

SCORE_TIMEOUT_MS = 60_000  # the tiny model scores 8 s of video in a few seconds here


def status(window):
    return window.session.status()


def wait_scored(qtbot, window) -> None:
    qtbot.waitUntil(lambda: status(window).scored_fraction >= 0.999, timeout=SCORE_TIMEOUT_MS)


def visible_boxes(window) -> list[QMessageBox]:
    return [w for w in window.findChildren(QMessageBox) if w.isVisible()]


def test_open_then_play_advances_the_playhead(qtbot, player, make_clip) -> None:
    clip = make_clip(duration=6.0, size=(320, 240))
    assert player.open_path(clip)
    assert player.windowTitle().startswith(Path(clip).name)
    assert player.controls.seek_bar.duration() == pytest.approx(6.0, abs=0.1)
    qtbot.waitUntil(lambda: status(player).position > 1.0, timeout=10_000)
    st = status(player)
    assert st.playing
    assert player.video.frames_shown >= 10
    assert player.video.display_size() == (320, 240)
    # The seek bar and the curve's playhead follow the clock.
    qtbot.waitUntil(lambda: player.controls.seek_bar.position() > 0.9, timeout=2000)
    assert player.controls.curve.playhead() > 0.9
    assert player.controls.time_label.text().endswith("/ 0:06")


def test_keys_follow_mpv(qtbot, player, make_clip) -> None:
    clip = make_clip(duration=12.0)
    assert player.open_path(clip)
    qtbot.waitUntil(lambda: status(player).playing, timeout=5000)
    target = player.video

    qtbot.keyClick(target, Qt.Key.Key_Space)
    assert not status(player).playing
    start = status(player).position
    qtbot.keyClick(target, Qt.Key.Key_Right)
    qtbot.waitUntil(lambda: abs(status(player).position - (start + 5.0)) < 0.1, timeout=2000)
    qtbot.keyClick(target, Qt.Key.Key_Left)
    qtbot.waitUntil(lambda: abs(status(player).position - start) < 0.1, timeout=2000)
    qtbot.keyClick(target, Qt.Key.Key_Up)  # +1 min, clamped to the end
    qtbot.waitUntil(lambda: status(player).position > 11.0, timeout=2000)
    qtbot.keyClick(target, Qt.Key.Key_Down)
    qtbot.waitUntil(lambda: status(player).position < 0.1, timeout=2000)

    qtbot.keyClick(target, Qt.Key.Key_BracketRight)
    qtbot.keyClick(target, Qt.Key.Key_BracketRight)
    assert status(player).manual_rate == pytest.approx(1.21)
    qtbot.keyClick(target, Qt.Key.Key_BracketLeft)
    assert status(player).manual_rate == pytest.approx(1.1)
    qtbot.keyClick(target, Qt.Key.Key_Backspace)
    assert status(player).manual_rate == 1.0

    # Step once the picture at the seek target is on screen, as a user would.
    qtbot.waitUntil(lambda: player.video.last_frame_t is not None and player.video.last_frame_t < 0.1, timeout=2000)
    before = status(player).position
    qtbot.keyClick(target, Qt.Key.Key_Period)
    qtbot.waitUntil(lambda: status(player).position > before, timeout=2000)
    after_step = status(player).position
    qtbot.waitUntil(lambda: player.video.last_frame_t == pytest.approx(after_step), timeout=2000)
    qtbot.keyClick(target, Qt.Key.Key_Comma)
    qtbot.waitUntil(lambda: status(player).position < after_step, timeout=2000)

    qtbot.keyClick(target, Qt.Key.Key_M)
    assert player.settings.muted and player.controls.mute_button.isChecked()
    qtbot.keyClick(target, Qt.Key.Key_M)
    assert not player.settings.muted

    qtbot.keyClick(target, Qt.Key.Key_S)
    assert status(player).smart and player.is_smart() and player.smart_action.isChecked()
    assert player.hint_label.isHidden() and player.settings.hint_dismissed
    qtbot.keyClick(target, Qt.Key.Key_S)
    assert not status(player).smart

    qtbot.keyClick(target, Qt.Key.Key_F)
    qtbot.waitUntil(player.isFullScreen, timeout=2000)
    assert player.menuBar().isHidden()
    qtbot.keyClick(target, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not player.isFullScreen(), timeout=2000)
    assert not player.menuBar().isHidden()

    qtbot.keyClick(target, Qt.Key.Key_Space)
    assert status(player).playing


def find_boundary(plan, lo: float, hi: float) -> tuple[float, float, float, float, float] | None:
    """The boundary in (lo, hi) with the longest segment after it:
    (time, rate before, rate after, end of the segment after, start of the one before)."""
    best = None
    for a, b in zip(plan.segments, plan.segments[1:]):
        if lo < a.end < hi and abs(a.speed - b.speed) > 0.2 and a.duration >= 0.3:
            if best is None or b.duration > best[3] - best[0]:
                best = (a.end, a.speed, b.speed, b.end, a.start)
    return best


def slope(samples: list[tuple[float, float]]) -> float:
    """Least-squares d(position)/d(wall time)."""
    wall, pos = np.array(samples).T
    return float(np.polyfit(wall, pos, 1)[0])


def test_smart_ff_changes_rate_at_a_planned_boundary(qtbot, player, calm_then_busy) -> None:
    assert player.open_path(calm_then_busy)
    player.toggle_play()  # pause while the scores come in
    player.set_smart(True)
    wait_scored(qtbot, player)
    boundary = None
    for rho in (0.5, 0.3, 0.7, 0.2, 0.8, 0.1, 0.9):
        player.set_rho(rho)
        boundary = find_boundary(player.session.plan, 1.0, 7.0)
        if boundary:
            break
    assert boundary, f"no rate change in any plan: {player.session.plan!r}"
    t_b, before, after, next_b, prev_b = boundary
    # Start up to 0.4 s of wall time before the boundary and watch the clock cross it.
    player.seek_to(max(prev_b + 0.01, t_b - 0.4 * before))
    player.toggle_play()
    samples: list[tuple[float, float, float]] = []  # (wall, position, reported rate)
    deadline = time.monotonic() + 6.0
    while time.monotonic() < deadline:
        qtbot.wait(5)
        st = status(player)
        samples.append((time.monotonic(), st.position, st.effective_rate))
        if st.position > next_b - 0.05 or st.position >= st.duration:
            break
    pre = [s for s in samples if s[1] < t_b - 0.02]
    post = [s for s in samples if t_b + 0.02 < s[1] < next_b - 0.02]
    assert len(pre) >= 5 and len(post) >= 3, (boundary, samples)
    # The reported rate switches exactly at the boundary...
    assert all(r == pytest.approx(before, rel=1e-3) for _w, _p, r in pre), (boundary, pre)
    assert all(r == pytest.approx(after, rel=1e-3) for _w, _p, r in post), (boundary, post)
    # ...and the playhead really moves at that rate on each side.
    assert slope([(w, p) for w, p, _r in pre]) == pytest.approx(before, rel=0.1)
    assert slope([(w, p) for w, p, _r in post]) == pytest.approx(after, rel=0.1)
    player.refresh_status()
    assert player.speed_label.text().endswith("\u00d7")
    assert player.saved_label.text().startswith("Saved")


def test_rho_change_updates_plan_and_plot_within_100ms(qtbot, player, calm_then_busy) -> None:
    assert player.open_path(calm_then_busy)
    player.set_smart(True)
    wait_scored(qtbot, player)
    curve = player.controls.curve
    slider = player.controls.rho_slider
    slider.setValue(20)
    qtbot.wait(50)
    changed = 0
    for value in (80, 35, 65):
        plan_before = player.session.plan
        updates_before = curve.updates
        t0 = time.perf_counter()
        slider.setValue(value)  # what a drag does, one step at a time
        qtbot.waitUntil(lambda: curve.updates > updates_before, timeout=1000)
        elapsed = time.perf_counter() - t0
        assert elapsed < 0.1, f"curve redrawn {elapsed * 1000:.0f} ms after the slider moved"
        assert status(player).rho == pytest.approx(value / 100)
        assert curve.rho() == pytest.approx(value / 100)
        assert player.settings.rho == pytest.approx(value / 100)
        times, p_natural, v = player.session.track_snapshot()
        _t, _p, drawn_v = curve.curve_data()
        np.testing.assert_allclose(drawn_v, v)
        changed += player.session.plan != plan_before
    assert changed >= 1  # at least one step moved a boundary or a rate

    # Target mode: the slider is locked and shows the rho the planner chose.
    player.controls.target_combo.setCurrentIndex(2)  # 2x shorter
    qtbot.waitUntil(lambda: status(player).target_speedup == 2.0, timeout=1000)
    assert not slider.isEnabled()
    plan = player.session.plan
    # An 8 s clip planned in 0.5 s cells cannot hit 2x exactly; long videos do (planner tests).
    assert plan.input_duration / plan.output_duration == pytest.approx(2.0, rel=0.25)
    assert player.settings.target_speedup == 2.0
    player.refresh_status()
    assert player.controls.rho() == pytest.approx(status(player).rho, abs=0.006)
    # Back to threshold mode at the slider's rho.
    player.controls.target_combo.setCurrentIndex(0)
    assert slider.isEnabled() and status(player).target_speedup is None
    assert status(player).rho == pytest.approx(slider.value() / 100)


def test_seek_by_clicking_the_plot(qtbot, player, make_clip) -> None:
    clip = make_clip(duration=8.0)
    assert player.open_path(clip)
    player.toggle_play()
    curve = player.controls.curve
    x = int(round(curve.x_for_time(5.0)))
    qtbot.mouseClick(curve.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, curve.height() // 2))
    qtbot.waitUntil(lambda: abs(status(player).position - 5.0) < 0.1, timeout=2000)
    # Paused, the picture still moves to the new position.
    qtbot.waitUntil(
        lambda: player.video.last_frame_t is not None and abs(player.video.last_frame_t - 5.0) < 0.1,
        timeout=3000,
    )
    qtbot.waitUntil(lambda: abs(player.controls.seek_bar.position() - 5.0) < 0.1, timeout=3000)


def test_bad_file_shows_an_error_and_the_window_survives(qtbot, player, make_clip, bad_inputs) -> None:
    good = make_clip(duration=6.0)
    assert player.open_path(good)
    qtbot.waitUntil(lambda: status(player).position > 0.3, timeout=5000)
    with qtbot.waitSignal(player.error_shown, timeout=2000):
        assert not player.open_path(bad_inputs["text"])
    assert len(player.errors) == 1 and player.errors[0]
    assert "\n" not in player.errors[0]
    boxes = visible_boxes(player)
    assert len(boxes) == 1 and not boxes[0].isModal()
    # The file that was playing plays on.
    assert player.session.path == Path(good)
    p = status(player).position
    qtbot.waitUntil(lambda: status(player).position > p + 0.2, timeout=3000)
    # More bad inputs: each one error, never more than one box at a time.
    for name in ("missing", "directory", "empty", "random_bytes", "truncated", "zero_duration", "audio_only"):
        assert not player.open_path(bad_inputs[name]), name
    assert len(visible_boxes(player)) == 1
    assert all(e for e in player.errors)
    # And the window still opens a good file.
    assert player.open_path(make_clip(duration=2.0))


def test_missing_model_is_an_error_but_playback_works(qtbot, themed_app, qsettings, tmp_path, make_clip) -> None:
    from player.app import build_player

    window = build_player(
        model_path=str(tmp_path / "no-such-model.safetensors"), device="cpu", audio=False,
        cache_dir=str(tmp_path / "cache"), settings=qsettings,
    )
    qtbot.addWidget(window)
    window.show()
    assert window.open_path(make_clip(duration=4.0))
    window.set_smart(True)
    qtbot.waitUntil(lambda: len(window.errors) >= 1, timeout=10_000)
    assert "model" in window.errors[0].lower()
    qtbot.waitUntil(lambda: window.session.status().position > 0.5, timeout=5000)
    # The status bar says smart FF is off for want of a model, not "Scoring 0%" forever.
    window.refresh_status()
    assert window.scoring_label.text() == "Smart FF unavailable (no model)"
    assert not window.waiting_label.isVisible()
    window.close()


def test_closing_during_scoring_and_decoding_exits_within_1s(qtbot, player, make_clip) -> None:
    # Long enough that even on an idle machine the scorer is still busy when we close
    # (a 15 s clip was fully scored before the playhead reached 0.3 s).
    clip = make_clip(duration=120.0, size=(160, 120))
    assert player.open_path(clip)
    player.set_smart(True)
    qtbot.waitUntil(lambda: status(player).position > 0.1, timeout=5000)
    assert status(player).scored_fraction < 0.999  # the scorer is still busy
    before = {t.ident for t in threading.enumerate()}
    t0 = time.perf_counter()
    player.close()
    elapsed = time.perf_counter() - t0
    assert elapsed < 1.0, f"closing took {elapsed:.2f} s"
    time.sleep(0.05)
    leftover = [t.name for t in threading.enumerate() if t.ident in before and t.is_alive() and "Worker" in t.name]
    assert leftover == []


def test_drop_and_recent_files_open(qtbot, player, make_clip) -> None:
    first = make_clip(duration=2.0)
    second = make_clip(duration=3.0)
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(first))])
    event = QDropEvent(QPointF(50, 50), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    player.dropEvent(event)
    qtbot.waitUntil(lambda: player.session.path == Path(first), timeout=3000)
    assert player.open_path(second)
    assert player.settings.recent_files[:2] == [str(Path(second).resolve()), str(Path(first).resolve())]
    player.recent_menu.fill()
    entry = next(a for a in player.recent_menu.actions() if a.text() == Path(first).name)
    entry.trigger()
    assert player.session.path == Path(first)


def test_settings_are_remembered(qtbot, themed_app, qsettings, tmp_path, tiny_model) -> None:
    from player.app import build_player
    from PySide6.QtCore import QSettings

    first = build_player(model_path=str(tiny_model), audio=False, cache_dir=str(tmp_path), settings=qsettings)
    qtbot.addWidget(first)
    first.set_rho(0.72)
    first.set_volume(0.3)
    first.set_target(3.0)
    first.close()
    again = build_player(
        model_path=str(tiny_model), audio=False, cache_dir=str(tmp_path),
        settings=QSettings(qsettings.fileName(), QSettings.Format.IniFormat),
    )
    qtbot.addWidget(again)
    assert again.controls.rho() == pytest.approx(0.72)
    assert again.controls.volume_slider.value() == 30
    assert again.controls.target() == 3.0
    again.close()


def test_export_from_the_window(qtbot, player, make_clip, tmp_path) -> None:
    clip = make_clip(duration=3.0)
    assert player.open_path(clip)
    player.set_smart(True)
    wait_scored(qtbot, player)
    player.set_target(2.0)
    out = tmp_path / "cut.mp4"
    dialog = player.exports.start(out)
    assert dialog is not None and dialog.isVisible() and not dialog.isModal()
    with qtbot.waitSignal(dialog.finished_export, timeout=60_000) as blocker:
        pass
    assert blocker.args == ["done"], dialog.error_text
    assert out.is_file()
    import av

    with av.open(str(out)) as c:
        duration = float(c.duration) / 1e6
    assert duration == pytest.approx(player.session.plan.output_duration, abs=0.15)
    # The window played on while exporting.
    assert player.isVisible() and player.errors == []


def test_rotated_phone_video_is_shown_upright(qtbot, player, clip_rotated, frame_index) -> None:
    assert player.open_path(clip_rotated)
    player.toggle_play()
    info = player.session.info
    assert info.rotation == 90
    # Show frame 45: its index strip has a distinctive bit pattern.
    t45 = clip_rotated.frame_times[45]
    player.seek_to(t45)
    qtbot.waitUntil(lambda: player.video.last_frame_t == pytest.approx(t45), timeout=5000)
    assert player.video.display_size() == info.display_size  # portrait: taller than wide
    w, h = info.display_size
    assert h > w
    # The clip's strip runs along the bottom of the picture as stored; turned 90 degrees
    # counter-clockwise for display, it must be on screen along the RIGHT edge. Read the
    # screen, turn it back clockwise, and the frame number must come out.
    player.video.repaint()
    shot = player.video.grab().toImage().convertToFormat(QImage.Format.Format_RGB888)
    rows = np.frombuffer(shot.constBits(), np.uint8).reshape(shot.height(), shot.bytesPerLine())
    screen = rows[:, : shot.width() * 3].reshape(shot.height(), shot.width(), 3)
    r = player.video.picture_rect().toRect().adjusted(1, 1, -1, -1)
    picture = screen[r.top() : r.bottom() + 1, r.left() : r.right() + 1]
    assert frame_index(np.rot90(picture, k=-1)) == 45


def test_dragging_the_seek_bar_coalesces_seeks(qtbot, player, make_clip) -> None:
    clip = make_clip(duration=8.0)
    assert player.open_path(clip)
    player.toggle_play()
    seeks: list[float] = []
    transport = player.session._transport  # the real seeks the coalescing lets through
    real_seek = transport.seek
    transport.seek = lambda t: (seeks.append(t), real_seek(t))  # count, then really seek
    bar = player.controls.seek_bar
    x0, x1 = bar.groove_span()
    qtbot.mousePress(bar, Qt.MouseButton.LeftButton, pos=QPoint(int(x0), 10))
    for i in range(1, 41):  # 40 moves in well under a second
        x = int(x0 + (x1 - x0) * 0.5 * i / 40)
        bar.mouseMoveEvent(_move_event(bar, x))
    qtbot.mouseRelease(bar, Qt.MouseButton.LeftButton, pos=QPoint(int((x0 + x1) / 2), 10))
    qtbot.waitUntil(lambda: abs(status(player).position - 4.0) < 0.1, timeout=2000)
    assert 2 <= len(seeks) < 20
    assert seeks[-1] == pytest.approx(4.0, abs=0.05)  # the last position always wins


def _move_event(widget, x: int):
    from PySide6.QtCore import QEvent
    from PySide6.QtGui import QMouseEvent

    local = QPointF(x, 10)
    return QMouseEvent(
        QEvent.Type.MouseMove, local, widget.mapToGlobal(local), Qt.MouseButton.NoButton,
        Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
    )


def test_unscored_video_plays_at_1x_and_says_so(qtbot, player, make_clip) -> None:
    clip = make_clip(duration=15.0, size=(320, 240))
    assert player.open_path(clip)
    player.set_smart(True)
    player.seek_to(11.0)  # far ahead of the scorer
    qtbot.waitUntil(lambda: status(player).waiting_for_scores, timeout=3000)
    player.refresh_status()
    assert player.waiting_label.isVisible()
    assert "waiting for scores" in player.waiting_label.text()
    assert status(player).effective_rate == 1.0
    # The curve's shading shows what is scored; it fills in from the playhead on.
    wait_scored_at = lambda: not status(player).waiting_for_scores  # noqa: E731
    qtbot.waitUntil(wait_scored_at, timeout=SCORE_TIMEOUT_MS)
    player.refresh_status()
    qtbot.waitUntil(lambda: not player.waiting_label.isVisible(), timeout=2000)
    qtbot.waitUntil(lambda: player.controls.curve.scored_fraction() > 0.0, timeout=2000)
    assert player.scoring_label.text().startswith("Scor")
