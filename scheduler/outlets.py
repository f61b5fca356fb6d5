"""What the scheduler needs from outside it: chat adapters that can post to the community or
send a picture, and the words of its messages in a member's language.

The protocols are structural: an adapter that has the method is one, without importing this
module. The composition root (`microtasks/`) hands the scheduler its adapters and a `Translate`
built on the message catalogs, so the scheduler imports no chat adapter and no catalog.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Protocol, runtime_checkable


@runtime_checkable
class Announcer(Protocol):
    """Posts in the configured community channel, with a button that starts the batch.

    An adapter whose `announces` attribute is False (no channel configured) is not asked to."""

    name: str

    async def announce(self, text: str, batch_id: int) -> object: ...


@runtime_checkable
class ImageSender(Protocol):
    """Sends a picture with a caption to one person, by their id on the adapter's platform."""

    name: str

    async def send_image(self, external_id: str, path: Path, caption: str) -> object: ...


class Translate(Protocol):
    """The text of message `key` with `params` filled in, in the first of `languages` (tags
    such as `ru` or `ru-RU`; None for unknown) that has a catalog, else the default language."""

    def __call__(self, key: str, languages: Sequence[str | None], /, **params: object) -> str: ...
