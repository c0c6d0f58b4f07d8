"""The main window's actions: the one key table (player/ui/actions.py builds the menus,
the key handling and Help > Keyboard shortcuts from it) and the Help boxes."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWidget

from player.core.status_text import APP_TITLE
from player.ui.actions import ActionSpec, shortcuts_html

if TYPE_CHECKING:
    from player.ui.main_window import PlayerWindow

SEEK_SMALL_S = 5.0
SEEK_LARGE_S = 60.0
VOLUME_STEP = 0.05


def window_actions(w: PlayerWindow) -> list[ActionSpec]:
    """Every action of ``w``, its menu and its keys."""
    A = ActionSpec
    return [
        A("open", "File", "&Open\u2026", w.open_dialog, ("Ctrl+O",)),
        A("export", "File", "&Export sped-up cut\u2026", w.exports.run, ("Ctrl+E",), separator_before=True),
        A("quit", "File", "&Quit", w.close, ("Q", "Ctrl+Q"), separator_before=True),
        A("play", "Playback", "Play / Pause", w.toggle_play, ("Space", "P")),
        A("smart", "Playback", "&Smart fast-forward", w.toggle_smart, ("S",), checkable=True),
        A("faster", "Playback", "Faster", lambda: w.change_manual_rate(+1), ("]",), separator_before=True,
          help="Faster (manual speed factor)"),
        A("slower", "Playback", "Slower", lambda: w.change_manual_rate(-1), ("[",),
          help="Slower (manual speed factor)"),
        A("normal", "Playback", "Normal speed", w.reset_manual_rate, ("Backspace",)),
        A("next_frame", "Playback", "Next frame", lambda: w.step_frame(1), (".",), separator_before=True),
        A("prev_frame", "Playback", "Previous frame", lambda: w.step_frame(-1), (",",)),
        A("fwd_small", "Playback", "Forward 5 s", lambda: w.seek_relative(SEEK_SMALL_S), ("Right",)),
        A("back_small", "Playback", "Back 5 s", lambda: w.seek_relative(-SEEK_SMALL_S), ("Left",)),
        A("fwd_large", "Playback", "Forward 1 min", lambda: w.seek_relative(SEEK_LARGE_S), ("Up",)),
        A("back_large", "Playback", "Back 1 min", lambda: w.seek_relative(-SEEK_LARGE_S), ("Down",)),
        A("seek_click", "Playback", "Seek", lambda: None, mouse="click or drag the seek bar or the curve",
          in_menu=False),
        A("mute", "Audio", "Mute", w.toggle_mute, ("M",)),
        A("volume_up", "Audio", "Volume up", lambda: w.change_volume(VOLUME_STEP), ("0",)),
        A("volume_down", "Audio", "Volume down", lambda: w.change_volume(-VOLUME_STEP), ("9",)),
        A("fullscreen", "View", "&Fullscreen", w.fullscreen.toggle, ("F",), mouse="double-click the video"),
        A("leave_fullscreen", "View", "Leave fullscreen", w.fullscreen.leave, ("Esc",), in_menu=False),
        *w.models.action_specs(),
        A("keys", "Help", "&Keyboard shortcuts", lambda: show_keys(w)),
        A("about", "Help", "&About SpeedNet Player", lambda: show_about(w)),
    ]


def show_keys(w: PlayerWindow) -> None:
    info_box(w, "Keyboard shortcuts", shortcuts_html(w.action_specs))


def show_about(w: PlayerWindow) -> None:
    from player import __version__

    info_box(
        w,
        f"About {APP_TITLE}",
        f"<b>{APP_TITLE}</b> {__version__}<br>Adaptive fast-forward with SpeedNet "
        "(Benaim et al., CVPR 2020): calm stretches play fast, action at natural speed.",
    )


def info_box(parent: QWidget, title: str, text: str) -> None:
    """A non-modal box: the player keeps playing behind it."""
    box = QMessageBox(QMessageBox.Icon.NoIcon, title, text, QMessageBox.StandardButton.Ok, parent)
    box.setWindowModality(Qt.WindowModality.NonModal)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.show()
