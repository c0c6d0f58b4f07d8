"""What the player remembers (QSettings in a temporary INI file)."""

from __future__ import annotations

from PySide6.QtCore import QSettings

from player.ui.settings import APPLICATION, MAX_RECENT, ORGANISATION, PlayerSettings


def test_defaults_then_round_trip(qsettings: QSettings, tmp_path) -> None:
    s = PlayerSettings(qsettings)
    assert s.rho == 0.5 and s.target_speedup is None and s.volume == 1.0 and not s.muted
    assert s.recent_files == [] and not s.hint_dismissed
    s.rho = 0.72
    s.target_speedup = 2.0
    s.volume = 0.4
    s.muted = True
    s.hint_dismissed = True
    s.sync()
    again = PlayerSettings(QSettings(qsettings.fileName(), QSettings.Format.IniFormat))
    assert again.rho == 0.72 and again.target_speedup == 2.0
    assert again.volume == 0.4 and again.muted and again.hint_dismissed
    again.target_speedup = None
    assert again.target_speedup is None


def test_garbage_values_fall_back(qsettings: QSettings) -> None:
    qsettings.setValue("smart/rho", "not a number")
    qsettings.setValue("audio/volume", 7.0)
    s = PlayerSettings(qsettings)
    assert s.rho == 0.5 and s.volume == 1.0


def test_recent_files_most_recent_first_without_duplicates(qsettings: QSettings, tmp_path) -> None:
    s = PlayerSettings(qsettings)
    files = [tmp_path / f"v{i}.mp4" for i in range(MAX_RECENT + 3)]
    for f in files:
        s.add_recent(f)
    s.add_recent(files[5])
    s.sync()
    recent = PlayerSettings(QSettings(qsettings.fileName(), QSettings.Format.IniFormat)).recent_files
    assert len(recent) == MAX_RECENT
    assert recent[0] == str(files[5].resolve())
    assert recent[1] == str(files[-1].resolve())
    assert len(set(recent)) == len(recent)


def test_default_store_is_redirected_to_tmp(temporary_settings_location) -> None:
    s = PlayerSettings()  # the organisation/app store the real player uses
    s.rho = 0.33
    s.sync()
    assert s.qsettings.organizationName() == ORGANISATION
    assert s.qsettings.applicationName() == APPLICATION
    assert str(temporary_settings_location) in s.qsettings.fileName()
