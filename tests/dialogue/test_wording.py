"""Wording found by QA: one full stop after "e.V.", single quotes inside
quotes, a radius without ".0", weekly needs say so, the tenant's address form
in the organisation's list, /bedarf and /bedarfe in a member's help."""

from __future__ import annotations

from bots.bootstrap import App
from dialogue.texts import Texts
from tests.dialogue.harness import Conversation
from tests.dialogue.test_org_needs import consent, org_member


def _texts(app: App, lang: str) -> Texts:
    return Texts(app.tenants["aachen"], lang)


def test_a_value_ending_in_a_full_stop_takes_the_texts_full_stop(app: App) -> None:
    t = _texts(app, "de")
    text = t("signup.done", title="Aufräumaktion", organisation="Seniorenhilfe Brand e.V.")
    assert "e.V. Die Organisation" in text and "e.V.." not in text
    text = _texts(app, "en")("signup.done", title="Clean-up", organisation="Help e.V.")
    assert "e.V. The organisation" in text and "e.V.." not in text


def test_quotes_inside_quotes_become_single(app: App) -> None:
    text = _texts(app, "de")(
        "signup.done", title="Aufräumaktion „Sauberes Haaren“", organisation="X"
    )
    assert "„Aufräumaktion ‚Sauberes Haaren‘“" in text
    text = _texts(app, "en")("signup.done", title="Clean-up “Green Park”", organisation="X")
    assert "“Clean-up ‘Green Park’”" in text


def test_a_radius_has_no_trailing_zero_in_either_language(app: App) -> None:
    assert _texts(app, "en").radius(10.0) == "10 km"
    assert _texts(app, "de").radius(2.5) == "2,5 km"
    assert _texts(app, "en").radius(2.5) == "2.5 km"


def test_weekly_needs_say_every_week(app: App) -> None:
    de = _texts(app, "de")("need.weekly", days="Mi", start="09:00", end="12:00")
    assert de == "jede Woche Mi, 09:00–12:00 Uhr"
    assert _texts(app, "en")("need.weekly", days="Wed", start="09:00", end="12:00").startswith(
        "every week"
    )


async def test_a_members_list_and_help_use_the_tenants_address_form(app: App) -> None:
    member = Conversation(app, identity="test:org")
    await org_member(app, member, organisation="Seniorenhilfe Brand (Demo) e.V.")
    await member.command("bedarfe")
    assert "Sie " not in member.text and "Möchten Sie" not in member.text
    await member.command("hilfe")
    assert "/bedarf " in member.text and "/bedarfe" in member.text


async def test_a_volunteers_help_does_not_offer_posting(app: App) -> None:
    volunteer = Conversation(app, identity="test:vol")
    await consent(volunteer)
    await volunteer.command("hilfe")
    assert "/bedarfe" not in volunteer.text


async def test_a_volunteer_sees_until_when_a_weekly_need_runs(app: App) -> None:
    """QA: the member's preview said "bis 31. März", the volunteer's detail did not."""
    from datetime import datetime, time

    from core.schedule import Weekly
    from tests.dialogue.test_org_needs import BERLIN, published_need

    member = Conversation(app, identity="test:org")
    org_id = await org_member(app, member)
    need_id = await published_need(
        app,
        org_id,
        title="Hausaufgabenhilfe",
        weekly=Weekly(("di",), time(16), time(18)),
        valid_until=datetime(2027, 4, 1, tzinfo=BERLIN),  # the midnight after 31 March
    )
    volunteer = Conversation(app, identity="test:vol")
    await consent(volunteer)
    await volunteer.press(f"need:{need_id}")
    assert "jede Woche Di, 16:00–18:00 Uhr · bis 31. März" in volunteer.text, volunteer.text


async def test_a_volunteer_unsure_reply_does_not_offer_posting_a_need(app: App) -> None:
    """QA: "I'm not sure what you mean" offered "📣 Post a need" to a volunteer."""
    from typing import Any

    from dialogue.nlu.result import ParseResult
    from tests.dialogue.test_reminder_answers import onboard

    unsure = "Umzug, vielleicht"

    class Unsure:
        def __init__(self, real: Any) -> None:
            self.real = real

        def parse(self, text: str, lang: str = "de", **kw: Any) -> ParseResult:
            if text == unsure:
                ranking = (("post_need", 0.4), ("search", 0.35), ("help", 0.25))
                return ParseResult(text, "post_need", 0.4, ranking=ranking)
            return self.real.parse(text, lang, **kw)  # type: ignore[no-any-return]

    volunteer = Conversation(app, identity="test:vol")
    await onboard(volunteer)
    understanding = app.understanding
    assert understanding is not None
    understanding.parser = Unsure(understanding.parser)
    try:
        await volunteer.say(unsure)
    finally:
        understanding.parser = understanding.parser.real
    assert "nicht sicher" in volunteer.text, volunteer.text
    assert "menu:search" in volunteer.payloads()  # the other likely one
    assert "menu:post" not in volunteer.payloads(), volunteer.buttons
