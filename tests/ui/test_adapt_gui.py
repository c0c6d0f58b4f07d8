"""Model > Adapt to this video, in a real window around a real session (tiny model, real
baseball footage): it runs in the background while playback goes on, shows its progress in
the status bar, says what changed, switches the video to the adapted model and re-scores
it; the Model menu lists the adapted model with its origin, goes back to the default and
deletes it; Cancel and a failed run leave no file."""

from __future__ import annotations

from pathlib import Path

import pytest

from models.checkpoint import load_checkpoint
from player.session.model_library import ModelLibrary

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "resources" / "demo_baseball.mp4"
RUN_MS = 120_000


@pytest.fixture
def library(player, tmp_path: Path) -> ModelLibrary:
    """The window's model library, in tmp."""
    player.library = ModelLibrary(tmp_path / "data" / "models")
    return player.library


def _menu_texts(player) -> list[str]:  # type: ignore[no-untyped-def]
    player.models.fill_model_menu()
    return [a.text() for a in player.models.menu.actions()]


def test_adapt_to_this_video_while_it_plays_then_switch_back_and_delete(qtbot, player, library) -> None:  # type: ignore[no-untyped-def]
    assert player.open_path(DEMO)
    default = player.session.default_model_path
    qtbot.waitUntil(lambda: player.session.model_hash is not None, timeout=30_000)
    base_hash = player.session.model_hash
    assert "No adapted models yet" in _menu_texts(player)
    runner = player.models.runner
    with qtbot.waitSignal(runner.finished, timeout=RUN_MS) as finished:
        assert player.models.start_adaptation([DEMO], minutes=1.5, steps=80, lr=3e-3)
        assert runner.running and player.actions_by_id["adapt_cancel"] is not None
        qtbot.waitUntil(lambda: "Adapting to demo_baseball.mp4: training" in runner.label.text(), timeout=RUN_MS)
        assert runner.label.isVisible() and runner.cancel_button.isVisible()
        # Playback goes on while it trains.
        start = player.session.status().position
        qtbot.waitUntil(lambda: player.session.status().position > start + 0.3 or player.session.status().position >= 5.0, timeout=10_000)
        assert not player.models.start_adaptation([DEMO])  # one at a time
        assert player.errors[-1].startswith("An adaptation is already running")
    request, result = finished.args
    assert not runner.label.isVisible()
    assert result.written is not None, result.reason
    written = Path(result.written)
    assert written.parent == library.root and written.is_file()
    message = player.models.messages[-1]
    assert message.startswith("1\u00d7/2\u00d7 accuracy on this video's held-back part ")
    assert f"{result.per_video_before['demo_baseball.mp4']:.2f} \u2192 {result.per_video_after['demo_baseball.mp4']:.2f}" in message
    assert message.endswith("now using the adapted model, re-scoring.")
    # The session switched to it and re-scores the video with it.
    assert player.session.model_path == written
    assert library.assigned(DEMO) == written
    new_hash = load_checkpoint(written).model_hash
    qtbot.waitUntil(lambda: player.session.model_hash == new_hash, timeout=30_000)
    assert new_hash != base_hash
    qtbot.waitUntil(lambda: player.session.status().scored_fraction > 0.5, timeout=60_000)
    # The Model menu lists it with its origin, checked; the default is not.
    texts = _menu_texts(player)
    listed = [t for t in texts if t.startswith("Adapted to demo_baseball.mp4 (")]
    assert len(listed) == 1
    checked = {a.text(): a.isChecked() for a in player.models.menu.actions() if a.isCheckable()}
    assert checked[listed[0]] and not checked[player.actions_by_id["default_model"].text()]
    # Reopening the video uses its adapted model again.
    assert player.open_path(DEMO)
    assert player.session.model_path == written
    # Back to the default, for this video.
    player.models.use_default_model()
    assert player.session.model_path == default and library.assigned(DEMO) is None
    qtbot.waitUntil(lambda: player.session.model_hash == base_hash, timeout=30_000)
    # Delete it: gone from the folder and the menu.
    player.models.use_adapted_model(written)
    assert player.session.model_path == written
    player.models.delete_adapted_model(written)
    assert not written.exists() and player.session.model_path == default
    assert library.assigned(DEMO) is None
    assert "No adapted models yet" in _menu_texts(player)


def test_cancel_writes_nothing_and_playback_goes_on(qtbot, player, library) -> None:  # type: ignore[no-untyped-def]
    assert player.open_path(DEMO)
    runner = player.models.runner
    with qtbot.waitSignal(runner.finished, timeout=RUN_MS) as finished:
        assert player.models.start_adaptation([DEMO], minutes=2.0)
        qtbot.waitUntil(lambda: "training" in runner.label.text(), timeout=RUN_MS)
        player.models.fill_model_menu()
        assert player.actions_by_id["adapt_cancel"].isEnabled()
        assert not player.actions_by_id["adapt_video"].isEnabled()
        runner.cancel_button.click()
        assert runner.label.text().endswith("cancelling")
    _request, result = finished.args
    assert result.stopped and result.written is None
    assert player.models.messages[-1] == "Adaptation cancelled: nothing was written, the model is unchanged."
    assert list(library.root.iterdir()) == []  # no model, no temporary file
    assert player.session.model_path == player.session.default_model_path
    assert player.session.info is not None and not player.errors


def test_a_file_that_is_not_a_video_fails_with_one_sentence(qtbot, player, library, text_mp4) -> None:  # type: ignore[no-untyped-def]
    with qtbot.waitSignal(player.models.runner.failed, timeout=RUN_MS):
        assert player.models.start_adaptation([Path(text_mp4)], minutes=0.5)
    assert player.errors[-1].startswith("Adaptation failed: cannot open video notes.mp4")
    assert [p for p in library.root.iterdir() if p.suffix == ".safetensors" or p.name.endswith(".tmp")] == []


def test_adapt_needs_an_open_video(player, library) -> None:  # type: ignore[no-untyped-def]
    assert not player.models.adapt_to_current_video()
    assert player.errors[-1] == "Open a video before adapting the model to it."
