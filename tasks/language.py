"""The optional language check of text answers: a batch may ask for answers in one language.

Detection uses langdetect (profiles of 55 languages), seeded so that one text always gets the
same verdict. Short texts say too little to tell, so they are let through.
"""

from __future__ import annotations

from functools import cache

from tasks.problems import Problem, problem

MIN_LETTERS = 20  # fewer letters than this: too short to tell the language
MIN_PROBABILITY = 0.2  # the asked language must be at least this likely


@cache
def supported_languages() -> frozenset[str]:
    """Language codes the detector knows, e.g. "en", "ru", "zh-cn"."""
    from langdetect import detector_factory

    detector_factory.init_factory()
    return frozenset(detector_factory._factory.get_lang_list())


def wrong_language(text: str, language: str) -> Problem | None:
    """Why `text` is not in `language`, or None when it is (or is too short to tell)."""
    if sum(ch.isalpha() for ch in text) < MIN_LETTERS:
        return None
    from langdetect import DetectorFactory, detect_langs
    from langdetect.lang_detect_exception import LangDetectException

    DetectorFactory.seed = 0
    try:
        guesses = detect_langs(text)
    except LangDetectException:
        return None
    if any(g.lang == language and g.prob >= MIN_PROBABILITY for g in guesses):
        return None
    return problem(
        "quality.language",
        "this answer should be written in {language}, but it reads as {detected}: "
        "please write it in {language}",
        language=language,
        detected=guesses[0].lang,
    )


def detected_language(text: str) -> str | None:
    """The most likely language code of `text`, or None when it is too short to tell."""
    if sum(ch.isalpha() for ch in text) < MIN_LETTERS:
        return None
    from langdetect import DetectorFactory, detect_langs
    from langdetect.lang_detect_exception import LangDetectException

    DetectorFactory.seed = 0
    try:
        return detect_langs(text)[0].lang
    except LangDetectException:
        return None
