"""The status bar's labels: built once, filled from the presenter's StatusTexts.

The words come from ``player.core.status_text`` (pure, unit-tested); this module only
places them. All labels are permanent widgets, so a transient message (a notice, the
volume) shows beside them instead of covering the first-run hint.
"""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QStatusBar

from player.core.status_text import StatusTexts, format_rate

HINT_TEXT = "Press Space to play, S for smart fast-forward"


def set_text(label: QLabel, text: str) -> None:
    """Set only on change: the status refreshes at 33 Hz and a set text relayouts."""
    if label.text() != text:
        label.setText(text)


class StatusLabels:
    """The player's status-bar labels, added to ``bar`` in reading order."""

    def __init__(self, bar: QStatusBar) -> None:
        bar.setSizeGripEnabled(False)
        self.hint = QLabel(HINT_TEXT)
        self.hint.setObjectName("hintLabel")
        self.target = QLabel("")
        self.target.setObjectName("waitingLabel")  # the warning colour
        self.target.setToolTip("The plan is as close to the target as the speed ladder allows")
        self.waiting = QLabel("waiting for scores (1x)")
        self.waiting.setObjectName("waitingLabel")
        self.waiting.setToolTip("Smart FF plays unscored video at 1x until the scores arrive")
        self.speed = QLabel(f"Speed {format_rate(1.0)}")
        self.speed.setObjectName("speedLabel")
        self.saved = QLabel("")
        self.saved.setToolTip("Input minus output duration of the current plan")
        self.scoring = QLabel("")
        self.scoring.setToolTip("Share of the video scored by SpeedNet")
        self.audio = QLabel("")
        for w in (self.hint, self.target, self.waiting, self.speed, self.saved, self.scoring, self.audio):
            bar.addPermanentWidget(w)
        self.waiting.hide()
        self.target.hide()

    def show_texts(self, texts: StatusTexts, dropped_frames: int) -> None:
        set_text(self.speed, texts.speed)
        set_text(self.saved, texts.saved)
        set_text(self.scoring, texts.scoring)
        set_text(self.audio, texts.audio)
        set_text(self.target, texts.target)
        self.target.setVisible(bool(texts.target))
        self.waiting.setVisible(texts.waiting)
        # Dropping late frames is normal at high speeds (more source frames than the screen
        # shows), so the count is a diagnostic in the tooltip, as mpv keeps it in its stats.
        tip = f"Effective playback speed. Late frames dropped so far: {dropped_frames}"
        if self.speed.toolTip() != tip:
            self.speed.setToolTip(tip)
