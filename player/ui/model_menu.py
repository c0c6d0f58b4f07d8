"""The Model menu: "Learn my videos" from the window, and the choice of model per video.

- Adapt to this video / to a folder of videos: ``AdaptRunner`` (player/ui/adapt_runner.py)
  adapts the model in use on a worker thread, with progress and Cancel in the status bar,
  while playback goes on. When it finishes, the window says what changed ("1x/2x accuracy
  on this video's held-back part 0.61 -> 0.74"); a written model is assigned to the videos
  in the library (player/session/model_library.py) and, for the open video, the session
  switches to it and re-scores (the score cache keys on the model hash).
- The adapted models of the library, each with its origin; picking one uses it for the open
  video, "Use the default model" goes back, "Delete adapted model" removes one.

The state lives in the library (files and assignments) and in the session (the model in
use); this class only builds the menu from them and reacts to its actions.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QFileDialog, QMenu, QMessageBox

from player.core.errors import UserError
from player.core.status_text import APP_TITLE
from player.session.model_library import AdaptedModel, find_videos
from player.ui.actions import ActionSpec
from player.ui.adapt_runner import ADAPT_MINUTES, AdaptRequest, AdaptRunner

if TYPE_CHECKING:
    from player.ui.main_window import PlayerWindow


class ModelMenu(QObject):
    """The window's Model menu and adaptations (one at a time)."""

    def __init__(self, window: "PlayerWindow") -> None:
        super().__init__(window)
        self.w = window
        self.runner = AdaptRunner(window.statusBar(), self)
        self.runner.finished.connect(self._on_adapt_finished)
        self.runner.failed.connect(self._on_adapt_failed)
        # What each finished adaptation said (status bar), newest last; for tests and logs.
        self.messages: list[str] = []
        self.menu: QMenu | None = None
        self.actions: dict[str, QAction] = {}
        self._dynamic: list[QAction] = []

    def action_specs(self) -> list[ActionSpec]:
        """The menu's fixed actions, for the window's one action table."""
        A = ActionSpec
        return [
            A("adapt_video", "Model", "&Adapt to this video", self.adapt_to_current_video,
              help="Learn this video's natural speed in the background"),
            A("adapt_folder", "Model", "Adapt to a &folder of videos\u2026", self.adapt_folder_dialog),
            A("adapt_cancel", "Model", "&Cancel adaptation", self.runner.cancel),
            A("default_model", "Model", "Use the &default model", self.use_default_model, checkable=True,
              separator_before=True),
        ]

    def attach(self, menu: QMenu, actions: dict[str, QAction]) -> None:
        """The built menu: the adapted models are listed each time it opens."""
        self.menu = menu
        self.actions = actions
        menu.aboutToShow.connect(self.fill_model_menu)
        self.fill_model_menu()

    def adapt_to_current_video(self) -> bool:
        """Model > Adapt to this video: adapt the current model to the open video, in the
        background; playback goes on."""
        if self.w.session.path is None:
            self.w.show_error("Open a video before adapting the model to it.")
            return False
        return self.start_adaptation([Path(self.w.session.path)])

    def adapt_folder_dialog(self) -> None:
        start = self.w.settings.last_dir or str(Path.home())
        folder = QFileDialog.getExistingDirectory(self.w, "Adapt to a folder of videos", start)
        if not folder:
            return
        try:
            videos = find_videos([Path(folder)])
        except UserError as exc:
            self.w.show_error(_sentence(exc))
            return
        self.start_adaptation(videos)

    def start_adaptation(
        self, videos: list[Path], *, minutes: float = ADAPT_MINUTES, steps: int | None = None, lr: float | None = None
    ) -> bool:
        """Adapt the model in use to ``videos`` on a worker thread (one at a time)."""
        if self.runner.running:
            self.w.show_error("An adaptation is already running (Model > Cancel adaptation stops it).")
            return False
        base = self.w.session.model_path
        if base is None:
            from models.inference import DEFAULT_CHECKPOINT

            base = DEFAULT_CHECKPOINT
        try:
            out = self.w.library.new_path(videos)
        except OSError as exc:
            self.w.show_error(f"The model folder {self.w.library.root} cannot be written: {exc.strerror or exc}.")
            return False
        request = AdaptRequest(tuple(videos), Path(base), out, minutes, device=self.w.session.device, steps=steps, lr=lr)
        self.runner.start(request)
        self.w.show_message("Adapting in the background; playback goes on (Model > Cancel adaptation stops it)")
        return True

    def _on_adapt_finished(self, request: AdaptRequest, result: object) -> None:
        from models.adapt import AdaptResult

        assert isinstance(result, AdaptResult)
        current = Path(self.w.session.path) if self.w.session.path is not None else None
        here = current is not None and any(_same(current, v) for v in request.videos)
        where = "this video's held-back part" if here and len(request.videos) == 1 else "the held-back parts"
        before, after = result.before, result.after
        if here and current is not None and current.name in result.per_video_before:
            where = "this video's held-back part"
            before = result.per_video_before[current.name]
            after = result.per_video_after.get(current.name, after)
        if result.written is None:
            if result.stopped:
                text = "Adaptation cancelled: nothing was written, the model is unchanged."
            else:
                text = (
                    f"Adaptation did not beat the model on {where} "
                    f"(1\u00d7/2\u00d7 accuracy {result.before:.2f}): the model is unchanged."
                )
            self.report_adaptation(text)
            return
        for video in request.videos:
            self.w.library.assign(video, result.written)
        text = f"1\u00d7/2\u00d7 accuracy on {where} {before:.2f} \u2192 {after:.2f}"
        if here:
            self.w.session.set_model(result.written)
            self.w.refresh_curve()
            text += ": now using the adapted model, re-scoring."
        else:
            text += f": the adapted model is used for {_names(request.videos)}."
        self.report_adaptation(text)

    def _on_adapt_failed(self, _request: AdaptRequest, text: str) -> None:
        self.w.show_error(f"Adaptation failed: {text}")

    def report_adaptation(self, text: str) -> None:
        self.messages.append(text)
        self.w.statusBar().showMessage(text, 20000)

    def use_default_model(self) -> None:
        """Model > Use the default model, for the open video from now on."""
        if self.w.session.path is not None:
            self.w.library.assign(self.w.session.path, None)
        self.w.session.set_model(None)
        self.w.refresh_curve()
        self.fill_model_menu()
        self.w.show_message("Using the default model")

    def use_adapted_model(self, model: Path) -> None:
        """Use an adapted model of the library for the open video from now on."""
        if self.w.session.path is not None:
            self.w.library.assign(self.w.session.path, model)
        self.w.session.set_model(model)
        self.w.refresh_curve()
        self.fill_model_menu()
        self.w.show_message(f"Using {model.name}")

    def delete_adapted_model(self, model: Path) -> None:
        """Delete an adapted model (back to the default where it was in use)."""
        if self.w.session.model_path is not None and _same(Path(self.w.session.model_path), model):
            self.w.session.set_model(None)
            self.w.refresh_curve()
        try:
            self.w.library.delete(model)
        except (OSError, ValueError) as exc:
            self.w.show_error(f"{model.name} could not be deleted: {_sentence(exc)}")
            return
        self.fill_model_menu()
        self.w.show_message(f"Deleted {model.name}")

    def ask_delete_model(self, model: AdaptedModel) -> bool:
        box = QMessageBox(
            QMessageBox.Icon.Question, APP_TITLE, f"Delete the adapted model {model.name}?\n{model.origin()}",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel, self.w,
        )
        return box.exec() == QMessageBox.StandardButton.Yes

    def _delete_after_asking(self, model: AdaptedModel) -> None:
        if self.ask_delete_model(model):
            self.delete_adapted_model(model.path)

    def fill_model_menu(self) -> None:
        """The Model menu's state and its list of adapted models (with their origin)."""
        if self.menu is None:
            return
        for action in self._dynamic:
            self.menu.removeAction(action)
        self._dynamic = []
        running = self.runner.running
        a = self.actions
        a["adapt_video"].setEnabled(not running and self.w.session.path is not None)
        a["adapt_folder"].setEnabled(not running)
        a["adapt_cancel"].setEnabled(running)
        current = self.w.session.model_path
        a["default_model"].setChecked(current == self.w.session.default_model_path)
        models = self.w.library.models()
        for model in models:
            action = QAction(model.origin(), self.w)
            action.setCheckable(True)
            action.setChecked(current is not None and _same(Path(current), model.path))
            action.setToolTip(str(model.path))
            action.triggered.connect(lambda _c=False, p=model.path: self.use_adapted_model(p))
            self.menu.addAction(action)
            self._dynamic.append(action)
        if models:
            delete_menu = QMenu("De&lete adapted model", self.menu)
            for model in models:
                delete_menu.addAction(model.origin(), lambda m=model: self._delete_after_asking(m))
            self._dynamic.append(self.menu.addMenu(delete_menu))
        else:
            empty = QAction("No adapted models yet", self.w)
            empty.setEnabled(False)
            self.menu.addAction(empty)
            self._dynamic.append(empty)


def _same(a: Path, b: Path) -> bool:
    try:
        return Path(a).resolve() == Path(b).resolve()
    except OSError:
        return False


def _names(videos: tuple[Path, ...]) -> str:
    return videos[0].name if len(videos) == 1 else f"{videos[0].name} and {len(videos) - 1} more"


def _sentence(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__
