"""Voice answers on Discord: `/voice recording:<file> [seconds]`.

A slash command with an attachment is what every Discord member can do, on desktop and on
phones (record with any app, then attach). The recording is downloaded from its attachment URL,
stored under `data_dir/voice/discord/<user id>/`, and its length read from the file: Discord's
own `duration_secs` when present, else the WAV header, else the last Ogg page (Opus or Vorbis,
as phones and Discord record). Only when none of those tell is the member's `seconds` used (and
asked for when missing): a typed length never overrides a measured one.
"""

from __future__ import annotations

import asyncio
import io
import struct
import wave
from pathlib import Path

import discord

from bots.conversation.events import Sender, Voice
from bots.conversation.replies import Reply
from bots.conversation.saving import CannotSave, store_bytes
from bots.discord.host import Host
from tasks.batch_file import megabytes

AUDIO_SUFFIXES = frozenset(
    {".ogg", ".oga", ".opus", ".mp3", ".m4a", ".aac", ".wav", ".webm", ".flac", ".mp4"}
)
MAX_BYTES = 25 * 1024 * 1024
OPUS_RATE = 48_000


def looks_like_audio(filename: str, content_type: str | None) -> bool:
    if content_type and content_type.split(";")[0].strip().startswith("audio/"):
        return True
    return Path(filename).suffix.lower() in AUDIO_SUFFIXES


def wav_seconds(content: bytes) -> float | None:
    try:
        with wave.open(io.BytesIO(content), "rb") as recording:
            rate = recording.getframerate()
            return recording.getnframes() / float(rate) if rate else None
    except (wave.Error, EOFError, struct.error):
        return None


def ogg_seconds(content: bytes) -> float | None:
    """The length of an Ogg Opus or Ogg Vorbis file: the last page's granule position."""
    if not content.startswith(b"OggS"):
        return None
    last = content.rfind(b"OggS")
    if last < 0 or len(content) < last + 14:
        return None
    (granule,) = struct.unpack_from("<q", content, last + 6)
    opus = content.find(b"OpusHead")
    if opus >= 0 and len(content) >= opus + 12:
        (pre_skip,) = struct.unpack_from("<H", content, opus + 10)
        return max(0.0, (granule - pre_skip) / OPUS_RATE)
    vorbis = content.find(b"\x01vorbis")
    if vorbis >= 0 and len(content) >= vorbis + 16:
        (rate,) = struct.unpack_from("<I", content, vorbis + 12)
        return granule / rate if rate else None
    return None


def seconds_of(content: bytes) -> float | None:
    """The recording's length read from the file itself, or None when the format hides it."""
    return wav_seconds(content) or ogg_seconds(content)


def store(data_dir: Path, user_id: str, filename: str, content: bytes) -> Path:
    """The recording in a new file under data_dir/voice/discord/<user id>/; CannotSave when the
    data folder cannot be written."""
    suffix = Path(filename).suffix.lower()
    folder = data_dir / "voice" / "discord" / user_id
    return store_bytes(folder, content, suffix if suffix in AUDIO_SUFFIXES else "")


async def answer_with_recording(
    host: Host, sender: Sender, recording: discord.Attachment, seconds: float | None
) -> list[Reply]:
    """The replies to `/voice`: the conversation's, or what to fix about the file."""
    name = recording.filename
    if not looks_like_audio(name, recording.content_type):
        return [Reply((await host.words(sender))("discord.voice_not_audio", filename=name))]
    if recording.size > MAX_BYTES:
        t = await host.words(sender)
        return [Reply(t("discord.voice_too_large", filename=name, limit=megabytes(MAX_BYTES)))]
    try:
        content = await recording.read()
    except discord.HTTPException:
        return [Reply((await host.words(sender))("discord.download_failed", filename=name))]
    # The measured length first: typed seconds only stand in when the file does not tell.
    duration = recording.duration or seconds_of(content) or seconds
    if not duration:
        return [Reply((await host.words(sender))("discord.voice_seconds", filename=name))]
    try:
        path = await asyncio.to_thread(
            store, host.config.data_dir, sender.external_id, name, content
        )
    except CannotSave as error:
        return await host.conversation.cannot_save(sender, error)
    return await host.conversation.handle(Voice(sender, str(path), float(duration)))
