"""One table of the player's actions: id, menu, label, keys, handler.

The window builds it once (``window_actions``, player/ui/window_actions.py) and everything
else is generated from it, so a key is written in one place:
- the menus (``build_menus``), with the keys shown after the label;
- the key handling (``KeyMap``): ``keyPressEvent`` looks the key up here, so keys work in
  fullscreen (menu bar hidden) and reach the window in tests;
- Help -> Keyboard shortcuts (``shortcuts_html``), including mouse gestures.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html import escape
from typing import Callable

from PySide6.QtCore import QKeyCombination, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu, QMenuBar, QWidget

MENUS = ("File", "Playback", "Audio", "View", "Model", "Help")
_MENU_TITLES = {
    "File": "&File", "Playback": "&Playback", "Audio": "&Audio", "View": "&View", "Model": "&Model", "Help": "&Help",
}
# Shown in the help table instead of Qt's names.
_KEY_NAMES = {"Left": "\u2190", "Right": "\u2192", "Up": "\u2191", "Down": "\u2193"}


@dataclass(frozen=True)
class ActionSpec:
    """One user action. ``keys`` are QKeySequence strings ("Space", "Ctrl+O", "]");
    ``mouse`` a gesture that does the same ("double-click the video"); ``in_menu`` False
    keeps it out of the menus (Esc); ``separator_before`` starts a menu group."""

    id: str
    menu: str
    label: str
    handler: Callable[[], object]
    keys: tuple[str, ...] = ()
    mouse: str = ""
    checkable: bool = False
    in_menu: bool = True
    separator_before: bool = False
    help: str = ""  # the help table's wording, when it differs from the label

    def __post_init__(self) -> None:
        if self.menu not in MENUS:
            raise ValueError(f"unknown menu {self.menu!r} for action {self.id!r}")


def _combination(key: str) -> QKeyCombination:
    seq = QKeySequence(key)
    if seq.count() != 1:
        raise ValueError(f"not a single key: {key!r}")
    return seq[0]


def _strip(mods: Qt.KeyboardModifier) -> Qt.KeyboardModifier:
    # Keypad keys are the same keys (the keypad's 0 and 9 change the volume too).
    return mods & ~Qt.KeyboardModifier.KeypadModifier


@dataclass
class KeyMap:
    """(key, modifiers) -> handler, from the specs; duplicate keys are an error."""

    specs: list[ActionSpec]
    _table: dict[tuple[int, int], Callable[[], object]] = field(default_factory=dict, init=False)

    def __post_init__(self) -> None:
        for spec in self.specs:
            for key in spec.keys:
                combo = _combination(key)
                k = (int(combo.key().value), int(_strip(combo.keyboardModifiers()).value))
                if k in self._table:
                    raise ValueError(f"key {key!r} is bound twice (second: {spec.id})")
                self._table[k] = spec.handler

    def handler_for(self, key: int, mods: Qt.KeyboardModifier) -> Callable[[], object] | None:
        """The handler for a key press; Shift alone is ignored when the key has no Shift
        binding (on some layouts [ ] , . need Shift)."""
        mods = _strip(mods)
        found = self._table.get((int(key), int(mods.value)))
        if found is None and mods == Qt.KeyboardModifier.ShiftModifier:
            found = self._table.get((int(key), int(Qt.KeyboardModifier.NoModifier.value)))
        return found


def key_text(key: str) -> str:
    """How a key reads in menus and help: native text, arrows as arrows."""
    return _KEY_NAMES.get(key, QKeySequence(key).toString(QKeySequence.SequenceFormat.NativeText))


def build_menus(bar: QMenuBar, specs: list[ActionSpec], parent: QWidget) -> tuple[dict[str, QMenu], dict[str, QAction]]:
    """Menus from the specs, in MENUS order; returns the menus by name and the QActions by
    id. The key text after
    the tab only shows the keys: KeyMap handles them (no QAction shortcut, so a key is
    never handled twice)."""
    menus: dict[str, QMenu] = {}
    actions: dict[str, QAction] = {}
    for name in MENUS:
        menus[name] = bar.addMenu(_MENU_TITLES[name])
    for spec in specs:
        if not spec.in_menu:
            continue
        menu = menus[spec.menu]
        if spec.separator_before:
            menu.addSeparator()
        keys = ", ".join(key_text(k) for k in spec.keys)
        action = QAction(f"{spec.label}\t{keys}" if keys else spec.label, parent)
        action.setCheckable(spec.checkable)
        handler = spec.handler
        action.triggered.connect(lambda _checked=False, h=handler: h())
        menu.addAction(action)
        actions[spec.id] = action
    return menus, actions


def shortcut_rows(specs: list[ActionSpec]) -> list[tuple[str, str]]:
    """(keys or gesture, what it does) for every action that has one."""
    rows = []
    for spec in specs:
        how = [key_text(k) for k in spec.keys] + ([spec.mouse] if spec.mouse else [])
        if how:
            rows.append((", ".join(how), (spec.help or spec.label).replace("&", "").rstrip("\u2026")))
    return rows


def shortcuts_html(specs: list[ActionSpec]) -> str:
    """Help -> Keyboard shortcuts: a table generated from the specs."""
    cells = "".join(
        f"<tr><td><b>{escape(keys)}</b></td><td>&nbsp;&nbsp;{escape(what)}</td></tr>"
        for keys, what in shortcut_rows(specs)
    )
    return f"<table>{cells}</table>"
