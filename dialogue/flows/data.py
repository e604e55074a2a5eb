"""My data: export as a JSON file, deletion after a confirmation.

```mermaid
flowchart LR
  daten[Meine Daten] -->|Export| json([JSON-Datei])
  daten -->|Löschen| sure{Wirklich?} -->|ja| gone([alles gelöscht, Gespräch neu])
```
"""

from __future__ import annotations

import json
import re

from core.services.certificate import holder_name_of
from core.services.export import export_person
from core.services.people import delete_person
from dialogue.messages import Attachment
from dialogue.registry import on_command, on_payload
from dialogue.turn import Event, Turn


async def menu(turn: Turn) -> None:
    t = turn.t
    if turn.person is None:
        turn.say(t("data.nothing"), turn.menu())
        return
    turn.say(
        t("data.ask"),
        (
            turn.button("data.export", "data:export"),
            turn.button("data.delete", "data:delete"),
            turn.button("menu.main", "nav:menu"),
        ),
    )


async def export(turn: Turn) -> None:
    t = turn.t
    if turn.person is None:
        turn.say(t("data.nothing"), turn.menu())
        return
    data = await export_person(turn.app.db, turn.person.id)
    content = json.dumps(data, ensure_ascii=False, indent=2, default=str).encode("utf-8")
    turn.say(
        t("data.exported"),
        turn.menu(),
        attachments=(Attachment("meine-daten.json", "application/json", content),),
    )


async def ask_delete(turn: Turn) -> None:
    t = turn.t
    if turn.person is None:
        turn.say(t("data.nothing"), turn.menu())
        return
    ask = t("data.delete_ask")
    if await holder_name_of(turn.app.db, turn.person.id) is not None:
        # erasure takes the certificates' verification page with it (DSGVO)
        ask += "\n\n" + t("data.delete_certificates")
    turn.say(
        ask,
        (
            turn.yes_button("data.delete_yes", "data:delete:yes"),
            turn.no_button("data.delete_no", "nav:menu"),
        ),
    )


async def delete(turn: Turn) -> bool:
    """Erase the person; True tells the engine to drop the conversation state too."""
    if turn.person is None:
        turn.say(turn.t("data.nothing"), turn.menu())
        return False
    await delete_person(turn.app.db, turn.person.id, turn.now, turn.app.personal_files)
    turn.person = None
    turn.state.finish()
    turn.state.view = {}
    turn.say(turn.t("data.deleted"), (turn.button("data.start_again", "menu:start"),))
    return True


# -- routes ----------------------------------------------------------------------


@on_command("data")
async def _data_command(turn: Turn, args: str) -> None:
    await menu(turn)


@on_command("export")
async def _export_command(turn: Turn, args: str) -> None:
    await export(turn)


@on_payload("data", "export")
async def _export_button(turn: Turn, event: Event, match: re.Match[str]) -> None:
    await export(turn)


@on_command("delete")
async def _delete_command(turn: Turn, args: str) -> None:
    await ask_delete(turn)


@on_payload("data", "delete")
async def _delete_button(turn: Turn, event: Event, match: re.Match[str]) -> None:
    await ask_delete(turn)


@on_payload("data", "delete:yes")
async def _delete_confirmed(turn: Turn, event: Event, match: re.Match[str]) -> bool:
    return await delete(turn)
