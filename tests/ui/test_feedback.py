"""What the window tells the user, in the states where it used to say too little or the
wrong thing (issue 15): keys and their help from one table, the speed curve's axes and
readout, an unreachable target, a file without audio, the manual speed factor, exporting
before scoring has finished, the first run. Real window, real session, real clips."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import Qt

from player.analysis.score_worker import track_for_media
from player.ui.actions import ActionSpec, KeyMap, key_text, shortcut_rows
from player.ui.export_folder import suggested_export_path
from player.ui.speed_curve_view import LADDER, SpeedCurveView, hover_readout

SCORE_TIMEOUT_MS = 60_000


def all_calm(info):
    """Scores saying every speed looks natural everywhere: any plan is 1x or 9.31x."""
    track = track_for_media(info)
    track.update(0, np.full((track.speeds.size, track.n_frames), 0.95, np.float32))
    return track


# -- one key table ---------------------------------------------------------------------------
def test_help_is_generated_from_the_key_table(player) -> None:
    rows = dict(shortcut_rows(player.action_specs))
    joined = " | ".join(f"{k}: {v}" for k, v in rows.items())
    for wanted in ("Space, P", "Q, Ctrl+Q", "double-click the video", "Esc", "Ctrl+E"):
        assert wanted in joined, joined
    # The menus show the same keys as the help, and so does the README's table.
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    keys_section = readme[readme.index("## Keys") : readme.index("## Command line")]
    for spec in player.action_specs:
        if spec.in_menu and spec.keys:
            assert player.actions_by_id[spec.id].text().endswith("\t" + ", ".join(key_text(k) for k in spec.keys))
        for key in spec.keys:
            assert key_text(key) in keys_section, f"README's key table lacks {key} ({spec.id})"


def test_key_map_binds_each_key_once_and_ignores_a_lone_shift() -> None:
    hits: list[str] = []
    specs = [
        ActionSpec("a", "Playback", "A", lambda: hits.append("a"), ("Space", "P")),
        ActionSpec("b", "File", "B", lambda: hits.append("b"), ("Ctrl+Q",)),
    ]
    keys = KeyMap(specs)
    no, shift, ctrl = Qt.KeyboardModifier.NoModifier, Qt.KeyboardModifier.ShiftModifier, Qt.KeyboardModifier.ControlModifier
    keys.handler_for(Qt.Key.Key_P, no)()
    keys.handler_for(Qt.Key.Key_Space, shift)()
    keys.handler_for(Qt.Key.Key_Q, ctrl)()
    assert hits == ["a", "a", "b"]
    assert keys.handler_for(Qt.Key.Key_Q, no) is None
    with pytest.raises(ValueError, match="bound twice"):
        KeyMap(specs + [ActionSpec("c", "File", "C", lambda: None, ("P",))])


def test_p_plays_and_ctrl_q_quits(qtbot, player, make_clip) -> None:
    assert player.open_path(make_clip(duration=4.0), play=False)
    assert not player.session.status().playing
    qtbot.keyClick(player, Qt.Key.Key_P)
    assert player.session.status().playing
    qtbot.keyClick(player, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier)
    assert not player.isVisible()


# -- the speed curve -------------------------------------------------------------------------
def test_curve_has_readable_axes_legend_clear_of_the_data_and_a_hover_readout(qtbot, themed_app) -> None:
    curve = SpeedCurveView()
    qtbot.addWidget(curve)
    curve.resize(900, curve.sizeHint().height())
    curve.show()
    qtbot.waitExposed(curve)
    assert curve.height() >= 140
    item = curve.getPlotItem()
    left = [label for _y, label in item.getAxis("left")._tickLevels[0]]
    assert left[0] == "1\u00d7" and left[-1] == "9.3\u00d7" and "2\u00d7" in left
    assert [label for _y, label in item.getAxis("right")._tickLevels[0]] == ["0", "0.5", "1"]
    assert "P(natural) at 1\u00d7" in curve.legend_text() and "at 1.95\u00d7" in curve.legend_text()
    # The legend is a row of its own, above the plotted area.
    legend_box = item.titleLabel.sceneBoundingRect()
    assert legend_box.bottom() <= item.getViewBox().sceneBoundingRect().top() + 1

    times = np.linspace(0.0, 60.0, 601)
    p = np.clip(1.0 - np.outer(np.arange(11) / 10, np.full(601, 0.8)), 0, 1)
    p[:, times >= 40.0] = np.nan
    v = np.where(times < 20.0, 1.5625, 1.0)
    curve.set_duration(60.0)
    curve.set_track(times, p, v)
    curve.set_rho(0.35)
    assert curve.rho_label() == "\u03c1 0.35"
    curve.show_hover(10.0)
    text = curve.hover_text()
    assert text.startswith("0:10.0") and "planned 1.56\u00d7" in text
    assert all(f"{s:.2f}".rstrip("0").rstrip(".") + "\u00d7" in text for s in LADDER)  # 1.25x and 1.56x apart
    curve.show_hover(50.0)
    assert "not scored yet" in curve.hover_text()
    curve.hide_hover()
    assert curve.hover_text() == ""
    assert hover_readout(np.zeros(0), np.zeros((11, 0)), np.zeros(0), 1.0).endswith("not scored yet")


def test_window_curve_is_taller_and_resizable(qtbot, player) -> None:
    curve = player.controls.curve
    assert curve.height() >= 110
    before = curve.height()
    sizes = player.splitter.sizes()
    player.splitter.setSizes([sizes[0] - 120, sizes[1] + 120])
    qtbot.waitUntil(lambda: curve.height() > before + 60, timeout=2000)


# -- honest status ---------------------------------------------------------------------------
def test_unreachable_target_is_said_in_the_status_bar(qtbot, player, make_clip) -> None:
    assert player.open_path(make_clip(duration=4.0), play=False)
    player.session.use_scores(all_calm(player.session.info))
    player.set_smart(True)
    player.set_target(3.0)
    player.refresh_status()
    assert player.target_label.isVisible()
    assert "not reachable within 1%" in player.target_label.text()
    player.set_target(None)
    player.refresh_status()
    assert not player.target_label.isVisible()


def test_no_audio_track_is_not_reported_as_muted(qtbot, player, clip_no_audio) -> None:
    assert player.open_path(clip_no_audio, play=False)
    player.refresh_status()
    assert player.audio_label.text() == "No audio track"


def test_manual_speed_factor_is_not_shown_as_a_second_speed(qtbot, player, make_clip) -> None:
    assert player.open_path(make_clip(duration=4.0), play=False)
    player.session.use_scores(all_calm(player.session.info))
    player.set_smart(True)
    qtbot.keyClick(player, Qt.Key.Key_BracketLeft)
    message = player.statusBar().currentMessage()
    assert message.startswith("Manual speed factor")
    assert "plan \u00d7" in player.speed_label.text()


# -- export ------------------------------------------------------------------------------------
def test_export_waits_for_scoring_by_default(qtbot, player, make_clip, tmp_path, monkeypatch) -> None:
    clip = make_clip(duration=10.0, size=(320, 240))
    assert player.open_path(clip)
    player.set_smart(True)
    out = tmp_path / "cut.mp4"
    monkeypatch.setattr("player.ui.export_flow.QFileDialog.getSaveFileName", lambda *a, **k: (str(out), ""))
    asked: list[float] = []
    monkeypatch.setattr(player.exports, "ask_before_scored", lambda scored: asked.append(scored) or "wait")
    started_at: list[float] = []
    original = player.exports.start

    def recording_start(path, **kw):
        started_at.append(player.session.status().scored_fraction)
        return original(path, **kw)

    monkeypatch.setattr(player.exports, "start", recording_start)
    player.exports.run()
    # Asked at once after opening, before scoring a 10 s clip can have finished: it waits.
    assert asked and asked[0] < 0.999
    assert player.exports.pending == (out, True) or player.exports.dialog is not None
    qtbot.waitUntil(lambda: player.exports.dialog is not None, timeout=SCORE_TIMEOUT_MS)
    assert started_at and started_at[0] >= 0.999
    with qtbot.waitSignal(player.exports.dialog.finished_export, timeout=60_000) as blocker:
        pass
    assert blocker.args == ["done"] and out.is_file()
    # A finished export dialog does not stay over the next video.
    assert player.exports.dialog.isVisible()
    assert player.open_path(make_clip(duration=2.0))
    assert not player.exports.dialog.isVisible()


def test_export_now_exports_at_once(qtbot, player, make_clip, tmp_path, monkeypatch) -> None:
    assert player.open_path(make_clip(duration=30.0, size=(320, 240)))
    player.set_smart(True)
    out = tmp_path / "now.mp4"
    monkeypatch.setattr("player.ui.export_flow.QFileDialog.getSaveFileName", lambda *a, **k: (str(out), ""))
    monkeypatch.setattr(player.exports, "ask_before_scored", lambda scored: "now")
    player.exports.run()
    if player.session.status().scored_fraction < 0.999:
        assert player.exports.pending is None
    assert player.exports.dialog is not None and player.exports.dialog.isVisible()
    player.exports.dialog.worker.request_stop()


def test_save_dialog_suggests_videos_folder_when_the_source_folder_is_read_only(tmp_path) -> None:
    writable = tmp_path / "clips"
    writable.mkdir()
    assert suggested_export_path(writable / "a.mp4") == writable.resolve() / "a.speednet.mp4"
    videos = tmp_path / "Videos"
    videos.mkdir()
    if os.geteuid() == 0:
        locked = Path("/proc/self")  # root ignores mode bits; /proc is not writable even for root
        if os.access(locked, os.W_OK):
            pytest.skip("no folder here that root cannot write")
    else:
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o500)
    assert suggested_export_path(locked / "a.mp4", videos_dir=videos) == videos / "a.speednet.mp4"


# -- first run ---------------------------------------------------------------------------------
def test_demo_opens_paused_on_its_first_frame_with_the_hint_showing(qtbot, player) -> None:
    from player.ui.resources import demo_clip

    assert player.open_path(demo_clip(), play=False)
    qtbot.waitUntil(lambda: player.video.frames_shown >= 1, timeout=5000)
    qtbot.wait(300)
    assert not player.session.status().playing and player.session.status().position < 0.1
    player.show_message("Audio: no output device")  # a notice no longer covers the hint
    assert player.hint_label.isVisible() and "Space" in player.hint_label.text()


def test_a_video_that_ends_early_gets_one_notice(qtbot, player, make_clip, tmp_path) -> None:
    """A faststart MP4 cut after its index: the window says where the video really stops."""
    clip = make_clip(duration=12.0, fps=30, size=(320, 240), faststart=True, preset="ultrafast")
    data = Path(clip).read_bytes()
    cut = tmp_path / "cut_short.mp4"
    cut.write_bytes(data[: len(data) // 3])  # head -c: the index survives, the media does not
    assert player.open_path(cut, play=False)
    qtbot.waitUntil(lambda: len(player.errors) >= 1, timeout=10_000)
    assert len(player.errors) == 1
    assert player.errors[0].startswith("This file is incomplete: the video stops at 0:0")  # 0:03 or so
    assert "of the 0:12" in player.errors[0]
