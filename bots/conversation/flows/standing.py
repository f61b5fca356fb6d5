"""A member's own pages, read from the ledger: /me, /leaderboard, /history."""

from __future__ import annotations

from datetime import UTC, datetime

from bots.conversation.context import Person, Services
from bots.conversation.replies import Reply
from tasks.rewards import token_unit
from tasks.standing import StandingService

SHOWN_VALUE = 60


def _service(s: Services) -> StandingService:
    return StandingService(s.db, clock=s.clock)


async def me(s: Services, p: Person) -> list[Reply]:
    st = await _service(s).of(p.profile.id)
    unit = await token_unit(s.db)
    lines = [
        p.t("me.title", name=p.profile.display_name or p.sender.external_id),
        p.t("me.balance", amount=unit.show(st.balance), earned=unit.show(st.earned)),
        p.t("me.work", accepted=st.accepted, pending=st.pending, rejected=st.rejected),
    ]
    if st.gold_answers:
        accuracy = 100.0 * st.gold_correct / st.gold_answers
        lines.append(p.t("me.accuracy", accuracy=f"{accuracy:.0f}", checked=st.gold_answers))
    else:
        lines.append(p.t("me.no_accuracy"))
    lines.append(p.t("me.rank", rank=st.rank) if st.rank else p.t("me.no_rank"))
    lines.append(p.t("me.level", level=st.level))
    lines.append(p.t.count("me.streak", st.streak))
    return [Reply("\n".join(lines))]


async def leaderboard(s: Services, p: Person) -> list[Reply]:
    service = _service(s)
    board = await service.leaderboard(10)
    if not board:
        return [Reply(p.t("leaderboard.empty"))]
    unit = await token_unit(s.db)
    lines = [p.t("leaderboard.title")]
    for place, (profile_id, name, earned) in enumerate(board, start=1):
        shown = name or p.t("leaderboard.anonymous")
        marker = " ←" if profile_id == p.profile.id else ""
        amount = unit.show(earned)
        lines.append(p.t("leaderboard.row", place=place, name=shown, count=amount) + marker)
    return [Reply("\n".join(lines))]


def _recording(value: dict[str, object]) -> str:
    """A voice answer as a line shows it: the microphone and its length."""
    duration = value.get("duration")
    return f"🎙 {duration:g} s" if isinstance(duration, int | float) else "🎙"


def _value(value: object) -> str:
    text = (
        value
        if isinstance(value, str)
        else ", ".join(map(str, value))
        if isinstance(value, list)
        else _recording(value)
        if isinstance(value, dict)
        else str(value)
    )
    return text if len(text) <= SHOWN_VALUE else text[: SHOWN_VALUE - 1] + "…"


def _tx_link(s: Services, tx_hash: str) -> str:
    explorer = s.wallet.explorer_url if s.wallet is not None else None
    return f"{explorer}/tx/{tx_hash}" if explorer else f"{tx_hash[:10]}…{tx_hash[-4:]}"


async def history(s: Services, p: Person) -> list[Reply]:
    service = _service(s)
    rows = await service.history(p.profile.id, 10)
    if not rows:
        return [Reply(p.t("history.empty"))]
    unit = await token_unit(s.db)
    lines = [p.t("history.title")]
    for row in rows:
        when = datetime.fromtimestamp(row.created_at, UTC).strftime("%Y-%m-%d %H:%M")
        state = p.t(f"history.{row.status}")
        if row.status == "accepted" and row.paid_tx:
            state = p.t("history.paid", tx=_tx_link(s, row.paid_tx))
        if row.reason:
            state += f" ({p.t.key_or_text(row.reason)})"
        lines.append(
            p.t(
                "history.row",
                id=row.answer_id,
                when=when,
                batch=row.batch_title,
                value=_value(row.value),
                state=state,
            )
        )
        for cause, amount, payout in row.ledger:
            sign = "+" if amount > 0 else "−"
            entry = f"    {sign}{unit.show(abs(amount))} {p.t(f'ledger.{cause}')}"
            lines.append(entry + (f" ({payout})" if payout else ""))
    return [Reply("\n".join(lines))]
