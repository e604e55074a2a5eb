"""One turn of a conversation: who speaks, what they sent, what the bot says.

Flows read the event and the state and add replies through ``Turn``; the
engine loads and saves around it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from core.services.people import PersonRef
from core.tenants import TenantConfig
from dialogue.messages import NO, YES, Attachment, Button, Location, Reply
from dialogue.nlu.result import ParseResult
from dialogue.state import DialogueState
from dialogue.texts import Texts

if TYPE_CHECKING:
    from dialogue.ports import DialogueServices
    from dialogue.understanding import Understanding


@dataclass(slots=True)
class Event:
    """The incoming event, normalised: a number or label typed on a plain
    channel is already turned into its button payload."""

    kind: str  # "text" | "button" | "location" | "command" | "empty" | "too_long"
    text: str = ""
    payload: str = ""
    location: Location | None = None
    command: str = ""
    args: str = ""
    parse: ParseResult | None = None  # text only, filled by the engine


@dataclass(slots=True)
class Turn:
    app: DialogueServices  # the narrow services a flow may use (dialogue/ports.py)
    identity: str
    tenant: TenantConfig
    state: DialogueState
    lang: str
    now: datetime
    person: PersonRef | None
    understanding: Understanding
    replies: list[Reply] = field(default_factory=list)
    language_changed: bool = False
    # The language this turn switched away from, on its own (the person's
    # text was in another one): the turn's last reply offers the way back.
    switched_from: str | None = None
    # Marks for the channel on the replies said while set (read by the web
    # chat: "forget_transcript" after consent was declined).
    meta: dict[str, str] = field(default_factory=dict)
    edited: dict[str, dict[str, str]] = field(default_factory=dict)  # editors' wording
    first_name: str | None = None  # the channel's, for the display-name question

    @property
    def t(self) -> Texts:
        return Texts(self.tenant, self.lang, self.edited)

    @property
    def tenant_id(self) -> int:
        return self.app.tenant_ids[self.tenant.slug]

    def say(
        self,
        text: str,
        buttons: tuple[Button, ...] | list[Button] = (),
        *,
        request_location: bool = False,
        attachments: tuple[Attachment, ...] = (),
        edit: bool = False,
        per_row: int = 1,
    ) -> Reply:
        """Add a reply; its buttons become the ones a number or label may press."""
        reply = Reply(
            text=text,
            buttons=tuple(buttons),
            request_location=request_location,
            attachments=attachments,
            edit=edit,
            buttons_per_row=per_row,
            meta=dict(self.meta),
        )
        self.replies.append(reply)
        self.state.offer(reply.buttons)
        return reply

    def button(self, key: str, payload: str, **values: Any) -> Button:
        return Button(self.t(key, **values), payload)

    def yes_button(self, key: str, payload: str, **values: Any) -> Button:
        """The yes of a yes/no question: a typed "ja" or "Ja, klar" presses it."""
        return Button(self.t(key, **values), payload, YES)

    def no_button(self, key: str, payload: str, **values: Any) -> Button:
        """The no of a yes/no question: a typed "nein" or "no thanks" presses it."""
        return Button(self.t(key, **values), payload, NO)

    def menu(self) -> tuple[Button, ...]:
        """The way on from anywhere (members of an organisation: their needs
        and the offers that fit them too)."""
        mine = (
            (
                self.button("menu.my_needs", "menu:my_needs"),
                self.button("menu.fitting_offers", "menu:fitting_offers"),
            )
            if self.state.org_member
            else ()
        )
        return (
            self.button("menu.matches", "menu:matches"),
            self.button("menu.search", "menu:search"),
            self.button("menu.engagements", "menu:engagements"),
            *mine,
            self.button("menu.profile", "menu:profile"),
            self.button("menu.offers", "menu:offers"),  # issue 14: dialogue/flows/offers.py
            self.button("menu.help", "nav:help"),
        )

    def nav(self, back: bool = True) -> tuple[Button, ...]:
        buttons = [self.button("nav.back", "nav:back")] if back else []
        buttons.append(self.button("nav.cancel", "nav:cancel"))
        return tuple(buttons)
