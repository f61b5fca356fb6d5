"""Cron settings are read in the scheduler's time zone; a bad one says what to fix."""

from __future__ import annotations

import pytest

from scheduler.schedule import Cron, Every, check_cron
from tests.scheduler.conftest import at


def test_a_cron_fires_at_its_local_time_in_the_configured_zone() -> None:
    noon_in_berlin = Cron("0 12 * * *", "Europe/Berlin")

    assert noon_in_berlin.next_after(at("2026-06-01 09:00")) == at("2026-06-01 10:00")  # CEST
    assert noon_in_berlin.next_after(at("2026-12-01 09:00")) == at("2026-12-01 11:00")  # CET
    assert noon_in_berlin.next_after(at("2026-06-01 10:00")) == at("2026-06-02 10:00")


def test_an_interval_fires_on_its_grid_whenever_the_last_run_started() -> None:
    assert Every(60).next_after(at("2026-06-01 09:00")) == at("2026-06-01 09:01")
    assert Every(60).next_after(at("2026-06-01 09:00:59.9")) == at("2026-06-01 09:01")
    assert Every(60).next_after(at("2026-06-01 09:01:00.2")) == at("2026-06-01 09:02")


@pytest.mark.parametrize(
    ("expression", "complaint"),
    [
        ("daily", "expected five fields"),
        ("0 12 * *", "expected five fields"),
        ("61 12 * * *", r"higher than the maximum value \(59\)"),
        ("0 12 * * funday", "funday"),
    ],
)
def test_a_bad_cron_expression_is_refused_with_the_reason(expression: str, complaint: str) -> None:
    with pytest.raises(ValueError, match=complaint):
        check_cron(expression)
