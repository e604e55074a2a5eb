"""Feedback (Rückmeldung) by message, kept for the tenant's editors.

```mermaid
flowchart LR
  I[intent feedback] -->|no consent| N[feedback.no_consent: nothing kept]
  I -->|text carries it: "Feedback: ..."| S[stored: feedback.saved]
  I -->|just "Ich habe Feedback"| A[feedback.ask, flow "feedback"]
  A -->|next text| S
  A -->|Abbrechen| C[cancelled, nothing kept]
```

Only a person who consented has it kept (``core.services.feedback``): it is
part of their data, exported with it and anonymised when they erase it.
"""

from __future__ import annotations

import re

from core.errors import DomainError
from core.services.feedback import keep_feedback
from dialogue.markup import escape
from dialogue.nlu.result import ParseResult
from dialogue.registry import on_intent
from dialogue.turn import Turn

FLOW = "feedback"
# "Feedback: die Karte fehlt", "Rückmeldung – ...", "Ich möchte gern Feedback
# geben: ...", "Some feedback for you: ...": a short lead-in that names
# feedback, a colon or dash, then the feedback itself. Bounded repeats, one
# separator: linear in the text.
_LEAD = re.compile(
    r"^\s*[^:\n]{0,60}?\b(?:feedback|rückmeldung(?:en)?|rueckmeldung(?:en)?|kritik"
    r"|anregung(?:en)?|lob|suggestions?|comments?)\b[^:\n]{0,30}?"
    r"(?::|\s[-–]|[-–]\s)\s*(?P<body>.+)$",
    re.IGNORECASE | re.DOTALL,
)
# A text this long is taken as the feedback itself, not as "I have feedback".
CARRIES_WORDS = 12


def carried(text: str) -> str | None:
    """The feedback a text carries beyond saying it has some, or None."""
    found = _LEAD.match(text)
    if found and len(found.group("body").split()) >= 2:
        return found.group("body").strip()
    if len(text.split()) >= CARRIES_WORDS:
        return text.strip()
    return None


def leads(text: str) -> bool:
    """ "Feedback: ..." – said so explicitly, whatever the NLU makes of the rest."""
    found = _LEAD.match(text)
    return bool(found and len(found.group("body").split()) >= 2)


def _consented(turn: Turn) -> bool:
    return (
        turn.person is not None
        and turn.person.consent_version == turn.tenant.privacy.consent_version
    )


@on_intent("feedback")
async def start(turn: Turn, parse: ParseResult) -> None:
    """The ``feedback`` intent: keep what the text carries, else ask for it;
    without consent say honestly that nothing can be kept."""
    t = turn.t
    turn.state.finish()
    if not _consented(turn):
        _no_consent(turn)
        return
    body = carried(parse.text)
    if body is not None:
        await _keep(turn, body)
        return
    turn.state.start(FLOW)
    turn.say(t("feedback.ask", tenant=escape(turn.tenant.name)), turn.nav(back=False))


async def start_text(turn: Turn, text: str) -> None:
    """A text that begins with "Feedback:" (see ``leads``)."""
    await start(turn, ParseResult(text=text, intent="feedback", confidence=1.0))


async def receive(turn: Turn, text: str) -> None:
    """The text after ``feedback.ask``: kept."""
    turn.state.finish()
    if not _consented(turn):  # consent withdrawn meanwhile (data deleted)
        _no_consent(turn)
        return
    await _keep(turn, text)


def _no_consent(turn: Turn) -> None:
    """Nothing is kept without consent, and the person is told so."""
    turn.say(
        turn.t("feedback.no_consent", tenant=escape(turn.tenant.name)),
        (turn.button("feedback.consent", "cmd:start"), *turn.menu()),
    )


async def _keep(turn: Turn, body: str) -> None:
    assert turn.person is not None
    try:
        await keep_feedback(
            turn.app.db,
            person_id=turn.person.id,
            channel=turn.identity.split(":", 1)[0],
            language=turn.lang,
            body=body,
            now=turn.now,
        )
    except DomainError as exc:
        turn.say(turn.t(exc.key), turn.menu())
        return
    turn.say(turn.t("feedback.saved", tenant=escape(turn.tenant.name)), turn.menu())
