"""The control bar under the video: seek bar, speed curve, transport and smart FF controls.

It holds no playback logic: user actions leave as signals, and the window pushes state in
through ``show_status`` and the setters. Every control is ``NoFocus`` so the window keeps the
keyboard and mpv's keys always work.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QSlider,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from player.core.plan_settings import RHO_MAX, RHO_MIN
from player.ui import icons
from player.ui.seek_bar import SeekBar
from player.ui.speed_curve_view import SpeedCurveView
from player.ui.time_format import format_rate, format_time

# (label, target speed-up or None for rho mode)
TARGET_CHOICES: list[tuple[str, float | None]] = [
    ("Threshold \u03c1", None),
    ("1.5\u00d7 shorter", 1.5),
    ("2\u00d7 shorter", 2.0),
    ("3\u00d7 shorter", 3.0),
    ("4\u00d7 shorter", 4.0),
]
RHO_STEPS = 100  # the rho slider runs in hundredths, over the core's RHO_MIN..RHO_MAX


def _tool_button(icon_name: str, tip: str) -> QToolButton:
    button = QToolButton()
    button.setIcon(icons.icon(icon_name))
    button.setIconSize(QSize(22, 22))
    button.setToolTip(tip)
    button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    button.setAutoRaise(True)
    return button


class ControlBar(QWidget):
    """Seek bar + curve + one row of buttons; emits what the user asks for."""

    play_pause_clicked = Signal()
    step_clicked = Signal(int)  # +1 / -1
    seek_requested = Signal(float)  # source seconds
    volume_changed = Signal(float)  # 0..1
    mute_toggled = Signal(bool)
    smart_toggled = Signal(bool)
    rho_changed = Signal(float)
    target_changed = Signal(object)  # float | None
    fullscreen_clicked = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("controls")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 4, 0, 6)
        outer.setSpacing(0)

        self.seek_bar = SeekBar()
        self.curve = SpeedCurveView()
        outer.addWidget(self.seek_bar)
        outer.addWidget(self.curve)

        row = QHBoxLayout()
        row.setContentsMargins(8, 4, 10, 0)
        row.setSpacing(4)
        outer.addLayout(row)

        self.play_button = _tool_button("play", "Play / pause (Space)")
        self.step_back_button = _tool_button("step_backward", "Previous frame (,)")
        self.step_button = _tool_button("step_forward", "Next frame (.)")
        self.mute_button = _tool_button("volume", "Mute (M)")
        self.mute_button.setCheckable(True)
        self.volume_slider = QSlider(Qt.Orientation.Horizontal)
        self.volume_slider.setRange(0, 100)
        self.volume_slider.setFixedWidth(80)
        self.volume_slider.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.volume_slider.setToolTip("Volume (9 / 0)")
        self.time_label = QLabel("0:00 / 0:00")
        self.time_label.setObjectName("timeLabel")
        self.time_label.setToolTip("Source position / duration")
        self.out_time_label = QLabel("")
        self.out_time_label.setObjectName("outTimeLabel")
        self.out_time_label.setToolTip("Position / duration in the sped-up output")

        self.smart_button = QToolButton()
        self.smart_button.setObjectName("smartButton")
        self.smart_button.setText("Smart FF")
        self.smart_button.setIcon(icons.icon("smart"))
        self.smart_button.setIconSize(QSize(16, 16))
        self.smart_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.smart_button.setCheckable(True)
        self.smart_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.smart_button.setToolTip("Smart fast-forward: calm stretches play fast (S)")
        rho_caption = QLabel("\u03c1")
        rho_caption.setToolTip("Strictness: higher plays more of the video at natural speed")
        self.rho_slider = QSlider(Qt.Orientation.Horizontal)
        self.rho_slider.setRange(round(RHO_MIN * RHO_STEPS), round(RHO_MAX * RHO_STEPS))
        self.rho_slider.setFixedWidth(110)
        self.rho_slider.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.rho_slider.setToolTip(rho_caption.toolTip())
        self.rho_label = QLabel("0.50")
        self.rho_label.setObjectName("rhoLabel")
        self.target_combo = QComboBox()
        for text, value in TARGET_CHOICES:
            self.target_combo.addItem(text, value)
        self.target_combo.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.target_combo.setToolTip("Plan by threshold \u03c1, or fit the video to a target speed-up")
        self.rate_label = QLabel(format_rate(1.0))
        self.rate_label.setObjectName("timeLabel")
        self.rate_label.setMinimumWidth(52)
        self.rate_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.rate_label.setToolTip("Current playback speed ([ and ] change the manual speed)")
        self.fullscreen_button = _tool_button("fullscreen", "Fullscreen (F)")

        for w in (self.play_button, self.step_back_button, self.step_button):
            row.addWidget(w)
        row.addSpacing(6)
        row.addWidget(self.mute_button)
        row.addWidget(self.volume_slider)
        row.addSpacing(10)
        row.addWidget(self.time_label)
        row.addSpacing(6)
        row.addWidget(self.out_time_label)
        row.addStretch(1)
        row.addWidget(self.smart_button)
        row.addSpacing(8)
        row.addWidget(rho_caption)
        row.addWidget(self.rho_slider)
        row.addWidget(self.rho_label)
        row.addSpacing(4)
        row.addWidget(self.target_combo)
        row.addSpacing(8)
        row.addWidget(self.rate_label)
        row.addWidget(self.fullscreen_button)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)

        self.play_button.clicked.connect(self.play_pause_clicked)
        self.step_button.clicked.connect(lambda: self.step_clicked.emit(1))
        self.step_back_button.clicked.connect(lambda: self.step_clicked.emit(-1))
        self.seek_bar.seek_requested.connect(self.seek_requested)
        self.curve.seek_requested.connect(self.seek_requested)
        self.volume_slider.valueChanged.connect(lambda v: self.volume_changed.emit(v / 100.0))
        self.mute_button.toggled.connect(self._on_mute_toggled)
        self.smart_button.toggled.connect(self.smart_toggled)
        self.rho_slider.valueChanged.connect(self._on_rho_slider)
        self.target_combo.currentIndexChanged.connect(self._on_target_index)
        self.fullscreen_button.clicked.connect(self.fullscreen_clicked)

    # -- state pushed in by the window (no signals re-emitted) -----------------------------
    def set_playing(self, playing: bool) -> None:
        self.play_button.setIcon(icons.icon("pause" if playing else "play"))

    def set_volume(self, volume: float) -> None:
        self.volume_slider.blockSignals(True)
        self.volume_slider.setValue(int(round(volume * 100)))
        self.volume_slider.blockSignals(False)

    def set_muted(self, muted: bool) -> None:
        self.mute_button.blockSignals(True)
        self.mute_button.setChecked(muted)
        self.mute_button.blockSignals(False)
        self.mute_button.setIcon(icons.icon("muted" if muted else "volume"))

    def set_smart(self, on: bool) -> None:
        self.smart_button.blockSignals(True)
        self.smart_button.setChecked(on)
        self.smart_button.blockSignals(False)

    def set_rho(self, rho: float) -> None:
        self.rho_slider.blockSignals(True)
        self.rho_slider.setValue(int(round(rho * RHO_STEPS)))
        self.rho_slider.blockSignals(False)
        self.rho_label.setText(f"{rho:.2f}")
        self.curve.set_rho(rho)

    def rho(self) -> float:
        return self.rho_slider.value() / RHO_STEPS

    def set_target(self, target: float | None) -> None:
        index = 0
        for i, (_text, value) in enumerate(TARGET_CHOICES):
            if value is not None and target is not None and abs(value - target) < 1e-6:
                index = i
        self.target_combo.blockSignals(True)
        self.target_combo.setCurrentIndex(index)
        self.target_combo.blockSignals(False)
        # In target mode the planner chooses rho; the slider shows it but is not for dragging.
        self.rho_slider.setEnabled(target is None)

    def target(self) -> float | None:
        return self.target_combo.currentData()

    def set_duration(self, duration: float) -> None:
        self.seek_bar.set_duration(duration)
        self.curve.set_duration(duration)

    def show_times(self, position: float, duration: float, out_position: float, out_duration: float, smart: bool) -> None:
        self.seek_bar.set_position(position)
        self.curve.set_playhead(self.seek_bar.position() if self.seek_bar.dragging else position)
        _set_text(self.time_label, f"{format_time(position)} / {format_time(duration)}")
        out = f"out {format_time(out_position)} / {format_time(out_duration)}" if smart else ""
        _set_text(self.out_time_label, out)

    def show_rate(self, rate: float) -> None:
        _set_text(self.rate_label, format_rate(rate))

    # -- internal --------------------------------------------------------------------------
    def _on_mute_toggled(self, muted: bool) -> None:
        self.mute_button.setIcon(icons.icon("muted" if muted else "volume"))
        self.mute_toggled.emit(muted)

    def _on_rho_slider(self, value: int) -> None:
        rho = value / RHO_STEPS
        self.rho_label.setText(f"{rho:.2f}")
        self.curve.set_rho(rho)
        self.rho_changed.emit(rho)

    def _on_target_index(self, index: int) -> None:
        target = self.target_combo.itemData(index)
        self.rho_slider.setEnabled(target is None)
        self.target_changed.emit(target)


def _set_text(label: QLabel, text: str) -> None:
    """setText only on change: a relayout per GUI tick would waste the render thread."""
    if label.text() != text:
        label.setText(text)

