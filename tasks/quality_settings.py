"""A batch's quality settings: gold checks, review, adaptive overlap, exams and requirements."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from tasks.kinds import GOLD_KINDS, BadValue, Kind
from tasks.problems import problem
from tasks.setting_checks import setting_amount, setting_bool, setting_int, setting_number

NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")

QUALITY_KEYS = frozenset(
    {
        "name",
        "requires",
        "min_level",
        "min_gold_answers",
        "accuracy_threshold",
        "training",
        "review_overlap",
        "review_reward",
        "max_overlap",
        "agreement",
        "duplicate_similarity",
        "duplicate_scope",
        "language",
        "exam_size",
        "exam_pass_mark",
        "exam_retry_hours",
    }
)
REVIEWED_KINDS = frozenset({Kind.text, Kind.voice})


@dataclass(frozen=True)
class QualitySettings:
    name: str | None = None  # other batches may require this one (an exam) by name
    requires: tuple[str, ...] = ()  # exams a member must have passed first
    min_level: int = 0  # the member level needed (see tasks/levels.py)
    min_gold_answers: int = 5  # gold answers before accuracy can remove a member
    accuracy_threshold: float = 0.0  # remove when gold accuracy is surely below; 0 = never
    training: bool = False  # show the right answer after each gold item
    review_overlap: int = 3  # reviews per text or voice answer
    review_reward: Decimal = Decimal(0)  # paid per accepted review
    max_overlap: int | None = None  # adaptive overlap: ask up to this many when answers differ
    agreement: float = 0.75  # share that must agree before adding no more answers
    duplicate_similarity: int = (
        90  # text answers this similar (0-100) to an earlier one are refused
    )
    duplicate_scope: str = "batch"  # look for copies in: "batch", "all" batches, or "off"
    language: str | None = None  # text answers must be written in this language ("en", "ru")
    exam_size: int | None = None  # an exam: gold items per attempt
    exam_pass_mark: float = 0.8
    exam_retry_hours: float = 24.0

    @property
    def is_exam(self) -> bool:
        return self.exam_size is not None

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "requires": list(self.requires),
            "min_level": self.min_level,
            "min_gold_answers": self.min_gold_answers,
            "accuracy_threshold": self.accuracy_threshold,
            "training": self.training,
            "review_overlap": self.review_overlap,
            "review_reward": str(self.review_reward),
            "max_overlap": self.max_overlap,
            "agreement": self.agreement,
            "duplicate_similarity": self.duplicate_similarity,
            "duplicate_scope": self.duplicate_scope,
            "language": self.language,
            "exam_size": self.exam_size,
            "exam_pass_mark": self.exam_pass_mark,
            "exam_retry_hours": self.exam_retry_hours,
        }

    @classmethod
    def from_json(cls, stored: Mapping[str, Any]) -> QualitySettings:
        known = {key: stored[key] for key in QUALITY_KEYS if key in stored}
        known["requires"] = tuple(known.get("requires") or ())
        known["review_reward"] = Decimal(str(known.get("review_reward", "0")))
        return cls(**known)


def _name(raw: Mapping[str, Any], key: str) -> str:
    value = raw.get(key)
    if not isinstance(value, str) or not NAME.match(value):
        raise BadValue(
            problem(
                "settings.name",
                "{key} must be 1-40 lower-case letters, digits or '-', got {value!r}",
                key=key,
                value=value,
            )
        )
    return value


DUPLICATE_SCOPES = ("batch", "all", "off")


def _duplicate_scope(raw: Mapping[str, Any]) -> str:
    value = raw.get("duplicate_scope", "batch")
    if value not in DUPLICATE_SCOPES:
        raise BadValue(
            problem(
                "settings.duplicate_scope",
                'duplicate_scope must be "batch", "all" or "off", got {value!r}',
                value=value,
            )
        )
    return str(value)


def _language(raw: Mapping[str, Any], kind: Kind) -> str:
    value = raw["language"]
    if kind is not Kind.text:
        raise BadValue(
            problem(
                "settings.language_kind",
                "language is checked for text answers only, not for a {kind} batch",
                kind=kind.value,
            )
        )
    from tasks.language import supported_languages

    known = supported_languages()
    if not isinstance(value, str) or value not in known:
        raise BadValue(
            problem(
                "settings.language",
                'language must be a language code such as "en" or "ru" (one of {known}), '
                "got {value!r}",
                known=", ".join(sorted(known)),
                value=value,
            )
        )
    return value


def clean_quality(raw: Mapping[str, Any], kind: Kind, overlap: int) -> QualitySettings:
    """The quality settings of a batch header, or `BadValue` for the first bad one."""
    requires = raw.get("requires", [])
    if isinstance(requires, str):
        requires = [requires]
    if not isinstance(requires, list):
        raise BadValue(problem("settings.requires", "requires must be a list of batch names"))
    max_overlap = raw.get("max_overlap")
    exam_size = raw.get("exam_size")
    settings = QualitySettings(
        name=_name(raw, "name") if "name" in raw else None,
        requires=tuple(_name({"requires": r}, "requires") for r in requires),
        min_level=setting_int(raw, "min_level", 0, 0, 10),
        min_gold_answers=setting_int(raw, "min_gold_answers", 5, 1, 1000),
        accuracy_threshold=setting_number(raw, "accuracy_threshold", 0.0, 0.0, 1.0),
        training=setting_bool(raw, "training", False),
        review_overlap=setting_int(raw, "review_overlap", 3, 1, 15),
        review_reward=setting_amount(raw, "review_reward"),
        max_overlap=None
        if max_overlap is None
        else setting_int(raw, "max_overlap", overlap, overlap, 50),
        agreement=setting_number(raw, "agreement", 0.75, 0.5, 1.0),
        duplicate_similarity=setting_int(raw, "duplicate_similarity", 90, 50, 100),
        duplicate_scope=_duplicate_scope(raw),
        language=_language(raw, kind) if "language" in raw else None,
        exam_size=None if exam_size is None else setting_int(raw, "exam_size", 1, 1, 500),
        exam_pass_mark=setting_number(raw, "exam_pass_mark", 0.8, 0.0, 1.0),
        exam_retry_hours=setting_number(raw, "exam_retry_hours", 24.0, 0.0, 24.0 * 365),
    )
    if settings.is_exam and kind not in GOLD_KINDS:
        raise BadValue(
            problem(
                "settings.exam_kind",
                "an exam needs gold items: a {kind} batch cannot be an exam",
                kind=kind.value,
            )
        )
    return settings
