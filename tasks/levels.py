"""Member levels from their record: accepted work and gold accuracy unlock harder batches."""

from __future__ import annotations

# (level, accepted answers needed, gold accuracy needed once 5+ gold answers, most rejected share)
LEVELS = (
    (1, 10, 0.0, 1.0),
    (2, 50, 0.8, 0.2),
    (3, 200, 0.9, 0.1),
)
MIN_GOLD_FOR_ACCURACY = 5


def level_of(accepted: int, rejected: int, gold: int, gold_correct: int) -> int:
    accuracy = gold_correct / gold if gold >= MIN_GOLD_FOR_ACCURACY else 1.0
    decided = accepted + rejected
    rejected_share = rejected / decided if decided else 0.0
    reached = 0
    for level, needed, min_accuracy, max_rejected in LEVELS:
        if accepted >= needed and accuracy >= min_accuracy and rejected_share <= max_rejected:
            reached = level
    return reached
