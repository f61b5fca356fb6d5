"""Button data: small, versioned, and unforgeable where it matters.

Format: `v1:<action>:<ref>:<arg>`, at most 64 bytes (Telegram's limit; Discord allows 100).
Buttons that act on a task carry the lease token: a random 96-bit handle kept server-side and
bound to one member, so a button cannot act for another member or on a lease that has ended.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

VERSION = "v1"
MAX_BYTES = 64


class Action(StrEnum):
    answer = "a"  # arg: index of the choice
    toggle = "t"  # arg: bitmask of the labels chosen so far (multi)
    submit = "s"  # arg: bitmask of the labels chosen (multi)
    skip = "k"
    consent = "c"
    language = "l"  # ref: a language code
    task = "n"  # ref: a batch id, or empty for any batch
    notify = "y"  # arg: 1 on, 0 off
    remind = "r"  # arg: 1 on, 0 off (streak reminders)
    switch = "w"  # ref: the batch id to switch to (the held task goes back)


@dataclass(frozen=True)
class Callback:
    action: Action
    ref: str = ""
    arg: str = ""


class BadCallback(ValueError):
    pass


def encode(action: Action, ref: str = "", arg: str | int = "") -> str:
    data = f"{VERSION}:{action.value}:{ref}:{arg}"
    if len(data.encode()) > MAX_BYTES:
        raise ValueError(f"button data is {len(data.encode())} bytes, over {MAX_BYTES}: {data!r}")
    return data


def decode(data: str) -> Callback:
    parts = data.split(":")
    if len(parts) != 4 or parts[0] != VERSION or len(data.encode()) > MAX_BYTES:
        raise BadCallback(data)
    try:
        action = Action(parts[1])
    except ValueError:
        raise BadCallback(data) from None
    return Callback(action, parts[2], parts[3])
