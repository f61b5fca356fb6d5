"""Members are served side by side; one member's updates are handled in the order they came."""

from __future__ import annotations

import asyncio

from telegram import Update

from bots.telegram.ordering import PerMemberOrder

update_ids = iter(range(1, 1000))


def press_by(user_id: int) -> Update:
    user = {"id": user_id, "is_bot": False, "first_name": f"user {user_id}"}
    query = {"id": str(user_id), "from": user, "chat_instance": "1", "data": "v1:n::"}
    return Update.de_json({"update_id": next(update_ids), "callback_query": query}, None)


async def test_one_members_updates_wait_for_each_other_but_not_for_others() -> None:
    processor = PerMemberOrder(max_concurrent_updates=8)
    log: list[str] = []
    slow_network = asyncio.Event()

    async def handle(name: str, *, slow: bool = False) -> None:
        log.append(f"{name} starts")
        if slow:
            await slow_network.wait()
        log.append(f"{name} ends")

    first = processor.process_update(press_by(1), handle("ada 1", slow=True))
    ada_first = asyncio.create_task(first)
    ada_second = asyncio.create_task(processor.process_update(press_by(1), handle("ada 2")))
    bob = asyncio.create_task(processor.process_update(press_by(2), handle("bob 1")))
    await bob  # tasks start in the order they were made: ada's two came first

    assert log == ["ada 1 starts", "bob 1 starts", "bob 1 ends"]
    slow_network.set()
    await asyncio.gather(ada_first, ada_second)
    assert log[3:] == ["ada 1 ends", "ada 2 starts", "ada 2 ends"]
