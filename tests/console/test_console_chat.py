"""`microtasks chat` with piped input: the same flows as Telegram and Discord, in a terminal."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
import wave
from pathlib import Path

from bots.conversation.i18n import catalog

MICROTASKS = str(Path(sys.executable).parent / "microtasks")
EXAMPLES = Path(__file__).parents[2] / "examples"
EN = catalog("en")


def chat(workdir: Path, lines: list[str], *args: str) -> str:
    done = subprocess.run(
        [MICROTASKS, "chat", *args],
        cwd=workdir,
        input="\n".join(lines) + "\n",
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin", "SAMPLE_BATCHES": "false", "LOG_LEVEL": "WARNING"},
    )
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    return done.stdout


def write_batch(path: Path, header: dict[str, object], items: list[dict[str, object]]) -> Path:
    lines = [json.dumps({"batch": header}), *(json.dumps(item) for item in items)]
    path.write_text("\n".join(lines) + "\n")
    return path


def write_wav(path: Path, seconds: float) -> Path:
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(8000)
        out.writeframes(b"\0\0" * int(8000 * seconds))
    return path


def test_a_moderator_imports_a_bad_then_a_good_file_and_activates_it(tmp_path: Path) -> None:
    bad = write_batch(
        tmp_path / "bad.jsonl",
        {"kind": "choice", "title": "t", "instructions": "i", "labels": ["x", "y"]},
        [{"id": "1", "text": "a", "gold": "z"}],
    )
    out = chat(
        tmp_path,
        [f"/upload {bad}", f"/upload {EXAMPLES / 'sentiment.jsonl'}", "/activate 1", "/batches"],
        "--as",
        "mod",
        "--moderator",
    )

    assert "Nothing was imported from bad.jsonl:" in out
    assert 'bad.jsonl:2: gold is not a valid answer: "z" is not one of x, y' in out
    assert "Imported batch 1 (choice, 30 items) as a draft: Review sentiment." in out
    assert "Batch #1 is now active." in out
    assert "#1 Review sentiment — choice, active, 0% done" in out


def test_a_member_onboards_and_answers_ten_in_a_row(tmp_path: Path) -> None:
    labels = write_batch(
        tmp_path / "labels.jsonl",
        {
            "kind": "choice",
            "title": "Sentiment",
            "instructions": "How does it feel?",
            "labels": ["positive", "negative"],
            "overlap": 1,
        },
        [{"id": f"r{n}", "text": f"review {n}"} for n in range(12)],
    )
    chat(tmp_path, [f"/upload {labels}", "/activate 1"], "--moderator")

    # 1 = "I agree"; then the first label of each task, ten times.
    out = chat(tmp_path, ["/start", "1", *["1"] * 10, "/me"], "--as", "ada")

    assert out.count("(edited) ✅ Saved: positive") == 10
    assert "Answers: 10 accepted, 0 waiting for review, 0 not accepted" in out


def test_the_consent_button_still_works_after_a_restart(tmp_path: Path) -> None:
    chat(tmp_path, [f"/upload {EXAMPLES / 'sentiment.jsonl'}", "/activate 1"], "--moderator")
    before = chat(tmp_path, ["/start"], "--as", "ada")
    assert "Do you agree?" in before

    after = chat(tmp_path, ["1", "/notify on"], "--as", "ada")

    assert "there is no button" not in after
    assert EN["start.thanks"] in after
    assert EN["notify.on"] in after


def test_skip_text_and_voice_answers(tmp_path: Path) -> None:
    text_batch = write_batch(
        tmp_path / "prompts.jsonl",
        {
            "kind": "text",
            "title": "Prompts",
            "instructions": "Write a prompt.",
            "overlap": 1,
            "min_length": 10,
            "priority": 2,
        },
        [{"id": "t1", "brief": "Ask about rain"}, {"id": "t2", "brief": "Ask about snow"}],
    )
    voice_batch = write_batch(
        tmp_path / "voice.jsonl",
        {
            "kind": "voice",
            "title": "Read",
            "instructions": "Read aloud.",
            "overlap": 1,
            "min_duration": 1,
            "max_duration": 10,
            "priority": 1,
        },
        [{"id": "v1", "sentence": "The quick brown fox."}],
    )
    # Each text or voice batch brings its review batch along: ours are batches 1 and 3.
    chat(
        tmp_path,
        [f"/upload {text_batch}", f"/upload {voice_batch}", "/activate 1", "/activate 3"],
        "--moderator",
    )
    recording = write_wav(tmp_path / "fox.wav", 2.0)

    out = chat(
        tmp_path,
        [
            "/start",
            "1",
            "/skip",
            "What should I wear when it rains in Oslo?",
            f"/voice {recording}",
        ],
        "--as",
        "bo",
    )

    assert "⏭ Skipped." in out
    assert "✅ Saved: your text" in out
    assert "🎙 «The quick brown fox.»" in out
    assert "✅ Saved: your recording" in out
    assert list((tmp_path / "data" / "voice" / "console").glob("*.wav"))


def test_russian_replies_and_a_forged_button(tmp_path: Path) -> None:
    chat(tmp_path, [f"/upload {EXAMPLES / 'sentiment.jsonl'}", "/activate 1"], "--moderator")

    out = chat(tmp_path, ["/start", "1", "9"], "--as", "ivan", "--lang", "ru")

    assert catalog("ru")["start.welcome"] in out
    assert "! there is no button 9" in out


def test_a_member_signs_the_wallet_message_copied_from_the_terminal(tmp_path: Path) -> None:
    from eth_account import Account
    from eth_account.messages import encode_defunct

    key = Account.create()
    member = subprocess.Popen(
        [MICROTASKS, "chat", "--as", "ada"],
        cwd=tmp_path,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={"PATH": "/usr/bin:/bin", "SAMPLE_BATCHES": "false", "LOG_LEVEL": "WARNING"},
    )
    assert member.stdin is not None and member.stdout is not None
    member.stdin.write(f"/start\n1\n/wallet link {key.address}\n")  # 1 = "I agree"
    member.stdin.flush()
    shown: list[str] = []
    while not shown or "Expiration Time:" not in shown[-1]:
        line = member.stdout.readline()
        assert line, "the console ended before showing the whole message to sign"
        if shown or "wants you to sign in" in line:
            shown.append(line.rstrip("\n"))
    copied = "\n".join(shown)  # what a member selects and copies in the terminal
    signature = "0x" + key.sign_message(encode_defunct(text=copied)).signature.hex()
    out, errors = member.communicate(signature + "\n", timeout=60)

    assert member.returncode == 0, errors
    assert catalog("en")["wallet.linked"] in out
    assert "This signature is not from" not in out


def run_in_a_terminal(workdir: Path, lines: list[str], env: dict[str, str]) -> str:
    """`microtasks chat` with its stdout and stderr on one terminal, as a person runs it."""
    screen, terminal = pty.openpty()
    with subprocess.Popen(
        [MICROTASKS, "chat", "--as", "ada"],
        cwd=workdir,
        stdin=subprocess.PIPE,
        stdout=terminal,
        stderr=terminal,
        env=env,
    ) as chat:
        os.close(terminal)
        assert chat.stdin is not None
        chat.stdin.write(("\n".join(lines) + "\n").encode())
        chat.stdin.close()
        shown = b""
        while True:
            try:
                chunk = os.read(screen, 65536)
            except OSError:  # the terminal's last writer has gone
                break
            if not chunk:
                break
            shown += chunk
        assert chat.wait(timeout=60) == 0, shown
    os.close(screen)
    return shown.decode()


def test_in_a_terminal_log_lines_go_to_a_file_so_it_shows_only_the_chat(tmp_path: Path) -> None:
    env = {"PATH": "/usr/bin:/bin", "SAMPLE_BATCHES": "false", "LOG_LEVEL": "DEBUG"}

    shown = run_in_a_terminal(tmp_path, ["/start", "/me"], env)

    assert "level=" not in shown and "logger=" not in shown
    assert EN["start.welcome"].split("!")[0] in shown
    log = (tmp_path / "data" / "microtasks.log").read_text()
    assert "level=" in log


def test_piped_the_chat_is_on_stdout_and_the_log_on_stderr(tmp_path: Path) -> None:
    done = subprocess.run(
        [MICROTASKS, "chat", "--as", "ada"],
        cwd=tmp_path,
        input="/start\n/me\n",
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin", "SAMPLE_BATCHES": "false", "LOG_LEVEL": "DEBUG"},
    )

    assert done.returncode == 0, done.stderr
    assert "level=" not in done.stdout
    assert EN["start.welcome"].split("!")[0] in done.stdout
    assert "level=" in done.stderr
    assert not (tmp_path / "data" / "microtasks.log").exists()


def test_on_the_embedded_chain_amounts_name_its_token_from_the_start(tmp_path: Path) -> None:
    out = chat(tmp_path, ["/start", "1", "/me"], "--as", "ada")

    assert "Balance: 0 DEMO (earned in all: 0 DEMO)" in out
