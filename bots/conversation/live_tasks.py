"""Each person's live task message: the last task shown to them, whose buttons still act.

A member holds one task at a time, so a new task message makes the previous one stale: the
adapters remove its buttons (a stale press is refused by the core anyway, but a Skip left on an
answered task misleads). This keeps, for the most recent people only, which message that is;
the adapter decides what a message is (a Telegram message id, a Discord message it may still
edit) and how to retire its buttons. It lives in memory: after a restart an old button is still
refused by the core.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

Person = TypeVar("Person", bound=Hashable)
Shown = TypeVar("Shown")


class LiveTaskMessages(Generic[Person, Shown]):
    """The live task message of each of the `limit` people most recently shown one."""

    def __init__(self, limit: int, *, expired: Callable[[Shown], bool] | None = None) -> None:
        self.limit = limit
        self.expired = expired  # a message that can no longer be retired is forgotten
        self._live: OrderedDict[Person, Shown] = OrderedDict()

    def get(self, person: Person) -> Shown | None:
        self._forget_expired()
        return self._live.get(person)

    def shown(self, person: Person, message: Shown) -> Shown | None:
        """`message` is the person's live task now; the one it replaces, to retire (None when
        there was none)."""
        previous = self.get(person)
        self._live.pop(person, None)
        self._live[person] = message
        while len(self._live) > self.limit:
            self._live.popitem(last=False)
        return previous

    def forget(self, person: Person, message: Shown | None = None) -> None:
        """The person has no live task message (or not `message` any more, if it was theirs)."""
        if message is None or self._live.get(person) == message:
            self._live.pop(person, None)

    def _forget_expired(self) -> None:
        """Drop messages that can no longer be retired (the oldest come first)."""
        if self.expired is None:
            return
        while self._live and self.expired(next(iter(self._live.values()))):
            self._live.popitem(last=False)
