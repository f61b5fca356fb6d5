"""Counted phrases read right in every language: "1 day", "2 days"; "1 день", "2 дня", "5 дней"."""

from __future__ import annotations

import pytest

from bots.conversation.i18n import Translator, catalog, plural_catalog

# Every counted phrase, with what a member reads for the counts that pick each plural form.
EXPECTED: dict[str, dict[tuple[str, int], str]] = {
    "me.streak": {
        ("en", 1): "Streak: 1 day in a row",
        ("en", 2): "Streak: 2 days in a row",
        ("ru", 1): "Серия: 1 день подряд",
        ("ru", 2): "Серия: 2 дня подряд",
        ("ru", 5): "Серия: 5 дней подряд",
        ("ru", 21): "Серия: 21 день подряд",
    },
    "import.more_errors": {
        ("en", 1): "and 1 more error",
        ("en", 2): "and 2 more errors",
        ("ru", 1): "и ещё 1 ошибка",
        ("ru", 2): "и ещё 2 ошибки",
        ("ru", 5): "и ещё 5 ошибок",
        ("ru", 21): "и ещё 21 ошибка",
    },
    "import.done": {
        ("en", 1): "Imported batch 7 (text, 1 item) as a draft: T. Start it with /activate 7.",
        ("en", 2): "Imported batch 7 (text, 2 items) as a draft: T. Start it with /activate 7.",
        (
            "ru",
            1,
        ): "Пакет 7 (text, 1 элемент) импортирован как черновик: T. Запустить: /activate 7.",
        (
            "ru",
            2,
        ): "Пакет 7 (text, 2 элемента) импортирован как черновик: T. Запустить: /activate 7.",
        (
            "ru",
            5,
        ): "Пакет 7 (text, 5 элементов) импортирован как черновик: T. Запустить: /activate 7.",
        (
            "ru",
            21,
        ): "Пакет 7 (text, 21 элемент) импортирован как черновик: T. Запустить: /activate 7.",
    },
    "export.done": {
        ("en", 1): "Batch #7: 1 answer.",
        ("en", 2): "Batch #7: 2 answers.",
        ("ru", 1): "Пакет #7: 1 ответ.",
        ("ru", 2): "Пакет #7: 2 ответа.",
        ("ru", 5): "Пакет #7: 5 ответов.",
        ("ru", 21): "Пакет #7: 21 ответ.",
    },
    "wallet.sign_steps": {
        ("en", 1): "The message works once and expires in 1 minute.",
        ("en", 2): "The message works once and expires in 2 minutes.",
        ("ru", 1): "Сообщение действует один раз и истекает через 1 минуту.",
        ("ru", 2): "Сообщение действует один раз и истекает через 2 минуты.",
        ("ru", 5): "Сообщение действует один раз и истекает через 5 минут.",
        ("ru", 21): "Сообщение действует один раз и истекает через 21 минуту.",
    },
    "wallet.expired": {
        ("en", 1): "This message expired at 09:00 UTC. Send /wallet link with your address for a"
        " fresh one and sign it within 1 minute.",
        ("en", 2): "This message expired at 09:00 UTC. Send /wallet link with your address for a"
        " fresh one and sign it within 2 minutes.",
        ("ru", 1): "Срок этого сообщения истёк в 09:00 UTC. Отправьте /wallet link с вашим адресом,"
        " чтобы получить новое, и подпишите его в течение 1 минуты.",
        ("ru", 2): "Срок этого сообщения истёк в 09:00 UTC. Отправьте /wallet link с вашим адресом,"
        " чтобы получить новое, и подпишите его в течение 2 минут.",
        ("ru", 5): "Срок этого сообщения истёк в 09:00 UTC. Отправьте /wallet link с вашим адресом,"
        " чтобы получить новое, и подпишите его в течение 5 минут.",
        (
            "ru",
            21,
        ): "Срок этого сообщения истёк в 09:00 UTC. Отправьте /wallet link с вашим адресом,"
        " чтобы получить новое, и подпишите его в течение 21 минуты.",
    },
    "scheduler.streak_reminder": {
        ("en", 1): "🔥 Your streak is 1 day. One accepted task today keeps it going: /task",
        ("en", 2): "🔥 Your streak is 2 days. One accepted task today keeps it going: /task",
        (
            "ru",
            1,
        ): "🔥 Ваша серия — 1 день подряд. Одно принятое задание сегодня сохранит её: /task",
        ("ru", 2): "🔥 Ваша серия — 2 дня подряд. Одно принятое задание сегодня сохранит её: /task",
        (
            "ru",
            5,
        ): "🔥 Ваша серия — 5 дней подряд. Одно принятое задание сегодня сохранит её: /task",
        (
            "ru",
            21,
        ): "🔥 Ваша серия — 21 день подряд. Одно принятое задание сегодня сохранит её: /task",
    },
    "csv.wrong_cell_count": {
        ("en", 1): "the row has 1 cell; the header has 3",
        ("en", 2): "the row has 2 cells; the header has 3",
        ("ru", 1): "в строке 1 ячейка, а в заголовке — 3",
        ("ru", 2): "в строке 2 ячейки, а в заголовке — 3",
        ("ru", 5): "в строке 5 ячеек, а в заголовке — 3",
        ("ru", 21): "в строке 21 ячейка, а в заголовке — 3",
    },
    "file.too_many_items": {
        ("en", 1): "the file has 1 item; the most one batch may have is 3 (the BATCH_MAX_ITEMS"
        " setting)",
        ("en", 2): "the file has 2 items; the most one batch may have is 3 (the BATCH_MAX_ITEMS"
        " setting)",
        ("ru", 1): "в файле 1 элемент; в одном пакете может быть не больше 3 (настройка"
        " BATCH_MAX_ITEMS)",
        ("ru", 2): "в файле 2 элемента; в одном пакете может быть не больше 3 (настройка"
        " BATCH_MAX_ITEMS)",
        ("ru", 5): "в файле 5 элементов; в одном пакете может быть не больше 3 (настройка"
        " BATCH_MAX_ITEMS)",
        ("ru", 21): "в файле 21 элемент; в одном пакете может быть не больше 3 (настройка"
        " BATCH_MAX_ITEMS)",
    },
}
EXPECTED["scheduler.digest_batch"] = {
    ("en", 1): "#7 T (active): 100%, 1 of 1 answer, agreement α 0.9",
    ("en", 2): "#7 T (active): 100%, 1 of 2 answers, agreement α 0.9",
    ("ru", 1): "#7 T (active): 100%, 1 из 1 ответа, согласованность α 0.9",
    ("ru", 2): "#7 T (active): 100%, 1 из 2 ответов, согласованность α 0.9",
    ("ru", 5): "#7 T (active): 100%, 1 из 5 ответов, согласованность α 0.9",
    ("ru", 21): "#7 T (active): 100%, 1 из 21 ответа, согласованность α 0.9",
}
EXPECTED["answer.removed"] = {
    ("en", 1): "⛔ You were removed from “T”: 1 of 1 check item was right, below the 90% this"
    " batch needs. Your answers in it do not count.",
    ("en", 2): "⛔ You were removed from “T”: 1 of 2 check items were right, below the 90% this"
    " batch needs. Your answers in it do not count.",
    ("ru", 1): "⛔ Вы исключены из «T»: верно 1 из 1 проверочного задания, ниже нужных 90%. Ваши"
    " ответы в нём не засчитываются.",
    ("ru", 2): "⛔ Вы исключены из «T»: верно 1 из 2 проверочных заданий, ниже нужных 90%. Ваши"
    " ответы в нём не засчитываются.",
    ("ru", 5): "⛔ Вы исключены из «T»: верно 1 из 5 проверочных заданий, ниже нужных 90%. Ваши"
    " ответы в нём не засчитываются.",
    ("ru", 21): "⛔ Вы исключены из «T»: верно 1 из 21 проверочного задания, ниже нужных 90%."
    " Ваши ответы в нём не засчитываются.",
}
PARAMS = {
    "id": 7,
    "kind": "text",
    "title": "T",
    "address": "0xabc",
    "time": "09:00",
    "columns": 3,
    "limit": 3,
    "state": "active",
    "percent": "100",
    "counted": 1,
    "agreement": "0.9",
    "batch": "T",
    "right": 1,
    "threshold": "90%",
}


def test_every_counted_phrase_is_checked_here_in_both_languages() -> None:
    assert sorted(plural_catalog("en")) == sorted(EXPECTED)
    assert sorted(plural_catalog("ru")) == sorted(EXPECTED)
    assert all(len(forms) == 2 for forms in plural_catalog("en").values()), "one, other"
    assert all(len(forms) == 3 for forms in plural_catalog("ru").values()), "one, few, many"


def test_counted_phrases_are_not_plain_keys() -> None:
    assert [key for key in EXPECTED if key in catalog("en") or key in catalog("ru")] == []


@pytest.mark.parametrize(
    ("key", "language", "count", "text"),
    [(key, lang, n, text) for key, cases in EXPECTED.items() for (lang, n), text in cases.items()],
)
def test_a_counted_phrase_takes_the_plural_form_of_its_count(
    key: str, language: str, count: int, text: str
) -> None:
    shown = Translator(language).count(key, count, **PARAMS)
    assert shown == text or shown.endswith("\n" + text)


def test_a_plain_key_still_reads_as_before() -> None:
    assert Translator("en")("start.thanks") == "Thank you! Let's begin."


def test_a_counted_message_asked_by_key_takes_the_form_of_its_count() -> None:
    """Notices and problems name the number `count`; no caller picks the form."""
    words = Translator("ru")
    assert words("scheduler.streak_reminder", count=2).startswith("🔥 Ваша серия — 2 дня")
