"""Read a batch file (JSONL, or CSV with settings given separately) into a checked draft.

Reading is all or nothing: every problem is collected with its line number, and a file with any
problem yields no draft. The format is documented in docs/batch-format.md.
"""

from __future__ import annotations

from tasks.batch_file.model import (
    COMMON_SETTINGS,
    ITEM_ID,
    MB,
    PLATFORMS,
    SHOWN_PROBLEMS,
    BatchDraft,
    BatchSettings,
    ImportFailed,
    ItemDraft,
    Limits,
    LineProblem,
    megabytes,
)
from tasks.batch_file.readers import (
    check_size,
    read_batch_bytes,
    read_batch_file,
    read_csv,
    read_jsonl,
)
from tasks.batch_file.settings import (
    clean_settings,
)

__all__ = [
    "COMMON_SETTINGS",
    "ITEM_ID",
    "MB",
    "PLATFORMS",
    "SHOWN_PROBLEMS",
    "BatchDraft",
    "BatchSettings",
    "ImportFailed",
    "ItemDraft",
    "Limits",
    "LineProblem",
    "check_size",
    "clean_settings",
    "megabytes",
    "read_batch_bytes",
    "read_batch_file",
    "read_csv",
    "read_jsonl",
]
