"""Start-up: how long `microtasks ... --help` and `microtasks chat` take, against a bare
`python -c pass` started in the same run, so the figures say what microtasks itself adds.

Each command is started `repeats` times as a fresh process and its median wall time kept. The
chat figure is the time from starting `microtasks chat` (in a folder whose database already
exists) until its ready line is printed, with standard input still open.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.report import Figure, machine_line, table

NAME = "startup"
HELP_BUDGET = 0.35  # seconds over a bare interpreter start
CHAT_BUDGET = 1.0  # seconds to the ready line
READY = "microtasks console"

EXPLANATION = """
Start-up time of the command line: every command's `--help` and `microtasks chat` until it is
ready for input, each started {repeats} times as a new process (median kept), next to a bare
`python -c pass` from the same run. Targets: each help within {help_budget} s of the bare
start; the chat ready within {chat_budget} s.
"""


@dataclass(frozen=True)
class Config:
    repeats: int = 7

    @classmethod
    def quick(cls) -> Config:
        return cls(repeats=1)


def command_paths() -> list[list[str]]:
    """Every command and sub-command of the CLI, as argument lists."""
    import typer

    from microtasks.cli import app

    paths: list[list[str]] = [[]]

    def walk(command: Any, prefix: list[str]) -> None:
        if hasattr(command, "commands"):  # a group (typer bundles its own click)
            for name, sub in sorted(command.commands.items()):
                if getattr(sub, "hidden", False):
                    continue
                paths.append([*prefix, name])
                walk(sub, [*prefix, name])

    walk(typer.main.get_command(app), [])
    return paths


def _environment(folder: Path) -> dict[str, str]:
    keep = ("PATH", "LANG", "SYSTEMROOT")
    env = {name: os.environ[name] for name in keep if name in os.environ}
    env["HOME"] = str(folder)
    return env


def _microtasks() -> str:
    """The installed `microtasks` command beside this interpreter (what operators run)."""
    beside = Path(sys.executable).with_name("microtasks")
    return str(beside) if beside.exists() else shutil.which("microtasks") or "microtasks"


def _timed(argv: list[str], folder: Path) -> float:
    began = time.perf_counter()
    subprocess.run(
        argv, cwd=folder, env=_environment(folder), stdout=subprocess.DEVNULL, check=True
    )
    return time.perf_counter() - began


def _chat_ready(folder: Path) -> float:
    began = time.perf_counter()
    process = subprocess.Popen(
        [_microtasks(), "chat", "--as", "bench"],
        cwd=folder,
        env=_environment(folder),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert process.stdout is not None and process.stdin is not None
    ready = None
    for line in process.stdout:
        if READY in line:
            ready = time.perf_counter() - began
            break
    process.stdin.close()
    process.wait(timeout=30)
    if ready is None:
        raise RuntimeError("microtasks chat never said it was ready")
    return ready


def _median(samples: list[float]) -> float:
    return statistics.median(samples)


async def run(folder: Path, config: Config) -> dict[str, Any]:
    python = sys.executable
    bare = _median([_timed([python, "-c", "pass"], folder) for _ in range(config.repeats)])
    figures = [Figure("bare_python_s", bare, "s")]
    slowest = 0.0
    for path in command_paths():
        argv = [_microtasks(), *path, "--help"]
        took = _median([_timed(argv, folder) for _ in range(config.repeats)])
        over = took - bare
        slowest = max(slowest, over)
        name = "help_" + ("_".join(path) or "top") + "_s"
        figures.append(Figure(name, over, "s", f"< {HELP_BUDGET} s over bare", over < HELP_BUDGET))
    _chat_ready(folder)  # the first start creates the database; measure the usual start
    chat = _median([_chat_ready(folder) for _ in range(config.repeats)])
    figures.append(Figure("chat_ready_s", chat, "s", f"< {CHAT_BUDGET} s", chat < CHAT_BUDGET))
    settings = {"repeats": config.repeats, "commands": len(figures) - 2, "slowest_help": slowest}
    return {"figures": figures, "settings": settings}


def markdown(
    figures: list[Figure], settings: dict[str, Any], machine: dict[str, Any], date: str
) -> str:
    titles = {"bare_python_s": "bare `python -c pass`", "chat_ready_s": "`microtasks chat` ready"}
    for figure in figures:
        if figure.name.startswith("help_"):
            words = figure.name[len("help_") : -len("_s")]
            command = "" if words == "top" else " " + words.replace("_", " ")
            titles[figure.name] = f"`microtasks{command} --help`, over bare"
    intro = EXPLANATION.format(
        repeats=settings["repeats"], help_budget=HELP_BUDGET, chat_budget=CHAT_BUDGET
    )
    return "\n\n".join(
        [
            intro.strip(),
            machine_line(machine, date),
            table(figures, titles),
            f"The slowest help ({settings['commands']} commands) is "
            f"{settings['slowest_help']:.2f} s over a bare interpreter.",
        ]
    )
