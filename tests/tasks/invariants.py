"""Checks of the engine's invariants straight from the database."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any


def assert_invariants(db_path: Path, acknowledged: dict[int, Any]) -> None:
    """Overlap never exceeded, nobody answers twice, slots add up, no acknowledged answer lost."""
    conn = sqlite3.connect(db_path)
    over = conn.execute(
        "SELECT i.id, i.overlap, count(a.id) FROM items i JOIN answers a"
        " ON a.item_id = i.id AND a.counted = 1 GROUP BY i.id HAVING count(a.id) > i.overlap"
    ).fetchall()
    assert over == [], f"items with more counted answers than their overlap: {over}"
    twice = conn.execute(
        "SELECT item_id, profile_id FROM answers GROUP BY item_id, profile_id HAVING count(*) > 1"
    ).fetchall()
    assert twice == [], f"members who answered an item twice: {twice}"
    drift = conn.execute(
        "SELECT i.id FROM items i WHERE i.answers <>"
        " (SELECT count(*) FROM answers a WHERE a.item_id = i.id AND a.counted = 1)"
        " OR i.free_slots <> i.overlap - i.answers"
        " - (SELECT count(*) FROM leases l WHERE l.item_id = i.id AND l.state = 'live')"
    ).fetchall()
    assert drift == [], f"items whose counters disagree with their answers and leases: {drift}"
    stored = dict(conn.execute("SELECT id, value FROM answers").fetchall())
    for answer_id, value in acknowledged.items():
        assert answer_id in stored, f"acknowledged answer {answer_id} is not in the database"
        assert json.loads(stored[answer_id]) == value
    conn.close()
