"""Day and month names in German and English, shared by the date, weekday and
availability extractors. Patterns are matched case-insensitively on the
original text, so offsets stay exact."""

from __future__ import annotations

# Full names and their "-s" forms ("samstags" = every Saturday).
WEEKDAY_WORDS: dict[str, str] = {
    "montag": "mo", "dienstag": "di", "mittwoch": "mi", "donnerstag": "do",
    "freitag": "fr", "samstag": "sa", "sonnabend": "sa", "sonntag": "so",
    "monday": "mo", "tuesday": "di", "wednesday": "mi", "thursday": "do",
    "friday": "fr", "saturday": "sa", "sunday": "so",
    "mon": "mo", "tue": "di", "tues": "di", "wed": "mi", "thu": "do", "thur": "do",
    "thurs": "do", "fri": "fr", "sat": "sa", "sun": "so",
}  # fmt: skip
# German two-letter abbreviations; only trusted next to a separator or
# another day ("Di+Do", "Mo-Fr", "Sa."), because "so" and "do" are words.
WEEKDAY_ABBREVIATIONS: dict[str, str] = {
    "mo": "mo", "di": "di", "mi": "mi", "do": "do", "fr": "fr", "sa": "sa", "so": "so",
}  # fmt: skip
# German compounds of a day and a part of it ("Mittwochabend", "sonntagnachmittags",
# "Montagmorgen"): the tail after the day name, and the day part it means.
COMPOUND_TAILS: dict[str, str] = {
    "vormittag": "vormittag", "nachmittag": "nachmittag", "abend": "abend",
    "morgen": "vormittag", "früh": "vormittag", "frueh": "vormittag", "mittag": "nachmittag",
}  # fmt: skip
GERMAN_DAY_WORDS: tuple[str, ...] = (
    "montag", "dienstag", "mittwoch", "donnerstag", "freitag", "samstag", "sonnabend", "sonntag",
)  # fmt: skip
DAY_INDEX: dict[str, int] = {d: i for i, d in enumerate(("mo", "di", "mi", "do", "fr", "sa", "so"))}

MONTHS: dict[str, int] = {
    "januar": 1, "jan": 1, "jänner": 1, "february": 2, "februar": 2, "feb": 2,
    "märz": 3, "maerz": 3, "mär": 3, "march": 3, "mar": 3, "april": 4, "apr": 4,
    "mai": 5, "may": 5, "juni": 6, "june": 6, "jun": 6, "juli": 7, "july": 7, "jul": 7,
    "august": 8, "aug": 8, "september": 9, "sept": 9, "sep": 9, "oktober": 10,
    "october": 10, "okt": 10, "oct": 10, "november": 11, "nov": 11, "dezember": 12,
    "december": 12, "dez": 12, "dec": 12, "january": 1,
}  # fmt: skip

NUMBER_WORDS: dict[str, int] = {
    "ein": 1, "eine": 1, "einen": 1, "einem": 1, "einer": 1, "zwei": 2, "drei": 3,
    "vier": 4, "fünf": 5, "fuenf": 5, "sechs": 6, "sieben": 7, "acht": 8, "neun": 9,
    "zehn": 10, "elf": 11, "zwölf": 12, "zwoelf": 12, "zwanzig": 20,
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
    "twenty": 20, "a couple of": 2, "couple of": 2, "paar": 2, "ein paar": 2,
}  # fmt: skip


def alternation(words: object) -> str:
    """A regex alternation, longest first so "samstags" beats "samstag"."""
    return "|".join(sorted((str(w) for w in words), key=len, reverse=True))  # type: ignore[attr-defined]


# "Mittwochabend", "mittwochabends", "Samstagsvormittag": day, optional "s", tail, optional "s".
COMPOUND_RE = (
    rf"\b(?P<cday>{alternation(GERMAN_DAY_WORDS)})s?(?P<ctail>{alternation(COMPOUND_TAILS)})s?\b"
)

NUMBER_RE = rf"(?:\d+|{alternation(NUMBER_WORDS)})"


def number_value(word: str) -> int | None:
    word = word.lower().strip()
    if word.isdigit():
        return int(word)
    return NUMBER_WORDS.get(word)
