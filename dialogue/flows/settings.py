"""Small settings that need no form: pause notifications, language, help.

```mermaid
flowchart LR
  pause[Pause] -->|1 Woche / 2 Wochen / 1 Monat| paused([pausiert bis ...])
  pause -->|wieder an| resumed([fortgesetzt])
  sprache[Sprache] -->|Deutsch / English| switched([gemerkt])
```
"""

from __future__ import annotations

from datetime import timedelta

from core.services.people import set_language
from core.services.profiles import get_profile, pause
from dialogue.markup import escape
from dialogue.messages import Button
from dialogue.texts import LANGUAGES
from dialogue.turn import Turn

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
    turn.say(turn.t("help.text", bot=escape(turn.tenant.branding.bot_name)), turn.menu())
