"""README.md as a doc-test, so the README cannot rot.

Every line of the README's ```sh and ```console blocks is a command (in ```console blocks,
the lines that start with "$ "; the lines under one are its expected output). Each command
must be exactly one of:

- RUN here: every ``speednet-player`` line not listed below, with the bundled model. The
  commands run in README order in one scratch folder, so their relative output paths land
  there (and files that one command writes, another can read, e.g. ``--plan`` then
  ``--load-plan``); a relative path naming a file of the repository is made absolute. The
  subcommands run in this process through ``player.cli.main`` (the console script's entry
  point). The player window runs as its own process under QT_QPA_PLATFORM=offscreen with
  ``--no-audio`` and, when the line has none, ``--quit-after 2`` (it would stay open
  otherwise). Each must exit 0, write the files it names, and, in a console block, print
  the same labelled lines as shown.
- MAPPED to the test that runs the same command on generated data (it needs your videos,
  a GPU or hours here), named in ``MAPPED``;
- ALLOWED: run by .ci/run (``make test``), or impossible here (a window that stays open, a
  network install of CUDA torch, a GPU, minutes-long benchmarks), with the reason next to it.

A command that is none of these fails ``test_every_command_is_run_mapped_or_allowed``, and
an entry of MAPPED / ALLOWED that the README no longer shows fails too. Every
``speednet-player`` line, run or not, is parsed by the real argument parsers, so a renamed
or removed flag fails even in a line that cannot run here. Relative links and images must
point at files of the repository, and ``#anchors`` at headings.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import re
import shlex
import struct
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
README = REPO / "README.md"
PLAYER = "speednet-player"
GUI_TIMEOUT_S = 120
DEFAULT_QUIT_AFTER = "2"

_BENCH = "benchmark: minutes of both CPU cores and figures that depend on the load; run by hand, its figures are in the README's table"
_CUDA = "needs an NVIDIA GPU with a CUDA build of torch; its flags are checked by test_player_lines_parse"

# Command (tokens joined by single spaces, quotes and comments removed) -> why it is not run.
ALLOWED: dict[str, str] = {
    "make run": "opens a window that stays open until closed; test_make_run_headless runs its recipe's program headless",
    "make test": ".ci/run runs it in CI (checked by test_ci_runs_make_test); this file is part of it",
    ". .venv/bin/activate": "shell setup only; every speednet-player line here runs with this virtual environment's interpreter",
    ".venv/bin/pip install torch==2.13.0+cu130 --index-url https://download.pytorch.org/whl/cu130": "network install of a multi-GB CUDA build of torch",
    ".venv/bin/python -c import torch; print(torch.cuda.is_available(), torch.version.cuda)": "a GPU check: prints True only on a machine with an NVIDIA GPU and the CUDA build",
    "speednet-player --device cuda": _CUDA,
    "speednet-player analyze resources/demo_baseball.mp4 --device cuda": _CUDA,
    ".venv/bin/python bench/analyze_throughput.py": _BENCH,
    ".venv/bin/python bench/score_throughput.py": _BENCH,
    ".venv/bin/python bench/decode_throughput.py ../shared/data/videos/sam2/01_dog.mp4": _BENCH,
    ".venv/bin/python bench/audio_stretch.py": _BENCH,
    ".venv/bin/python bench/export_vs_ffmpeg.py": _BENCH,
    ".venv/bin/python bench/playback.py": _BENCH,
    ".venv/bin/python bench/adaptation.py --max-clips 6 --minutes 5": _BENCH,
    ".venv/bin/python bench/adaptation.py --long-check --minutes 1": _BENCH,
}

_TRAIN = "tests/models/test_train.py::test_train_and_evaluate_commands"
_DDP = "tests/models/test_train.py::test_two_cpu_processes_train_a_step_with_ddp_gloo"
_ADAPT = "tests/models/test_adapt_command.py::test_adapts_into_the_library_and_assigns_the_video"
# Command -> the test that runs it (or its code path) on generated clips with tiny settings.
# These need your own videos, a GPU, or hours of training.
MAPPED: dict[str, str] = {
    "speednet-player train --data ~/Videos/sports --out runs/paper --variant paper --device cuda": _TRAIN,
    "speednet-player train --data ~/Videos/sports --out runs/my-model": _TRAIN,
    "speednet-player train --data ~/Videos/sports --out runs/my-model --resume":
        "tests/models/test_train.py::test_trains_logs_checkpoints_and_resumes",
    "speednet-player train --data ~/Videos/sports --out runs/tuned --init-from resources/speednet_small.safetensors --steps 1000": _TRAIN,
    "speednet-player evaluate --data ~/Videos/held-out --model runs/my-model/best.safetensors": _TRAIN,
    "speednet-player resources/demo_baseball.mp4 --model runs/my-model/best.safetensors --smart":
        "tests/ui/test_gui_command.py::test_quit_after_with_screenshot_plays_the_demo_and_exits_0",
    # torchrun starts N copies with WORLD_SIZE / RANK / LOCAL_RANK set; that test starts two
    # the same way (gloo) and checks that DDP keeps the replicas equal.
    ".venv/bin/torchrun --nproc_per_node=4 -m player train --data ~/Videos/sports --out runs/paper --variant paper": _DDP,
    ".venv/bin/torchrun --nproc_per_node=2 -m player train --data ~/Videos/sports --out runs/cpu2 --device cpu --threads 1": _DDP,
    ".venv/bin/python packaging/make_readme_plot.py": "tests/test_readme.py::test_plot_script_draws_the_demo_plot",
    # Adapting needs your videos and minutes of the bundled model; the tests run the same
    # command on real footage with a tiny model (library output, --out, --model).
    "speednet-player adapt ~/Videos/badminton/final.mp4": _ADAPT,
    "speednet-player adapt ~/Videos/badminton --minutes 10": _ADAPT,
    "speednet-player adapt ~/Videos/badminton/final.mp4 --out badminton.safetensors --model runs/my-model/best.safetensors":
        "tests/models/test_adapt_command.py::test_ctrl_c_exits_130_with_the_best_model_so_far_or_nothing",
}


# -- reading the README ----------------------------------------------------------------------------
@dataclass
class Command:
    """One command line of the README, with the output shown under it in a console block."""

    tokens: list[str]
    line: int  # 1-based line in README.md
    expected_output: list[str] = field(default_factory=list)

    @property
    def key(self) -> str:
        return " ".join(self.tokens)

    @property
    def player_argv(self) -> list[str] | None:
        """The arguments after ``speednet-player`` (or ``-m player``), else None."""
        if self.tokens and self.tokens[0] == PLAYER:
            return self.tokens[1:]
        for i in range(len(self.tokens) - 1):
            if self.tokens[i] in ("-m", "--module") and self.tokens[i + 1] == "player":
                return self.tokens[i + 2 :]
        return None


def readme_commands(text: str) -> list[Command]:
    """Every command of the ```sh / ```console blocks, in order."""
    commands: list[Command] = []
    lang: str | None = None
    pending = ""
    pending_line = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        fence = re.match(r"^\s*```\s*([\w-]*)\s*$", raw)
        if fence:
            lang = fence.group(1).lower() if lang is None else None
            continue
        if lang not in ("sh", "console"):
            continue
        line = raw.rstrip()
        if lang == "console":
            if line.startswith("$ "):
                commands.append(Command(shlex.split(line[2:], comments=True), number))
            elif commands and line:
                commands[-1].expected_output.append(line)
            continue
        if not pending:
            pending_line = number
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        pending += line
        tokens = shlex.split(pending, comments=True)
        pending = ""
        if tokens:
            commands.append(Command(tokens, pending_line))
    return commands


COMMANDS = readme_commands(README.read_text(encoding="utf-8"))
RUNNABLE = [c for c in COMMANDS if c.tokens[0] == PLAYER and c.key not in ALLOWED and c.key not in MAPPED]


def _id(c: Command) -> str:
    return f"L{c.line}:" + " ".join(c.tokens[1:4])


# -- the real argument parsers ----------------------------------------------------------------------
class _Refused(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise _Refused(message)


def parse_player_args(argv: list[str]) -> tuple[str | None, argparse.Namespace]:
    """(subcommand or None for the window, parsed options) with the modules' own parsers,
    as player/cli.py builds them (each command module's ``add_arguments``)."""
    from player.cli import GUI_MODULE, SUBCOMMANDS

    command = argv[0] if argv and argv[0] in SUBCOMMANDS else None
    module = importlib.import_module(SUBCOMMANDS[command][0] if command else GUI_MODULE)
    parser = _Parser(prog=f"{PLAYER} {command or ''}".strip())
    if command is None:
        parser.add_argument("--version", action="store_true")  # cli.py adds it to the window's parser
    module.add_arguments(parser)
    return command, parser.parse_args(argv[1:] if command else argv)


# -- tests: bookkeeping ------------------------------------------------------------------------------
def test_readme_has_commands_and_starts_with_the_two() -> None:
    assert [c.key for c in COMMANDS[:2]] == ["make run", "make test"], "the first two commands must be make run, make test"
    assert len(RUNNABLE) >= 10


def test_every_command_is_run_mapped_or_allowed() -> None:
    unaccounted = [
        f"README.md:{c.line}: {c.key}"
        for c in COMMANDS
        if c.key not in ALLOWED and c.key not in MAPPED and c.tokens[0] != PLAYER
    ]
    assert not unaccounted, "README commands that no test runs (run them, map them, or allow them with a reason):\n" + "\n".join(unaccounted)
    shown = {c.key for c in COMMANDS}
    stale = sorted((set(ALLOWED) | set(MAPPED)) - shown)
    assert not stale, f"ALLOWED/MAPPED entries the README no longer shows: {stale}"
    both = sorted(set(ALLOWED) & set(MAPPED))
    assert not both, f"in both ALLOWED and MAPPED: {both}"


@pytest.mark.parametrize("target", sorted(set(MAPPED.values())))
def test_mapped_tests_exist(target: str) -> None:
    path, name = target.split("::")
    source = (REPO / path).read_text(encoding="utf-8")
    assert re.search(rf"^def {re.escape(name)}\(", source, re.M), f"{target} not found"


@pytest.mark.parametrize("command", [c for c in COMMANDS if c.player_argv is not None], ids=_id)
def test_player_lines_parse(command: Command) -> None:
    """Every speednet-player line, run here or not, is accepted by the real parsers."""
    try:
        parse_player_args(command.player_argv or [])
    except _Refused as exc:
        pytest.fail(f"README.md:{command.line}: {command.key}: {exc}")


def test_files_and_programs_the_commands_name_exist() -> None:
    """Scripts of the repo (bench/..., packaging/...) and .venv/bin programs (pip, torchrun)
    named by any command, run here or not."""
    venv_bin = Path(sys.executable).parent
    missing = []
    for c in COMMANDS:
        for token in c.tokens:
            if re.match(r"^(bench|packaging|resources|tests|models|player)/", token) and not (REPO / token).exists():
                missing.append(f"README.md:{c.line}: {token}")
            if token.startswith(".venv/bin/") and not (venv_bin / token.removeprefix(".venv/bin/")).exists():
                missing.append(f"README.md:{c.line}: {token} (not in {venv_bin})")
    assert not missing, "\n".join(missing)


def _makefile_recipe(target: str) -> list[str]:
    lines = (REPO / "Makefile").read_text(encoding="utf-8").splitlines()
    start = lines.index(f"{target}:")
    recipe = []
    for line in lines[start + 1 :]:
        if not line.startswith("\t"):
            break
        recipe.append(line.strip())
    return recipe


def test_ci_runs_make_test() -> None:
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert "make test" in [line.strip() for line in ci]
    recipe = _makefile_recipe("test")
    assert recipe[0].startswith("packaging/bootstrap.sh")
    assert any("lint-imports" in r for r in recipe) and any("pytest" in r for r in recipe)


# -- tests: running the README's commands -------------------------------------------------------------
@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The scratch folder the README's commands run in (shared, in order), with its own
    score cache, settings and home, so nothing of the user's or the repo's is touched."""
    root = tmp_path_factory.mktemp("readme")
    for sub in ("run", "cache", "home"):
        (root / sub).mkdir()
    return root


def _localize(tokens: list[str], cwd: Path) -> list[str]:
    """Relative paths that name a file of the repo (and not one an earlier command wrote)
    become absolute; everything else, outputs included, stays relative to ``cwd``."""
    out = []
    for token in tokens:
        prefix, value = "", token
        if token.startswith("--") and "=" in token:
            prefix, value = token.split("=", 1)
            prefix += "="
        if value and not value.startswith("-") and not Path(value).is_absolute():
            if not (cwd / value).exists() and (REPO / value).exists():
                value = str(REPO / value)
        out.append(prefix + value)
    return out


def _env(root: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        QT_QPA_PLATFORM="offscreen",
        HOME=str(root / "home"),
        XDG_CONFIG_HOME=str(root / "home" / "config"),
        XDG_CACHE_HOME=str(root / "home" / "cache"),
        SPEEDNET_CACHE_DIR=str(root / "cache"),
    )
    return env


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()[:24]
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    return struct.unpack(">II", data[16:24])


def _labels(lines: list[str]) -> list[str]:
    """The label column of the commands' summaries ("video", "time spent", ...)."""
    return [re.split(r"\s{2,}", line.strip())[0] for line in lines if line.strip()]


def _check_outputs(command: str | None, ns: argparse.Namespace, cwd: Path) -> None:
    for role in ("json", "out", "timeline", "plan", "screenshot"):
        value = getattr(ns, role, None)
        if value is None:
            continue
        path = cwd / Path(value)
        assert path.is_file() and path.stat().st_size > 0, f"{role} {path} was not written"
        if role == "json" and command == "analyze":
            data = json.loads(path.read_text(encoding="utf-8"))
            for key in ("speeds", "times", "p_natural", "rho", "v", "segments", "input_duration_s", "output_duration_s"):
                assert key in data, key
        if role == "out" and command == "export":
            import av

            with av.open(str(path)) as container:
                assert container.streams.video and container.streams.audio
        if role == "screenshot":
            width, height = _png_size(path)
            assert width >= 640 and height >= 420


@pytest.mark.parametrize("command", RUNNABLE, ids=_id)
def test_readme_command_runs(command: Command, workdir: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:  # type: ignore[no-untyped-def]
    """Runs in README order; a --load-plan line reads what an earlier --plan line wrote."""
    cwd = workdir / "run"
    argv = _localize(command.tokens[1:], cwd)
    sub, ns = parse_player_args(argv)
    if sub is not None:
        monkeypatch.chdir(cwd)
        for name, value in _env(workdir).items():
            monkeypatch.setenv(name, value)
        from player.cli import main

        rc = main(argv)
        captured = capsys.readouterr()
        stdout, stderr = captured.out, captured.err
    else:
        if not ns.version:
            # The window would stay open: close it after a while, and open no sound device.
            if ns.quit_after is None:
                argv += ["--quit-after", DEFAULT_QUIT_AFTER]
            if not ns.no_audio:
                argv += ["--no-audio"]
        done = subprocess.run(
            [sys.executable, "-m", "player", *argv], cwd=cwd, env=_env(workdir),
            capture_output=True, text=True, timeout=GUI_TIMEOUT_S,
        )
        rc, stdout, stderr = done.returncode, done.stdout, done.stderr
        if ns.version:
            from player import __version__

            assert __version__ in stdout
    assert rc == 0, f"README.md:{command.line}: {command.key} exited {rc}\n{stderr}"
    assert "Traceback" not in stderr, stderr
    _check_outputs(sub, ns, cwd)
    if command.expected_output:
        assert _labels(stdout.splitlines()) == _labels(command.expected_output), stdout


def test_make_run_headless(workdir: Path, tmp_path: Path) -> None:
    """``make run`` = bootstrap, then the player on the demo clip. The same program, headless:
    it must open the demo clip, exit 0 and leave a screenshot of the window."""
    recipe = _makefile_recipe("run")
    assert recipe[0] == "packaging/bootstrap.sh" and recipe[-1].split()[0].endswith(PLAYER)
    assert recipe[-1].split()[1:] == [], "make run must open the bundled demo clip (no VIDEO)"
    script = Path(sys.executable).with_name(PLAYER)
    program = [str(script)] if script.is_file() else [sys.executable, "-m", "player"]
    shot = tmp_path / "window.png"
    done = subprocess.run(
        [*program, "--quit-after", "2", "--screenshot", str(shot), "--no-audio"],
        cwd=tmp_path, env=_env(workdir), capture_output=True, text=True, timeout=GUI_TIMEOUT_S,
    )
    assert done.returncode == 0, done.stderr
    width, height = _png_size(shot)
    assert width >= 640 and height >= 420
    settings = (workdir / "home" / "config" / "SpeedNet" / "SpeedNet Player.conf").read_text(encoding="utf-8")
    assert "demo_baseball.mp4" in settings  # it opened the bundled demo clip


def test_plot_script_draws_the_demo_plot(workdir: Path, tmp_path: Path) -> None:
    """packaging/make_readme_plot.py on the demo clip (the corpus clip is left out: slow)."""
    done = subprocess.run(
        [sys.executable, str(REPO / "packaging" / "make_readme_plot.py"), "--out-dir", str(tmp_path), "--no-corpus"],
        cwd=tmp_path, env=_env(workdir), capture_output=True, text=True, timeout=GUI_TIMEOUT_S,
    )
    assert done.returncode == 0, done.stderr
    assert [p.name for p in tmp_path.iterdir()] == ["speediness-demo.png"]
    assert _png_size(tmp_path / "speediness-demo.png") == (1200, 840)
    assert "speediness-demo.png: demo_baseball.mp4" in done.stdout


# -- tests: links ---------------------------------------------------------------------------------------
def _slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"[`*_]", "", heading.strip().lower())
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def test_relative_links_and_images_exist() -> None:
    text = README.read_text(encoding="utf-8")
    targets = re.findall(r"!?\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)", text)
    targets += re.findall(r"<img[^>]+src=\"([^\"]+)\"", text)
    anchors = {_slug(h) for h in re.findall(r"^#+\s+(.*)$", text, re.M)}
    checked = 0
    for target in targets:
        if re.match(r"^[a-z]+:", target):
            continue  # http(s), mailto: outside the repo
        path, _, anchor = target.partition("#")
        if not path:
            assert anchor in anchors, f"README.md links to #{anchor}, which is no heading"
            continue
        assert (REPO / path).exists(), f"README.md links to {target}, which is not in the repo"
        checked += 1
    assert checked >= 5
    for image in re.findall(r"!\[[^\]]*\]\(([^)\s]+)\)", text):
        if not re.match(r"^[a-z]+:", image):
            _png_size(REPO / image)


def test_screenshot_credit_is_given() -> None:
    text = " ".join(README.read_text(encoding="utf-8").split())
    assert "packaging/screenshots/main-window.png" in text
    assert "frame from one-by-one-person-detection.mp4, intel iot devkit sample-videos, cc by 4.0" in text.lower()
