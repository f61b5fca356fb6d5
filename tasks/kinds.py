"""The six task kinds: what a batch of each kind configures, what its items hold, what an answer is.

Each kind validates three things: its options (from the batch header), an item's fields, and an
answer's value. Validators return the cleaned value or a `Problem` saying what to fix.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from tasks.problems import Problem, problem


class Kind(StrEnum):
    choice = "choice"
    multi = "multi"
    rating = "rating"
    compare = "compare"
    text = "text"
    voice = "voice"


COMPARE_CHOICES = ("a", "b", "tie", "both_bad")
MAX_ITEM_TEXT = 4000
MAX_BRIEF = 2000
MAX_SENTENCE = 500
MAX_TEXT_ANSWER = 4000
MAX_SCALE_STEPS = 11
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".gif", ".webp")
GOLD_KINDS = frozenset({Kind.choice, Kind.multi, Kind.rating, Kind.compare})

OPTION_KEYS: dict[Kind, frozenset[str]] = {
    Kind.choice: frozenset({"labels"}),
    Kind.multi: frozenset({"labels", "min_choices", "max_choices"}),
    Kind.rating: frozenset({"scale_min", "scale_max", "anchors"}),
    Kind.compare: frozenset(),
    Kind.text: frozenset({"min_length", "max_length"}),
    Kind.voice: frozenset({"min_duration", "max_duration"}),
}

ITEM_KEYS: dict[Kind, frozenset[str]] = {
    Kind.choice: frozenset({"text", "image"}),
    Kind.multi: frozenset({"text", "image"}),
    Kind.rating: frozenset({"text"}),
    Kind.compare: frozenset({"prompt", "a", "b"}),
    Kind.text: frozenset({"brief"}),
    Kind.voice: frozenset({"sentence"}),
}


class BadValue(Exception):
    """Raised inside validators; carries the problem to report."""

    def __init__(self, found: Problem):
        super().__init__(found.text)
        self.problem = found


def _bad(key: str, text: str, /, **params: Any) -> BadValue:
    return BadValue(problem(key, text, **params))


def _int(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _bad(
            "field.not_integer",
            "{name} must be a whole number, got {value!r}",
            name=name,
            value=value,
        )
    return value


def _number(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _bad(
            "field.not_number", "{name} must be a number, got {value!r}", name=name, value=value
        )
    return float(value)


def _text(value: Any, name: str, max_length: int, min_length: int = 1) -> str:
    if not isinstance(value, str):
        raise _bad("field.not_text", "{name} must be text, got {value!r}", name=name, value=value)
    if len(value.strip()) < min_length:
        raise _bad("field.empty", "{name} must not be empty", name=name)
    if len(value) > max_length:
        raise _bad(
            "field.too_long",
            "{name} is {length} characters long, the most is {limit}",
            name=name,
            length=len(value),
            limit=max_length,
        )
    return value


# Options


def _labels(options: Mapping[str, Any]) -> list[str]:
    labels = options.get("labels")
    if not isinstance(labels, list) or not 2 <= len(labels) <= 25:
        raise _bad("options.labels", "labels must be a list of 2 to 25 labels")
    cleaned = [_text(label, "a label", 40) for label in labels]
    if len(set(cleaned)) != len(cleaned):
        raise _bad("options.labels_repeat", "labels must be distinct")
    return cleaned


def _choice_options(options: Mapping[str, Any]) -> dict[str, Any]:
    return {"labels": _labels(options)}


def _multi_options(options: Mapping[str, Any]) -> dict[str, Any]:
    labels = _labels(options)
    low = _int(options.get("min_choices", 1), "min_choices")
    high = _int(options.get("max_choices", len(labels)), "max_choices")
    if not 1 <= low <= high <= len(labels):
        raise _bad(
            "options.choices_range",
            "min_choices and max_choices must satisfy 1 <= min <= max <= {count} (the labels)",
            count=len(labels),
        )
    return {"labels": labels, "min_choices": low, "max_choices": high}


def _rating_options(options: Mapping[str, Any]) -> dict[str, Any]:
    if "scale_min" not in options or "scale_max" not in options:
        raise _bad("options.scale_missing", "a rating batch needs scale_min and scale_max")
    low = _int(options["scale_min"], "scale_min")
    high = _int(options["scale_max"], "scale_max")
    if not low < high or high - low + 1 > MAX_SCALE_STEPS:
        raise _bad(
            "options.scale_range",
            "scale_min must be below scale_max, with at most {steps} steps",
            steps=MAX_SCALE_STEPS,
        )
    anchors = options.get("anchors", {})
    if not isinstance(anchors, dict):
        raise _bad("options.anchors", 'anchors must be an object such as {{"1": "useless"}}')
    cleaned = {}
    for point, caption in anchors.items():
        if not (isinstance(point, str) and re.fullmatch(r"-?\d+", point)) or not (
            low <= int(point) <= high
        ):
            raise _bad(
                "options.anchor_point",
                "anchor {point!r} is not a point on the scale {low}-{high}",
                point=point,
                low=low,
                high=high,
            )
        cleaned[str(int(point))] = _text(caption, "an anchor caption", 40)
    return {"scale_min": low, "scale_max": high, "anchors": cleaned}


def _text_options(options: Mapping[str, Any]) -> dict[str, Any]:
    low = _int(options.get("min_length", 1), "min_length")
    high = _int(options.get("max_length", 1000), "max_length")
    if not 1 <= low <= high <= MAX_TEXT_ANSWER:
        raise _bad(
            "options.length_range",
            "min_length and max_length must satisfy 1 <= min <= max <= {limit}",
            limit=MAX_TEXT_ANSWER,
        )
    return {"min_length": low, "max_length": high}


def _voice_options(options: Mapping[str, Any]) -> dict[str, Any]:
    low = _number(options.get("min_duration", 1), "min_duration")
    high = _number(options.get("max_duration", 30), "max_duration")
    if not 0 < low < high <= 600:
        raise _bad(
            "options.duration_range",
            "min_duration and max_duration must satisfy 0 < min < max <= 600 seconds",
        )
    return {"min_duration": low, "max_duration": high}


OPTION_VALIDATORS: dict[Kind, Callable[[Mapping[str, Any]], dict[str, Any]]] = {
    Kind.choice: _choice_options,
    Kind.multi: _multi_options,
    Kind.rating: _rating_options,
    Kind.compare: lambda options: {},
    Kind.text: _text_options,
    Kind.voice: _voice_options,
}


# Items


def _image(value: Any, base: Path | None) -> str:
    """An https URL, or a picture file inside the batch file's folder (after links and `..`)."""
    image = _text(value, "image", 2000)
    if image.startswith("https://"):
        return image
    if base is None or image.startswith("http://"):
        raise _bad("item.image_url", "image must be an https URL, got {image!r}", image=image)
    folder = base.resolve()
    path = (folder / image).resolve()
    if not path.is_relative_to(folder):
        raise _bad(
            "item.image_outside",
            "image file {image!r} is outside the batch file's folder",
            image=image,
        )
    if path.suffix.lower() not in IMAGE_SUFFIXES:
        raise _bad(
            "item.image_type",
            "image file {image!r} must end in {suffixes}",
            image=image,
            suffixes=", ".join(IMAGE_SUFFIXES),
        )
    if not path.is_file():
        raise _bad("item.image_missing", "image file {image!r} does not exist", image=image)
    return str(path)


def _visual_item(fields: Mapping[str, Any], base: Path | None) -> dict[str, Any]:
    if "text" not in fields and "image" not in fields:
        raise _bad("item.text_or_image", "an item needs text, image, or both")
    payload: dict[str, Any] = {}
    if "text" in fields:
        payload["text"] = _text(fields["text"], "text", MAX_ITEM_TEXT)
    if "image" in fields:
        payload["image"] = _image(fields["image"], base)
    return payload


def _required(fields: Mapping[str, Any], name: str, limit: int) -> str:
    if name not in fields:
        raise _bad("item.missing", "the item needs {name}", name=name)
    return _text(fields[name], name, limit)


def _rating_item(fields: Mapping[str, Any], base: Path | None) -> dict[str, Any]:
    return {"text": _required(fields, "text", MAX_ITEM_TEXT)}


def _compare_item(fields: Mapping[str, Any], base: Path | None) -> dict[str, Any]:
    payload = {
        "a": _required(fields, "a", MAX_ITEM_TEXT),
        "b": _required(fields, "b", MAX_ITEM_TEXT),
    }
    if "prompt" in fields:
        payload["prompt"] = _text(fields["prompt"], "prompt", MAX_ITEM_TEXT)
    return payload


ITEM_VALIDATORS: dict[Kind, Callable[[Mapping[str, Any], Path | None], dict[str, Any]]] = {
    Kind.choice: _visual_item,
    Kind.multi: _visual_item,
    Kind.rating: _rating_item,
    Kind.compare: _compare_item,
    Kind.text: lambda fields, base: {"brief": _required(fields, "brief", MAX_BRIEF)},
    Kind.voice: lambda fields, base: {"sentence": _required(fields, "sentence", MAX_SENTENCE)},
}


# Answers


@dataclass(frozen=True)
class VoiceAnswer:
    """A recording the adapter has stored: where it is and how long it lasts."""

    file: str
    duration: float


def _choice_answer(value: Any, options: Mapping[str, Any]) -> Any:
    labels = options["labels"]
    if value not in labels:
        raise _bad(
            "answer.not_a_label",
            '"{value}" is not one of {labels}',
            value=value,
            labels=", ".join(labels),
        )
    return value


def _multi_answer(value: Any, options: Mapping[str, Any]) -> Any:
    if not isinstance(value, list | tuple):
        raise _bad(
            "answer.not_a_list", "choose labels from {labels}", labels=", ".join(options["labels"])
        )
    chosen = [_choice_answer(label, options) for label in value]
    if len(set(chosen)) != len(chosen):
        raise _bad("answer.label_twice", "each label can be chosen once")
    low, high = options["min_choices"], options["max_choices"]
    if not low <= len(chosen) <= high:
        raise _bad("answer.choice_count", "choose from {low} to {high} labels", low=low, high=high)
    return sorted(chosen, key=options["labels"].index)


def _rating_answer(value: Any, options: Mapping[str, Any]) -> Any:
    low, high = options["scale_min"], options["scale_max"]
    if isinstance(value, str) and re.fullmatch(r"-?\d+", value.strip()):
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise _bad(
            "answer.off_scale", "choose a whole number from {low} to {high}", low=low, high=high
        )
    return value


def _compare_answer(value: Any, options: Mapping[str, Any]) -> Any:
    if value not in COMPARE_CHOICES:
        raise _bad(
            "answer.not_a_comparison", "choose one of {choices}", choices=", ".join(COMPARE_CHOICES)
        )
    return value


def _text_answer(value: Any, options: Mapping[str, Any]) -> Any:
    if not isinstance(value, str):
        raise _bad("answer.not_text", "send your answer as text")
    cleaned = value.strip()
    low, high = options["min_length"], options["max_length"]
    if len(cleaned) < low:
        raise _bad(
            "answer.too_short",
            "your text has {length} characters; write at least {low}",
            length=len(cleaned),
            low=low,
        )
    if len(cleaned) > high:
        raise _bad(
            "answer.too_long",
            "your text has {length} characters; the most is {high}",
            length=len(cleaned),
            high=high,
        )
    return cleaned


def _voice_answer(value: Any, options: Mapping[str, Any]) -> Any:
    if not isinstance(value, VoiceAnswer):
        raise _bad("answer.not_voice", "send a voice recording")
    low, high = options["min_duration"], options["max_duration"]
    if not low <= value.duration <= high:
        raise _bad(
            "answer.duration",
            "your recording lasts {duration:g} s; it must last {low:g} to {high:g} s",
            duration=value.duration,
            low=low,
            high=high,
        )
    return {"file": value.file, "duration": value.duration}


ANSWER_VALIDATORS: dict[Kind, Callable[[Any, Mapping[str, Any]], Any]] = {
    Kind.choice: _choice_answer,
    Kind.multi: _multi_answer,
    Kind.rating: _rating_answer,
    Kind.compare: _compare_answer,
    Kind.text: _text_answer,
    Kind.voice: _voice_answer,
}


def clean_options(kind: Kind, options: Mapping[str, Any]) -> dict[str, Any]:
    return OPTION_VALIDATORS[kind](options)


def clean_item(kind: Kind, fields: Mapping[str, Any], base: Path | None = None) -> dict[str, Any]:
    return ITEM_VALIDATORS[kind](fields, base)


def clean_answer(kind: Kind, value: Any, options: Mapping[str, Any]) -> Any:
    """The answer in its stored form, or `BadValue` saying what to fix."""
    return ANSWER_VALIDATORS[kind](value, options)


def clean_gold(kind: Kind, value: Any, options: Mapping[str, Any]) -> Any:
    if kind not in GOLD_KINDS:
        raise _bad("item.gold_kind", "gold answers are only for choice, multi, rating and compare")
    try:
        return clean_answer(kind, value, options)
    except BadValue as error:
        raise _bad(
            "item.gold_invalid", "gold is not a valid answer: {reason}", reason=error.problem.text
        ) from None
