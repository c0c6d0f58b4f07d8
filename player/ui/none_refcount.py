"""Work around a PySide6 binding bug that kills Python 3.11 after a few thousand Qt calls.

PySide6 6.12 (shiboken6 6.12) returns ``None`` from every void C++ method without taking a
reference to it. From Python 3.12 on, ``None`` is immortal (PEP 683), so nothing happens;
on 3.11 each call of ``widget.update()``, ``label.setText()``, ``timer.start()``... lowers
None's reference count by one, and after a few thousand calls (a player makes about a
hundred a second) CPython aborts with "Fatal Python error: none_dealloc: deallocating None".

``protect_none_refcount()`` detects the bug (a void call that loses a reference) and, only
then, gives None a huge reference count, as 3.12 does for immortal objects. None is a static
object that is never freed, so an over-count is harmless; an under-count is fatal.
"""

from __future__ import annotations

import ctypes
import logging
import sys

log = logging.getLogger(__name__)

_PROBE_CALLS = 32
# About as many references as 3.12 gives an immortal object; a void Qt call per
# microsecond would take two weeks to use them up.
_RESERVE = 1 << 40
_applied = False


def none_refs_lost_per_void_call() -> float:
    """How many references to None one void PySide6 call drops (0 where the binding is right)."""
    from PySide6.QtCore import QObject

    probe = QObject()
    probe.setObjectName("probe")  # warm up any caches first
    before = sys.getrefcount(None)
    for _ in range(_PROBE_CALLS):
        probe.setObjectName("probe")
    return (before - sys.getrefcount(None)) / _PROBE_CALLS


def protect_none_refcount() -> bool:
    """Apply the work-around where it is needed; True if it is (now) in force."""
    global _applied
    if _applied:
        return True
    if sys.version_info >= (3, 12) or sys.implementation.name != "cpython":
        return False  # None is immortal there
    if none_refs_lost_per_void_call() < 0.5:
        return False
    # ob_refcnt is the first field of every CPython object; we hold the GIL here.
    ctypes.c_ssize_t.from_address(id(None)).value += _RESERVE
    _applied = True
    log.debug("PySide6 drops a reference to None per void call; gave None a reserve")
    return True
