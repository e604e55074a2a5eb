"""What the engine remembers about one conversation, stored as JSON in
``core.models.ConversationState.data`` so a restart or a second process goes
on where the conversation was.

Only plain JSON values live here. Before consent the only personal data is
what the person typed while the consent question was open, as the values it
gave (``slots["_held"]``): kept here and nowhere else, used when they agree,
dropped with the state's slots when they decline.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from dialogue.messages import Button, offer_of

MAX_BACK = 20  # the "back" stack is short: nobody goes back twenty steps


@dataclass(slots=True)
class DialogueState:
    flow: str | None = None  # the form in progress ("onboarding", "post_need", ...)
    slot: str | None = None  # the slot last asked for
    slots: dict[str, Any] = field(default_factory=dict)
    asked: list[str] = field(default_factory=list)  # slots asked, for "back"
    # [label, payload] or [label, payload, answer] last offered (``offer_of``)
    buttons: list[list[str]] = field(default_factory=list)
    view: dict[str, Any] = field(default_factory=dict)  # the list shown: kind, offset, filter
    pending: str | None = None  # a button payload to run once the person consented
    editing: bool = False  # changing one slot from the read-back or profile
    # The last platform event handled and what it was answered with, so the
    # same event delivered again (a webhook retried, a form sent twice) gets
    # the same replies and is not handled twice: {"id": ..., "replies": [...]}.
    last_event: dict[str, Any] | None = None
    # The person chose the language (a button or "auf Englisch bitte"): the
    # language of their texts no longer switches it.
    lang_chosen: bool = False
    declined: bool = False  # said no to consent: search without a profile
    # Linked to an organisation (issue 14): the menu offers "Meine Bedarfe".
    org_member: bool = False
    # A form set aside when something else interrupted it ("keine
    # Benachrichtigungen", a typed menu label): flow, slot, slots, asked and
    # editing as they were, so that "Zurück zu meinen Angaben" goes on there.
    held: dict[str, Any] | None = None
    # The yes/no question of the last reminder or alert sent to this chat
    # (``dialogue.notifications.remember_question``): {"buttons": [offer_of,
    # ...], "until": ISO time}. A typed "ja"/"nein" answers it in the very
    # next event only (``dialogue.events``); every event clears it.
    notice: dict[str, Any] | None = None

    @classmethod
    def from_dict(cls, raw: dict[str, Any] | None) -> DialogueState:
        if not raw:
            return cls()
        # The loaded row is what the save compares with to skip writing an
        # unchanged state, so the state must not share the containers flows
        # change in place (slots, view, asked; nested values are replaced).
        known = {
            k: (type(v)(v) if isinstance(v, dict | list) else v)
            for k, v in raw.items()
            if k in cls.__dataclass_fields__
        }
        try:
            return cls(**known)
        except TypeError:
            return cls()  # a state written by an older version: start clean

    def to_dict(self) -> dict[str, Any]:
        # What ``dataclasses.asdict`` gives for these fields, several times
        # faster: the values are plain JSON, so no deepcopy is needed.
        data = self.as_stored()
        for key in ("slots", "asked", "buttons", "view", "held", "notice"):
            data[key] = _copy(data[key])
        return data

    def as_stored(self) -> dict[str, Any]:
        """What ``to_dict`` gives, without copying the containers: for the
        engine's save at the end of a turn, after which the state is not
        changed (the deep copy cost ~18 µs of a turn's CPU in the bench)."""
        return {
            "flow": self.flow,
            "slot": self.slot,
            "slots": self.slots,
            "asked": self.asked,
            "buttons": self.buttons,
            "view": self.view,
            "pending": self.pending,
            "editing": self.editing,
            "last_event": self.last_event,
            "lang_chosen": self.lang_chosen,
            "declined": self.declined,
            "org_member": self.org_member,
            "held": self.held,
            "notice": self.notice,
        }

    def restore(self, saved: dict[str, Any]) -> None:
        """Back to what ``to_dict`` saved (an answer a form tried and did not take)."""
        again = DialogueState.from_dict(saved)
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(again, name))

    def hold(self) -> None:
        """Set the open form aside (``held``); ``resume`` brings it back."""
        self.held = {
            "flow": self.flow,
            "slot": self.slot,
            "slots": _copy(self.slots),
            "asked": list(self.asked),
            "editing": self.editing,
        }

    def resume(self) -> bool:
        """The form set aside is open again, where it was; False when none is."""
        held, self.held = self.held, None
        if not held or not held.get("flow"):
            return False
        self.flow, self.slot = held["flow"], held.get("slot")
        self.slots, self.asked = dict(held.get("slots") or {}), list(held.get("asked") or [])
        self.editing = bool(held.get("editing"))
        return True

    def start(self, flow: str, slots: dict[str, Any] | None = None) -> None:
        self.flow, self.slot, self.slots, self.asked = flow, None, dict(slots or {}), []
        self.editing = False

    def finish(self) -> None:
        self.flow, self.slot, self.slots, self.asked, self.editing = None, None, {}, [], False

    def offer(self, buttons: tuple[Button, ...]) -> None:
        if buttons:
            self.buttons = [offer_of(b) for b in buttons]

    def offered_payloads(self) -> set[str]:
        return {offer[1] for offer in self.buttons}

    def push_asked(self, slot: str) -> None:
        if not self.asked or self.asked[-1] != slot:
            self.asked.append(slot)
            del self.asked[:-MAX_BACK]


def _copy(value: Any) -> Any:
    """A deep copy of a JSON value (tuples stay tuples, as with ``asdict``)."""
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_copy(v) for v in value)
    return value
