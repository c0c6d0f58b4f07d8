"""The dark look of the player: one palette and one style sheet, applied to the whole app.

Colours are named once here so the widgets that paint themselves (seek bar, speed curve,
icons) agree with the style sheet.
"""

from __future__ import annotations

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

BACKGROUND = "#101114"  # around the video, and the window
PANEL = "#17181d"  # control bar and status bar
PANEL_RAISED = "#22242b"  # buttons, combo boxes
BORDER = "#2c2f38"
TEXT = "#e6e7ea"
TEXT_DIM = "#9095a1"
ACCENT = "#4c9aff"  # playhead, seek bar fill, smart FF on
NATURAL = "#3ecf8e"  # P(natural) curve
SPEED = "#ffb648"  # planned speed curve
UNSCORED = "#4a4e5a"  # not-yet-scored hatching
UNSCORED_BASE = "#1d1f25"  # under the hatching
WARNING = "#ffcc66"

STYLE_SHEET = f"""
QMainWindow, QWidget#central {{ background: {BACKGROUND}; }}
QWidget {{ color: {TEXT}; font-size: 10pt; }}
QWidget#controls {{ background: {PANEL}; border-top: 1px solid {BORDER}; }}
QMenuBar {{ background: {PANEL}; color: {TEXT}; border-bottom: 1px solid {BORDER}; }}
QMenuBar::item {{ padding: 4px 10px; background: transparent; }}
QMenuBar::item:selected {{ background: {PANEL_RAISED}; border-radius: 4px; }}
QMenu {{ background: {PANEL}; border: 1px solid {BORDER}; padding: 4px; }}
QMenu::item {{ padding: 5px 24px 5px 18px; border-radius: 4px; }}
QMenu::item:selected {{ background: {ACCENT}; color: #ffffff; }}
QMenu::item:disabled {{ color: {TEXT_DIM}; }}
QMenu::separator {{ height: 1px; background: {BORDER}; margin: 4px 8px; }}
QStatusBar {{ background: {PANEL}; color: {TEXT_DIM}; border-top: 1px solid {BORDER}; }}
QStatusBar::item {{ border: none; }}
QStatusBar QLabel {{ color: {TEXT_DIM}; padding: 0 8px; }}
QStatusBar QLabel#speedLabel {{ color: {TEXT}; font-weight: bold; }}
QStatusBar QLabel#waitingLabel {{ color: {WARNING}; }}
QLabel#timeLabel {{ color: {TEXT}; font-family: "DejaVu Sans Mono", monospace; font-size: 9pt; }}
QLabel#outTimeLabel {{ color: {TEXT_DIM}; font-family: "DejaVu Sans Mono", monospace; font-size: 9pt; }}
QLabel#hintLabel {{ color: {TEXT_DIM}; font-size: 9pt; }}
QLabel#rhoLabel {{ color: {TEXT}; font-family: "DejaVu Sans Mono", monospace; min-width: 34px; }}
QToolButton {{ background: transparent; border: none; border-radius: 6px; padding: 4px; }}
QToolButton:hover {{ background: {PANEL_RAISED}; }}
QToolButton:pressed {{ background: {BORDER}; }}
QToolButton#smartButton {{
    background: {PANEL_RAISED}; border: 1px solid {BORDER}; border-radius: 13px;
    padding: 3px 12px; font-weight: bold; color: {TEXT};
}}
QToolButton#smartButton:checked {{ background: {ACCENT}; border-color: {ACCENT}; color: #ffffff; }}
QComboBox {{
    background: {PANEL_RAISED}; border: 1px solid {BORDER}; border-radius: 6px;
    padding: 3px 8px; min-width: 110px;
}}
QComboBox:disabled {{ color: {TEXT_DIM}; }}
QComboBox QAbstractItemView {{
    background: {PANEL}; border: 1px solid {BORDER}; selection-background-color: {ACCENT};
}}
QSlider::groove:horizontal {{ height: 4px; background: {BORDER}; border-radius: 2px; }}
QSlider::sub-page:horizontal {{ background: {ACCENT}; border-radius: 2px; }}
QSlider::sub-page:horizontal:disabled {{ background: {TEXT_DIM}; }}
QSlider::handle:horizontal {{
    background: {TEXT}; width: 12px; height: 12px; margin: -4px 0; border-radius: 6px;
}}
QSlider::handle:horizontal:disabled {{ background: {TEXT_DIM}; }}
QProgressBar {{
    background: {PANEL_RAISED}; border: 1px solid {BORDER}; border-radius: 5px;
    text-align: center; height: 18px;
}}
QProgressBar::chunk {{ background: {ACCENT}; border-radius: 4px; }}
QPushButton {{
    background: {PANEL_RAISED}; border: 1px solid {BORDER}; border-radius: 6px; padding: 5px 14px;
}}
QPushButton:hover {{ border-color: {ACCENT}; }}
QDialog, QMessageBox {{ background: {PANEL}; }}
QToolTip {{ background: {PANEL}; color: {TEXT}; border: 1px solid {BORDER}; }}
"""


def apply_dark_theme(app: QApplication) -> None:
    """Fusion style + a dark palette + the style sheet, so every platform looks the same."""
    app.setStyle("Fusion")
    palette = QPalette()
    roles = {
        QPalette.ColorRole.Window: BACKGROUND,
        QPalette.ColorRole.WindowText: TEXT,
        QPalette.ColorRole.Base: PANEL,
        QPalette.ColorRole.AlternateBase: PANEL_RAISED,
        QPalette.ColorRole.Text: TEXT,
        QPalette.ColorRole.Button: PANEL_RAISED,
        QPalette.ColorRole.ButtonText: TEXT,
        QPalette.ColorRole.Highlight: ACCENT,
        QPalette.ColorRole.HighlightedText: "#ffffff",
        QPalette.ColorRole.ToolTipBase: PANEL,
        QPalette.ColorRole.ToolTipText: TEXT,
        QPalette.ColorRole.PlaceholderText: TEXT_DIM,
    }
    for role, colour in roles.items():
        palette.setColor(role, QColor(colour))
    palette.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text, QColor(TEXT_DIM))
    palette.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.ButtonText, QColor(TEXT_DIM))
    app.setPalette(palette)
    app.setStyleSheet(STYLE_SHEET)
