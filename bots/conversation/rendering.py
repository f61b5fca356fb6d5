"""A leased task as a message: its text and the buttons or input its kind needs."""

from __future__ import annotations

from collections.abc import Iterable

from bots.conversation.callbacks import Action, encode
from bots.conversation.i18n import Translator
from bots.conversation.replies import Button, Expect, Reply, TaskShown
from tasks.engine import Assignment
from tasks.kinds import COMPARE_CHOICES, Kind
from tasks.quality import REVIEW_LABELS

ROW = 3  # buttons per row: fits phones on Telegram and Discord's limit of 5


def rows(buttons: Iterable[Button], width: int = ROW) -> tuple[tuple[Button, ...], ...]:
    listed = list(buttons)
    return tuple(tuple(listed[i : i + width]) for i in range(0, len(listed), width))


def skip_row(t: Translator, token: str) -> tuple[Button, ...]:
    return (Button(t("button.skip"), encode(Action.skip, token)),)


def review_text(t: Translator, task: Assignment) -> str:
    payload = task.payload
    original = payload.get("task", {})
    parts = [t("review.header", title=task.batch.title)]
    if task.first_in_batch:
        parts.append(t("review.instructions"))
    if "brief" in original:
        parts.append(t("task.brief", brief=original["brief"]))
    if "sentence" in original:
        parts.append(t("task.sentence", sentence=original["sentence"]))
    if "text" in payload:
        parts.append(t("review.answer", text=payload["text"]))
    else:
        parts.append(t("review.listen"))
    return "\n\n".join(parts)


def task_text(t: Translator, task: Assignment) -> str:
    batch, payload = task.batch, task.payload
    if batch.is_review:
        return review_text(t, task)
    parts = [t("task.header", title=batch.title)]
    if task.first_in_batch:
        parts.append(t("task.instructions", instructions=batch.instructions))
    kind = batch.kind
    if kind in (Kind.choice, Kind.multi, Kind.rating) and "text" in payload:
        parts.append(payload["text"])
    if kind is Kind.rating:
        anchors = batch.options.get("anchors", {})
        scale = t("task.scale", low=batch.options["scale_min"], high=batch.options["scale_max"])
        if anchors:
            scale += " (" + ", ".join(f"{k} = {v}" for k, v in anchors.items()) + ")"
        parts.append(scale)
    if kind is Kind.multi:
        parts.append(
            t(
                "task.multi_hint",
                low=batch.options["min_choices"],
                high=batch.options["max_choices"],
            )
        )
    if kind is Kind.compare:
        if "prompt" in payload:
            parts.append(t("task.compare_prompt", prompt=payload["prompt"]))
        parts.append(t("task.compare_a", text=payload["a"]))
        parts.append(t("task.compare_b", text=payload["b"]))
    if kind is Kind.text:
        parts.append(t("task.brief", brief=payload["brief"]))
        parts.append(
            t("task.type_answer", low=batch.options["min_length"], high=batch.options["max_length"])
        )
    if kind is Kind.voice:
        parts.append(t("task.sentence", sentence=payload["sentence"]))
        parts.append(
            t(
                "task.record",
                low=f"{batch.options['min_duration']:g}",
                high=f"{batch.options['max_duration']:g}",
            )
        )
    return "\n\n".join(parts)


def multi_buttons(t: Translator, task: Assignment, chosen: int) -> tuple[tuple[Button, ...], ...]:
    labels = task.batch.options["labels"]
    toggles = [
        Button(
            ("☑ " if chosen >> i & 1 else "☐ ") + label,
            encode(Action.toggle, task.token, chosen ^ (1 << i)),
        )
        for i, label in enumerate(labels)
    ]
    count = bin(chosen).count("1")
    submit = Button(t("button.submit", count=count), encode(Action.submit, task.token, chosen))
    return (*rows(toggles, 2), (submit,), skip_row(t, task.token))


def answer_buttons(t: Translator, task: Assignment) -> tuple[tuple[Button, ...], ...]:
    kind, options, token = task.batch.kind, task.batch.options, task.token
    if kind is Kind.choice and task.batch.is_review:
        labels = [t(f"review.{label}") for label in options["labels"]]
        answers = [Button(label, encode(Action.answer, token, i)) for i, label in enumerate(labels)]
        return (*rows(answers, 1), skip_row(t, token))
    if kind is Kind.choice:
        labels = options["labels"]
    elif kind is Kind.rating:
        labels = [str(n) for n in range(options["scale_min"], options["scale_max"] + 1)]
    elif kind is Kind.compare:
        labels = [t(f"compare.{choice}") for choice in COMPARE_CHOICES]
    elif kind is Kind.multi:
        return multi_buttons(t, task, 0)
    else:
        return (skip_row(t, token),)
    width = 6 if kind is Kind.rating else (2 if kind is Kind.compare else ROW)
    answers = [Button(label, encode(Action.answer, token, i)) for i, label in enumerate(labels)]
    return (*rows(answers, width), skip_row(t, token))


EXPECTS = {Kind.text: Expect.text, Kind.voice: Expect.voice}


def render_task(t: Translator, task: Assignment) -> Reply:
    voice = task.payload.get("voice") if task.batch.is_review else None
    return Reply(
        text=task_text(t, task),
        buttons=answer_buttons(t, task),
        expects=EXPECTS.get(task.batch.kind, Expect.nothing),
        image=task.payload.get("image"),
        audio=voice["file"] if isinstance(voice, dict) else None,
        task=TaskShown(task.token, task.batch.kind),
    )


def answer_label(
    t: Translator,
    task_kind: Kind,
    options: dict[str, object],
    value: object,
    reviewing: bool = False,
) -> str:
    """How a stored answer reads back to the member."""
    if task_kind is Kind.compare:
        return t(f"compare.{value}")
    if task_kind is Kind.multi and isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if task_kind is Kind.voice:
        return t("answer.voice")
    if task_kind is Kind.text:
        return t("answer.text")
    if task_kind is Kind.choice and value in REVIEW_LABELS and reviewing:
        return t(f"review.{value}")
    return str(value)
