"""A moderator's batch shows pictures from the web or from its own folder, and nothing else."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bots.conversation.i18n import Translator
from tasks.batch_file import ImportFailed, read_batch_bytes, read_batch_file

HEADER = {
    "batch": {
        "title": "What is in the picture?",
        "instructions": "Pick what you see.",
        "kind": "choice",
        "labels": ["cat", "dog"],
    }
}


def batch_in(folder: Path, *items: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "pictures.jsonl"
    path.write_text("\n".join(json.dumps(line) for line in (HEADER, *items)) + "\n")
    return path


def refusals(path: Path) -> list[str]:
    with pytest.raises(ImportFailed) as caught:
        read_batch_file(path)
    return caught.value.lines()


def test_pictures_beside_the_batch_file_and_https_links_import(tmp_path: Path) -> None:
    folder = tmp_path / "batch"
    (folder / "images").mkdir(parents=True)
    (folder / "images" / "cat.JPG").write_bytes(b"\xff\xd8\xff")
    (folder / "dog.webp").write_bytes(b"RIFF")
    path = batch_in(
        folder,
        {"id": "1", "image": "images/cat.JPG"},
        {"id": "2", "image": "images/../dog.webp"},
        {"id": "3", "image": "https://example.org/cat.png"},
    )

    draft = read_batch_file(path)

    assert [item.payload["image"] for item in draft.items] == [
        str((folder / "images" / "cat.JPG").resolve()),
        str((folder / "dog.webp").resolve()),
        "https://example.org/cat.png",
    ]


def test_a_file_outside_the_batch_folder_is_refused_and_nothing_imports(tmp_path: Path) -> None:
    folder = tmp_path / "batch"
    (tmp_path / "secret.png").write_bytes(b"\x89PNG")
    folder.mkdir()
    (folder / "innocent.png").symlink_to(tmp_path / "secret.png")
    (folder / "cat.png").write_bytes(b"\x89PNG")
    path = batch_in(
        folder,
        {"id": "ok", "image": "cat.png"},
        {"id": "x", "image": "/etc/passwd"},
        {"id": "up", "image": "../secret.png"},
        {"id": "link", "image": "innocent.png"},
    )

    assert refusals(path) == [
        "pictures.jsonl:3: image file '/etc/passwd' is outside the batch file's folder",
        "pictures.jsonl:4: image file '../secret.png' is outside the batch file's folder",
        "pictures.jsonl:5: image file 'innocent.png' is outside the batch file's folder",
    ]


def test_only_picture_files_are_accepted(tmp_path: Path) -> None:
    folder = tmp_path / "batch"
    folder.mkdir()
    (folder / "notes.txt").write_text("not a picture")
    path = batch_in(
        folder,
        {"id": "1", "image": "notes.txt"},
        {"id": "2", "image": "pictures.jsonl"},
        {"id": "3", "image": "missing.gif"},
    )

    assert refusals(path) == [
        "pictures.jsonl:2: image file 'notes.txt' must end in .jpg, .jpeg, .png, .gif, .webp",
        "pictures.jsonl:3: image file 'pictures.jsonl' must end in .jpg, .jpeg, .png, .gif, .webp",
        "pictures.jsonl:4: image file 'missing.gif' does not exist",
    ]


def test_plain_http_links_are_refused(tmp_path: Path) -> None:
    path = batch_in(tmp_path, {"id": "1", "image": "http://example.org/cat.png"})

    assert refusals(path) == [
        "pictures.jsonl:2: image must be an https URL, got 'http://example.org/cat.png'"
    ]


def test_a_batch_uploaded_in_chat_may_only_link_pictures() -> None:
    data = "\n".join(json.dumps(line) for line in (HEADER, {"id": "1", "image": "cat.png"}))

    with pytest.raises(ImportFailed) as caught:
        read_batch_bytes(data.encode(), "pictures.jsonl")

    assert caught.value.lines() == ["pictures.jsonl:2: image must be an https URL, got 'cat.png'"]


def test_a_refused_picture_reads_in_both_languages(tmp_path: Path) -> None:
    folder = tmp_path / "batch"
    folder.mkdir()
    (folder / "notes.txt").write_text("not a picture")
    path = batch_in(folder, {"id": "1", "image": "/etc/passwd"}, {"id": "2", "image": "notes.txt"})
    with pytest.raises(ImportFailed) as caught:
        read_batch_file(path)
    outside, wrong_type = (found.problem for found in caught.value.problems)

    assert [Translator("en").problem(outside), Translator("en").problem(wrong_type)] == [
        "image file '/etc/passwd' is outside the batch file's folder",
        "image file 'notes.txt' must end in .jpg, .jpeg, .png, .gif, .webp",
    ]
    assert [Translator("ru").problem(outside), Translator("ru").problem(wrong_type)] == [
        "файл изображения '/etc/passwd' лежит вне папки файла пакета",
        "файл изображения 'notes.txt' должен оканчиваться на .jpg, .jpeg, .png, .gif, .webp",
    ]
