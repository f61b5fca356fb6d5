"""The benchmarks' quick mode: every benchmark runs end to end on small sizes, produces its
figures, and records nothing in `bench/results.json` or `docs/benchmarks.md`."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest

from bench import writer_profile
from bench.__main__ import BENCHMARKS, main
from bench.report import DOC, RESULTS, write_section


def _snapshot(path: Path) -> bytes | None:
    return path.read_bytes() if path.exists() else None


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One `python -m bench --quick` run for the whole module, with the files it must not touch
    as they were before and after it."""
    folder = tmp_path_factory.mktemp("bench")
    work = folder / "work"
    work.mkdir()
    figures_file = folder / "figures.json"
    before = {RESULTS: _snapshot(RESULTS), DOC: _snapshot(DOC)}
    status = main(["--quick", "--dir", str(work), "--json", str(figures_file)])
    after = {RESULTS: _snapshot(RESULTS), DOC: _snapshot(DOC)}
    return {
        "status": status,
        "entries": json.loads(figures_file.read_text(encoding="utf-8")),
        "before": before,
        "after": after,
        "work": work,
    }


def values(entry: dict[str, Any]) -> dict[str, float]:
    return {name: figure["value"] for name, figure in entry["figures"].items()}


def test_a_quick_run_measures_every_benchmark_and_records_nothing(
    quick_run: dict[str, Any],
) -> None:
    assert quick_run["status"] == 0
    assert set(quick_run["entries"]) == set(BENCHMARKS)
    assert quick_run["after"] == quick_run["before"]
    assert list(quick_run["work"].iterdir()) == []  # temporary databases are gone
    for entry in quick_run["entries"].values():
        assert entry["machine"]["cores"] >= 1
        for name, figure in entry["figures"].items():
            assert math.isfinite(figure["value"]), name
            if "target" in figure:
                assert isinstance(figure["met"], bool), name


def test_the_assignment_benchmark_compares_members_with_the_raw_ceiling(
    quick_run: dict[str, Any],
) -> None:
    entry = quick_run["entries"]["assignment"]
    figures = values(entry)
    assert figures["baseline_commits_per_s"] > 0
    assert figures["one_member_cycles_per_s"] > 0
    assert figures["members_200_cycles_per_s"] > 0
    assert figures["one_member_pct_of_baseline"] == pytest.approx(
        100 * figures["one_member_cycles_per_s"] / figures["baseline_commits_per_s"], rel=0.01
    )
    # The human-like load completed its arrivals without a single failure.
    assert figures["human_errors"] == 0
    assert figures["human_achieved_cycles_per_s"] > 0.5 * figures["human_offered_cycles_per_s"]
    assert 0 < figures["human_claim_p50_ms"] <= figures["human_claim_p99_ms"]
    assert 0 < figures["human_submit_p50_ms"] <= figures["human_submit_p99_ms"]
    assert entry["figures"]["human_claim_p99_ms"]["target"] == "< 10 ms"


def test_the_export_benchmark_measures_memory_at_two_sizes(quick_run: dict[str, Any]) -> None:
    entry = quick_run["entries"]["export"]
    small, big = entry["settings"]["sizes"]
    assert big == 10 * small
    figures = values(entry)
    assert figures["rows_per_s_2k"] > 0 and figures["rows_per_s_20k"] > 0
    assert figures["heap_peak_mib_2k"] > 0 and figures["heap_peak_mib_20k"] > 0
    assert entry["settings"]["heap_peak_ratio"] == pytest.approx(
        figures["heap_peak_mib_20k"] / figures["heap_peak_mib_2k"], rel=0.01
    )


def test_the_aggregation_benchmark_scores_both_methods_against_the_truth(
    quick_run: dict[str, Any],
) -> None:
    entry = quick_run["entries"]["aggregation"]
    figures = values(entry)
    assert entry["settings"]["answers"] == 3 * entry["settings"]["items"]
    assert sum(entry["settings"]["members_by_skill"].values()) == entry["settings"]["members"]
    # Three answers decide an item better than one does, and the seeded crowd (with its
    # spammers) is one where Dawid-Skene's per-member weighting pays off.
    assert figures["member_accuracy_pct"] < figures["mv_accuracy_pct"] < 100
    assert figures["ds_accuracy_pct"] > figures["mv_accuracy_pct"]
    assert figures["ds_gain_points"] == pytest.approx(
        figures["ds_accuracy_pct"] - figures["mv_accuracy_pct"], abs=0.01
    )
    assert figures["mv_seconds"] > 0 and figures["ds_seconds"] > 0


def test_the_aggregation_memory_benchmark_measures_reading_and_both_methods(
    quick_run: dict[str, Any],
) -> None:
    entry = quick_run["entries"]["aggregation_memory"]
    figures = values(entry)
    assert entry["settings"]["items"] == 3_000
    assert figures["read_rows_heap_mib"] > 0 and figures["read_columns_heap_mib"] > 0
    assert figures["mv_heap_mib"] > figures["read_columns_heap_mib"]
    assert figures["ds_heap_mib"] > figures["read_columns_heap_mib"]
    assert entry["figures"]["read_columns_heap_mib"]["target"] == "< the list of rows"


def test_an_unknown_benchmark_name_is_refused_with_the_known_names(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["nonesuch", "--quick"])
    assert exit_info.value.code == 2
    error = capsys.readouterr().err
    assert "no benchmark nonesuch" in error
    for name in BENCHMARKS:
        assert name in error


def test_a_benchmark_rewrites_only_its_own_section_of_the_doc(tmp_path: Path) -> None:
    doc = tmp_path / "benchmarks.md"
    doc.write_text("# Benchmarks\n\nNotes written by hand.\n", encoding="utf-8")
    write_section("export", "first figures", doc)
    write_section("assignment", "other figures", doc)
    write_section("export", "new figures", doc)
    text = doc.read_text(encoding="utf-8")
    assert "Notes written by hand." in text
    assert "new figures" in text and "first figures" not in text
    assert "other figures" in text
    assert text.index("new figures") < text.index("other figures")


def test_the_writer_profile_names_the_statements_that_cost_the_most(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert writer_profile.main(["--rounds", "1", "--seconds", "0.3", "--items", "3000"]) == 0
    lines = capsys.readouterr().out.splitlines()
    headings = [line for line in lines if line.startswith("round 1")]
    assert len(headings) == 2
    assert "1 member" in headings[0] and "200 members" in headings[1]
    costs = [line for line in lines if "SQL run by" in line]
    assert any("assignment.py" in line and "claim" in line for line in costs)
    assert any("assignment.py" in line and "submit" in line for line in costs)
