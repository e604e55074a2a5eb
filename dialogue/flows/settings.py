"""Small settings that need no form: pause notifications, language, help.

```mermaid
flowchart LR
  pause[Pause] -->|1 Woche / 2 Wochen / 1 Monat| paused([pausiert bis ...])
  pause -->|wieder an| resumed([fortgesetzt])
  sprache[Sprache] -->|Deutsch / English| switched([gemerkt])
```
"""

from __future__ import annotations

import re
from datetime import timedelta

from core.services.org_links import organisations_of_person
from core.services.people import set_language
from core.services.profiles import get_profile, pause
from dialogue.commands import help_commands
from dialogue.markup import escape
from dialogue.messages import Button
from dialogue.nlu.result import ParseResult
from dialogue.registry import on_command, on_intent, on_payload
from dialogue.routing import reask, stale
from dialogue.texts import LANGUAGES
from dialogue.turn import Event, Turn

PAUSE_DAYS = (7, 14, 30)
LANGUAGE_NAMES = {"de": "Deutsch", "en": "English"}


async def ask_pause(turn: Turn) -> None:
    t = turn.t
    if turn.person is None or await get_profile(turn.app.db, turn.person.id) is None:
        turn.say(t("pause.no_profile"), turn.menu())
        return
    buttons = [turn.button(f"pause.days_{d}", f"pause:{d}") for d in PAUSE_DAYS]
    buttons.append(turn.button("pause.resume", "pause:0"))
    buttons.append(turn.button("menu.main", "nav:menu"))
    turn.say(t("pause.ask"), buttons)


async def set_pause(turn: Turn, payload: str) -> None:
    raw = payload.split(":")[-1]
    if not raw.isdigit() or (int(raw) not in PAUSE_DAYS and raw != "0") or turn.person is None:
        turn.say(turn.t("error.stale_button"), turn.menu())
        return
    days = int(raw)
    until = turn.now + timedelta(days=days) if days else None
    await pause(turn.app.db, turn.person.id, until)
    if until is None:
        turn.say(turn.t("pause.resumed"), turn.menu())
    else:
        turn.say(turn.t("pause.done", until=escape(turn.t.date(until))), turn.menu())


async def ask_language(turn: Turn) -> None:
    buttons = [Button(LANGUAGE_NAMES[lang], f"lang:{lang}") for lang in _offered(turn)]
    turn.say(turn.t("language.ask"), buttons)


def _offered(turn: Turn) -> list[str]:
    return [lang for lang in turn.tenant.languages if lang in LANGUAGES] or ["de"]


async def switch_language(turn: Turn, lang: str) -> bool:
    """Switch and remember; False when the language is not offered."""
    if lang not in _offered(turn):
        return False
    turn.lang = lang
    turn.language_changed = True
    if turn.person is not None:
        await set_language(turn.app.db, turn.person.id, lang)
    turn.say(turn.t("language.switched"))
    return True


async def help_text(turn: Turn) -> None:
    text = turn.t("help.text", bot=escape(turn.tenant.branding.bot_name))
    commands = turn.t("help.commands", commands=help_commands(turn.lang))
    if turn.person is not None and await organisations_of_person(turn.app.db, turn.person.id):
        turn.state.org_member = True
        commands += " " + turn.t("help.organisation")  # /bedarf, /bedarfe
    turn.say(f"{text} {commands}", turn.menu())


# -- routes ----------------------------------------------------------------------
# Handlers look the functions above up when they run (tests replace them).


@on_command("help")
async def _help_command(turn: Turn, args: str) -> None:
    await help_text(turn)


@on_intent("help")
async def _help_intent(turn: Turn, parse: ParseResult) -> None:
    await help_text(turn)


@on_command("pause")
async def _pause_command(turn: Turn, args: str) -> None:
    await ask_pause(turn)


@on_payload("pause")
async def _pause_button(turn: Turn, event: Event, match: re.Match[str]) -> None:
    await set_pause(turn, event.payload)


@on_command("language", keeps_form=True)
async def _language_command(turn: Turn, args: str) -> None:
    await ask_language(turn)


@on_payload("lang")
async def _language_button(turn: Turn, event: Event, match: re.Match[str]) -> None:
    turn.state.lang_chosen = True
    if await switch_language(turn, match.group(0)):
        await reask(turn)
    else:
        await stale(turn)


@on_intent("change_language")
async def _language_intent(turn: Turn, parse: ParseResult) -> None:
    languages = parse.values("language")
    turn.state.lang_chosen = True
    if languages and await switch_language(turn, languages[0]):
        await reask(turn)
    else:
        await ask_language(turn)


@on_intent("privacy_info")
async def _privacy_intent(turn: Turn, parse: ParseResult) -> None:
    t = turn.t
    link = turn.tenant.privacy.policy_url
    turn.say(
        t("privacy.info", link=f'<a href="{link}">{t("consent.link")}</a>'),
        (turn.button("menu.data", "menu:data"), turn.button("menu.main", "nav:menu")),
    )
