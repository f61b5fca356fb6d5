"""Getting tasks and answering them: buttons, typed text, voice; skip and stop."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from bots.conversation import recordings
from bots.conversation.context import Person, Services
from bots.conversation.rendering import answer_label, multi_buttons, render_task
from bots.conversation.replies import Button, Reply
from storage.assignment import SubmitStatus
from storage.bans import ban_of
from tasks.engine import Assignment, LeaseGone, Receipt
from tasks.kinds import COMPARE_CHOICES, Kind, VoiceAnswer
from tasks.model import Batch
from tasks.quality import SURPLUS_REASON


def consent_needed(p: Person, batch_ref: str = "") -> list[Reply]:
    from bots.conversation.flows.member import consent_request

    return [consent_request(p, batch_ref)]


async def next_task(
    s: Services, p: Person, batch_id: int | None = None, *, picked: bool = False
) -> list[Reply]:
    """The member's next task. `picked`: they asked for `batch_id` (/task N, a batch's button),
    and keep getting its tasks until it has nothing for them (stored, so it outlives a restart)."""
    if not p.profile.consented:
        return consent_needed(p, str(batch_id or ""))
    if picked and batch_id is not None:
        return await pick_batch(s, p, batch_id)
    chosen = await s.engine.chosen_batch(p.member)
    if chosen is not None:
        task = await s.engine.next_task(p.member, chosen, only=True)
        if task is not None:
            return [render_task(p.t, task)]
        await s.engine.choose_batch(p.member, None)
        refused = await _refused(s, p, chosen)
        if refused is not None:
            return refused
        return [Reply(p.t("task.batch_done", batch=chosen), buttons=((start_button(p),),))]
    task = await s.engine.next_task(p.member, batch_id)
    if task is None:
        return await _refused(s, p) or [Reply(p.t("task.none_left"))]
    return [render_task(p.t, task)]


async def _refused(s: Services, p: Person, batch_id: int | None = None) -> list[Reply] | None:
    """Why the member gets no task, when it is not that the work ran out: a ban from the
    community, or `batch_id` closed to them (paused, closed, removed by its gold checks...)."""
    ban = await ban_of(s.db, p.profile.id)
    if ban is not None:
        return [Reply(p.t("task.suspended", reason=ban.reason))]
    reason = None if batch_id is None else await s.engine.closed_to(p.member, batch_id)
    if reason is not None:
        return [Reply(p.t(reason, batch=batch_id), buttons=((start_button(p),),))]
    return None


async def pick_batch(s: Services, p: Person, batch_id: int) -> list[Reply]:
    """/task N: that batch's task, or why it cannot serve, or an offer to switch from a held one."""
    others = ((start_button(p),),)
    refused = await _refused(s, p, batch_id)
    if refused is not None:
        return refused
    held = await s.engine.current_task(p.member)
    if held is not None and held.batch.id != batch_id:
        from bots.conversation.callbacks import Action, encode

        switch = (
            Button(p.t("button.switch"), encode(Action.switch, str(batch_id))),
            Button(p.t("button.keep"), encode(Action.task, "")),
        )
        text = p.t("task.switch_offer", held=held.batch.title, batch=batch_id)
        return [Reply(text, buttons=(switch,))]
    await s.engine.choose_batch(p.member, batch_id)
    task = await s.engine.next_task(p.member, batch_id, only=True)
    if task is None:
        await s.engine.choose_batch(p.member, None)
        return [Reply(p.t("task.batch_nothing", batch=batch_id), buttons=others)]
    return [render_task(p.t, task)]


async def switch_batch(s: Services, p: Person, batch_id: int | None) -> list[Reply]:
    """The switch button: the held task goes back, the picked batch's task comes."""
    if batch_id is None:
        raise LeaseGone()
    if not p.profile.consented:
        return consent_needed(p, str(batch_id))
    await s.engine.stop(p.member)
    switched = Reply(p.t("task.switched", batch=batch_id), edit=True)  # the offer loses its buttons
    return [switched, *await pick_batch(s, p, batch_id)]


def receipt_text(p: Person, receipt: Receipt, shown: str, batch: Batch) -> str:
    verdict = receipt.verdict
    if verdict is None:
        return p.t("answer.already_saved")
    if verdict.reason == SURPLUS_REASON:
        return p.t("answer.surplus", answer=shown)
    if verdict.reason == "quality.too_fast":
        return p.t("answer.too_fast", answer=shown, seconds=f"{batch.min_seconds:g}")
    if verdict.removed:
        right, total = verdict.gold_score or (0, 0)
        needed = f"{batch.quality.accuracy_threshold:.0%}"
        return p.t("answer.removed", batch=batch.title, right=right, count=total, threshold=needed)
    lines = [p.t("answer.pending" if verdict.status == "pending" else "answer.saved", answer=shown)]
    if verdict.gold_answer is not None:
        gold = answer_label(p.t, batch.kind, batch.options, verdict.gold_answer)
        lines.append(p.t("answer.training", answer=gold))
    if verdict.exam_score is not None:
        right, total = verdict.exam_score
        if verdict.exam_passed:
            lines.append(p.t("exam.passed", right=right, total=total))
        elif not verdict.exam_retry:
            lines.append(p.t("exam.failed_last", right=right, total=total))
        else:
            lines.append(
                p.t(
                    "exam.failed",
                    right=right,
                    total=total,
                    hours=f"{batch.quality.exam_retry_hours:g}",
                )
            )
    return "\n".join(lines)


async def _submit(
    s: Services, p: Person, token: str, value: Any, *, from_button: bool
) -> tuple[Receipt, Reply]:
    batch = await s.engine.lease_batch(p.member, token)
    receipt = await s.engine.submit(p.member, token, value)
    shown = answer_label(p.t, batch.kind, batch.options, value, batch.is_review)
    return receipt, Reply(receipt_text(p, receipt, shown, batch), edit=from_button)


async def _answer(
    s: Services, p: Person, token: str, value: Any, *, from_button: bool
) -> list[Reply]:
    receipt, done = await _submit(s, p, token, value, from_button=from_button)
    if receipt.verdict is None and from_button:  # a second press of an answered task's button:
        return [replace(done, refusal=True)]  # its receipt stays, the next task is out already
    return [done, *await next_task(s, p)]


def _choice_value(kind: Kind, options: dict[str, Any], index: int) -> Any:
    if kind is Kind.choice:
        return options["labels"][index]
    if kind is Kind.rating:
        return options["scale_min"] + index
    if kind is Kind.compare:
        return COMPARE_CHOICES[index]
    raise LookupError(kind)


async def press_answer(s: Services, p: Person, token: str, arg: str) -> list[Reply]:
    batch = await s.engine.lease_batch(p.member, token)
    try:
        index = int(arg)
        if index < 0:
            raise IndexError(index)
        value = _choice_value(batch.kind, batch.options, index)
    except (ValueError, IndexError, LookupError):
        raise LeaseGone() from None
    return await _answer(s, p, token, value, from_button=True)


def _mask(arg: str) -> int:
    """The chosen labels of a multi task as bits; a malformed or negative one is a stale button."""
    try:
        mask = int(arg)
    except ValueError:
        raise LeaseGone() from None
    if mask < 0:
        raise LeaseGone()
    return mask


def _labels_in(mask: int, labels: list[str]) -> list[str]:
    return [label for i, label in enumerate(labels) if mask >> i & 1]


async def press_toggle(s: Services, p: Person, token: str, arg: str) -> list[Reply]:
    task = await _held(s, p, token)
    mask = _mask(arg)
    rendered = render_task(p.t, task)
    return [replace(rendered, buttons=multi_buttons(p.t, task, mask), edit=True)]


async def press_submit(s: Services, p: Person, token: str, arg: str) -> list[Reply]:
    batch = await s.engine.lease_batch(p.member, token)
    mask = _mask(arg)
    return await _answer(s, p, token, _labels_in(mask, batch.options["labels"]), from_button=True)


async def _held(s: Services, p: Person, token: str) -> Assignment:
    task = await s.engine.current_task(p.member)
    if task is None or task.token != token:
        raise LeaseGone()
    return task


async def typed_answer(s: Services, p: Person, text: str, lease: str | None = None) -> list[Reply]:
    """Text typed as the answer to the task held now. With `lease` (typed into the answer box of
    that task's message) it answers that task only: `LeaseGone` when it is no longer held, and
    the receipt replaces the task's message, as after a button.
    """
    if lease is not None:
        task: Assignment | None = await _held(s, p, lease)
    else:
        task = await s.engine.current_task(p.member)
    if task is None:
        return [Reply(p.t("text.no_task"))]
    if task.batch.kind is Kind.voice:
        return [Reply(p.t("text.use_voice")), render_task(p.t, task)]
    if task.batch.kind is not Kind.text:
        return [Reply(p.t("text.use_buttons")), render_task(p.t, task)]
    return await _answer(s, p, task.token, text, from_button=lease is not None)


async def _voice_task(s: Services, p: Person) -> Assignment | None:
    task = await s.engine.current_task(p.member)
    return task if task is not None and task.batch.kind is Kind.voice else None


async def voice_refused(s: Services, p: Person) -> list[Reply] | None:
    """Why a recording would be refused before it is even downloaded (no voice task); or None."""
    if await _voice_task(s, p) is None:
        return [Reply(p.t("voice.not_expected"))]
    return None


async def voice_answer(s: Services, p: Person, path: str, duration: float) -> list[Reply]:
    """The recording answers the voice task held; a recording no answer keeps is deleted."""
    kept = False
    try:
        task = await _voice_task(s, p)
        if task is None:
            return [Reply(p.t("voice.not_expected"))]
        value = VoiceAnswer(path, duration)
        receipt, done = await _submit(s, p, task.token, value, from_button=False)
        kept = receipt.status is SubmitStatus.stored
        return [done, *await next_task(s, p)]
    finally:
        if not kept:
            await recordings.discard(s.data_dir, path)


async def skip(
    s: Services, p: Person, token: str | None = None, *, from_button: bool = False
) -> list[Reply]:
    if token is None:
        task = await s.engine.current_task(p.member)
        if task is None:
            return [Reply(p.t("skip.nothing"))]
        token = task.token
    elif from_button:
        await _held(s, p, token)  # a stale Skip (answered, skipped, given back): refused, once
    await s.engine.skip(p.member, token)
    return [Reply(p.t("skip.done"), edit=from_button), *await next_task(s, p)]


async def stop(s: Services, p: Person) -> list[Reply]:
    released = await s.engine.stop(p.member)
    return [Reply(p.t("stop.done" if released else "stop.nothing"))]


def start_button(p: Person, batch_id: int | None = None) -> Button:
    from bots.conversation.callbacks import Action, encode

    return Button(p.t("button.task"), encode(Action.task, str(batch_id or "")))
