"""A typed text (not a command, not a button typed by number or label): back
and cancel in words, "more", the text a relay or offer flow waits for (an
answer to an organisation, a question, a contact detail, an offer), the checks a
text must pass, then the parse: inside a form the form takes it (unless a
sure intent interrupts), outside one the intent's flow."""

from __future__ import annotations

import unicodedata

from dialogue import routing
from dialogue.choices import MAX_LABEL_TEXT, label_key
from dialogue.commands import MENU_LABELS, typed_action
from dialogue.flows import (
    feedback,
    hours,
    matches,
    navigation,
    offers,
    onboarding,
    org_needs,
    post_need,
    relay,
    search,
    settings,
    skipping,
)
from dialogue.flows.form import run_form
from dialogue.language_following import carries, follow_language, other_language
from dialogue.messages import Button
from dialogue.nlu.result import ParseResult
from dialogue.registry import ROUTES
from dialogue.texts import LANGUAGES, Texts
from dialogue.turn import Event, Turn
from dialogue.understanding import command_word, polite_stripped

__all__ = ["INTERRUPTS", "SURE", "handle_text"]

# Intents that may interrupt a form when the classifier is sure of them.
INTERRUPTS = frozenset(
    {
        "cancel",
        "help",
        "change_language",
        "delete_data",
        "export_data",
        "my_engagements",
        "show_matches",
        "pause_notifications",
        "privacy_info",
    }
)
SURE = 0.75
# Inside a form a free text is the answer to its question; it interrupts
# only when it is short and its intent is this sure ("Hilfe", "meine Daten
# löschen"), not a sentence that merely sounds like an intent.
FORM_SURE = 0.9
FORM_INTERRUPT_WORDS = 4

# The button offered for a likely intent when unsure: the menu's own button
# for it (label key, payload), so an intent and the menu never show one
# button twice ("✨ Passt zu mir" for find_engagement and show_matches).
_INTENT_BUTTONS = {
    "find_engagement": ("menu.matches", "menu:matches"),
    "show_matches": ("menu.matches", "menu:matches"),
    "search": ("menu.search", "menu:search"),
    "my_engagements": ("menu.engagements", "menu:engagements"),
    "edit_profile": ("menu.profile", "menu:profile"),
    "pause_notifications": ("menu.pause", "menu:pause"),
    "post_need": ("menu.post", "menu:post"),
    "post_offer": ("menu.offers", "menu:offers"),
    "help": ("menu.help", "nav:help"),
    "change_language": ("menu.language", "menu:language"),
    "export_data": ("menu.data", "menu:data"),
    "delete_data": ("menu.data", "menu:data"),
}


async def handle_text(turn: Turn, event: Event) -> bool:
    word = command_word(event.text)  # "zurück bitte", "könnten Sie bitte abbrechen"
    if word == "back":
        await navigation.back(turn)
        return False
    if word == "cancel":
        await navigation.cancel(turn)
        return False
    if word == "more" and turn.state.flow is None and turn.state.view.get("kind"):
        view = turn.state.view
        await matches.show(
            turn,
            kind=view["kind"],
            offset=int(view.get("offset", 0)) + 5,
            flt=view.get("filter"),
            reuse=True,
        )
        return False
    if word != "help" and _has_letters_or_digits(event.text):
        if turn.state.flow in relay.FLOWS:  # a question, an answer, a contact detail
            await relay.text(turn, event.text)
            return False
        if turn.state.flow in offers.FLOWS and await offers.text(turn, event.text):
            return False  # an offer described, its place, an answer, a yes or no
    if word is None and await org_needs.typed(turn, event.text):
        return False  # "schließen", "verlängern" at a need's detail
    if word != "help" and await hours.text(turn, event.text):
        return False
    if word != "help" and await skipping.text(turn, event.text):
        return False
    if turn.state.flow == feedback.FLOW and _has_letters_or_digits(event.text):
        await feedback.receive(turn, event.text)
        return False
    if turn.state.flow is None and feedback.leads(event.text):
        await feedback.start_text(turn, event.text)
        return False
    action = _typed_action(turn, event.text) if word is None else None
    if action is not None:
        # "Meine Bedarfe", "My dates", "termine": a menu label or command name
        # typed runs it, as its button would, and an open form is kept.
        return await routing.aside(turn, lambda: routing.run_action(turn, action))
    if not _has_letters_or_digits(event.text):
        turn.say(turn.t("error.no_words"))
        await routing.reask(turn)
        return False
    if not _has_latin(event.text):
        buttons = tuple(
            Button(settings.LANGUAGE_NAMES[lang], f"lang:{lang}")
            for lang in turn.tenant.languages
            if lang in LANGUAGES
        )
        turn.say(turn.t("error.other_script"), buttons)
        return False
    await follow_language(turn, event.text)
    parse = await turn.understanding.parse(
        event.text,
        turn.lang,
        now=turn.now,
        tz=turn.tenant.timezone,
        districts=turn.tenant.districts,
        tenant=turn.tenant,
    )
    unsure = parse.confidence < SURE or parse.intent == "out_of_scope"
    consented = onboarding.has_consent(turn)
    if not consented and not carries(parse) and unsure:
        # Before consent nothing is lost for want of a language: a text
        # that says something only in the tenant's other language switches.
        parse = await other_language(turn, event.text) or parse
    event.parse = parse
    sure_interrupt = parse.intent in INTERRUPTS and parse.confidence >= SURE
    if not consented and await search.before_consent(turn, event.text, parse):  # "Tafel"
        return False
    if not consented and await onboarding.before_consent(turn, event, interrupt=sure_interrupt):
        return False
    form = ROUTES.forms.get(turn.state.flow or "")
    if form is not None:
        if word == "help":
            turn.say(turn.t("help.in_form"))
            await routing.reask(turn)
            return False
        if await post_need.edit_by_name(turn, event):
            return False
        if (
            parse.intent == "post_need"
            and parse.confidence >= SURE
            and turn.state.flow != "post_need"
            and await post_need.may_post(turn)
        ):
            # A need in one sentence: its dates and places are the need's,
            # not answers to this form, which is set aside.
            async def post() -> bool:
                turn.state.finish()
                await post_need.start(turn, parse)
                return False

            return await routing.aside(turn, post)
        if sure_interrupt and _interrupts_form(event.text, parse):
            # The open question first: what it can take is its answer ("keine"
            # at "Bringst du etwas davon mit?"); the intent answers the rest,
            # and the form is kept to go on with.
            if turn.state.slot != "consent" and await run_form(
                turn, form, event, interruptible=True
            ):
                return False
            return await routing.aside(turn, lambda: routing.run_intent(turn, parse))
        await run_form(turn, form, event)
        return False
    if word == "help":
        await settings.help_text(turn)
        return False
    if consented and await search.is_plain_words(turn, event.text, parse):  # "Hund", "Lesen"
        await search.start(turn, parse)
        return False
    if offers.is_either(parse):  # "Ich würde gern mit Kindern basteln": offer or search?
        # Before the unsure ask-back: an offer and a search neck and neck
        # ("I can do crafts with kids", 0.42 / 0.42) is exactly this question.
        offers.ask_either(turn, parse)
        return False
    if parse.confidence < turn.understanding.low_confidence:
        _ask_back(turn, parse)
        return False
    return await routing.run_intent(turn, parse)


def _interrupts_form(text: str, parse: ParseResult) -> bool:
    """A short text (politeness aside) whose intent is sure leaves the form."""
    words = len(polite_stripped(text).split())
    return words <= FORM_INTERRUPT_WORDS and parse.confidence >= FORM_SURE


# Menu labels are short: a longer text names no action (and costs no lookup).
_MAX_LABEL_WORDS = 4
# (tenant, language, editors' menu wording) -> (label key, action); a few per tenant.
_LABELS: dict[tuple[object, ...], list[tuple[str, str]]] = {}


def _typed_action(turn: Turn, text: str) -> str | None:
    """The action of the command table a typed text names (``typed_action``)."""
    if len(text) > MAX_LABEL_TEXT or len(text.split()) > _MAX_LABEL_WORDS:
        return None
    key = label_key(text)
    if not key:
        return None
    languages = dict.fromkeys((turn.lang, *(x for x in turn.tenant.languages if x in LANGUAGES)))
    labels = [pair for lang in languages for pair in _menu_labels(turn, lang)]
    return typed_action(key, labels)


def _menu_labels(turn: Turn, lang: str) -> list[tuple[str, str]]:
    edited = tuple(
        sorted((k, v) for k, v in (turn.edited.get(lang) or {}).items() if k in MENU_LABELS)
    )
    cache_key = (turn.tenant.slug, id(turn.tenant), lang, edited)
    labels = _LABELS.get(cache_key)
    if labels is None:
        if len(_LABELS) > 256:
            _LABELS.clear()
        t = Texts(turn.tenant, lang, turn.edited)
        labels = _LABELS[cache_key] = [
            (label_key(t.raw(text_key)), action)
            for text_key, action in MENU_LABELS.items()
            if t.has(text_key)
        ]
    return labels


def _ask_back(turn: Turn, parse: ParseResult) -> None:
    """Not sure what was meant: offer the likely intents, never guess."""
    likely = [
        turn.button(*_INTENT_BUTTONS[name])
        for name, _ in parse.ranking
        # posting a need is for members of an organisation; others would be turned away
        if name in _INTENT_BUTTONS and (name != "post_need" or turn.state.org_member)
    ]
    buttons = list({b.payload: b for b in reversed(likely)}.values())[::-1][:3]
    buttons += [b for b in turn.menu() if b.payload not in {x.payload for x in buttons}]
    turn.say(turn.t("error.not_sure"), buttons[:6])


def _has_letters_or_digits(text: str) -> bool:
    return any(c.isalnum() for c in text)


def _has_latin(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    if not letters:
        return True  # digits only ("52062") are fine
    latin = sum(1 for c in letters if "LATIN" in unicodedata.name(c, ""))
    return latin * 2 >= len(letters)
