"""Appeals by members, and the moderators' review queue: /appeal, /reviews, /accept, /reject."""

from __future__ import annotations

from bots.conversation.context import Person, Services
from bots.conversation.flows.standing import _value
from bots.conversation.replies import Reply
from tasks.review_queue import ReviewQueue


def _queue(s: Services) -> ReviewQueue:
    return ReviewQueue(s.db, clock=s.clock)


def _id_and_rest(args: str) -> tuple[int | None, str]:
    first, _, rest = args.strip().partition(" ")
    return (int(first) if first.isdigit() else None), rest.strip()


async def appeal(s: Services, p: Person, args: str) -> list[Reply]:
    answer_id, message = _id_and_rest(args)
    if answer_id is None:
        return [Reply(p.t("appeal.usage"))]
    await _queue(s).appeal(p.profile.id, answer_id, message)
    return [Reply(p.t("appeal.sent", id=answer_id))]


async def reviews(s: Services, p: Person, args: str) -> list[Reply]:
    entries = await _queue(s).pending(20)
    if not entries:
        return [Reply(p.t("reviews.empty"))]
    lines = [p.t("reviews.title")]
    for e in entries:
        line = p.t("reviews.row", id=e.answer_id, batch=e.batch_title, value=_value(e.value))
        line += " · " + p.t("reviews.member", profile=e.profile_id)  # the number /ban takes
        if e.appeal is not None:
            line += "\n    " + p.t("reviews.appeal", message=e.appeal)
        lines.append(line)
    return [Reply("\n".join(lines))]


async def decide(s: Services, p: Person, args: str, *, accepted: bool) -> list[Reply]:
    answer_id, reason = _id_and_rest(args)
    if answer_id is None:
        return [
            Reply(p.t("reviews.usage" if accepted else "reviews.usage_reject", command="accept"))
        ]
    if not accepted and not reason:
        return [Reply(p.t("reviews.needs_reason", id=answer_id))]
    status = await _queue(s).decide(
        answer_id, accepted=accepted, moderator_id=p.profile.id, reason=reason or None
    )
    return [Reply(p.t("reviews.decided", id=answer_id, status=p.t(f"history.{status}")))]


async def decide_appeal(s: Services, p: Person, args: str, *, overturn: bool) -> list[Reply]:
    answer_id, _ = _id_and_rest(args)
    if answer_id is None:
        return [Reply(p.t("reviews.usage", command="overturn" if overturn else "uphold"))]
    status = await _queue(s).decide_appeal(answer_id, overturn=overturn, moderator_id=p.profile.id)
    return [Reply(p.t("reviews.decided", id=answer_id, status=p.t(f"history.{status}")))]
