"""The name organisations see (QA): lead-ins are dropped ("Ich heiße Klaus"
is "Klaus", "My name is Sam" is "Sam"), numbers-only is no name, and the name
can be changed later: in the profile ("🙋 Name ändern"), typed ("Name
ändern") or with /name."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bots.bootstrap import App
from core.errors import InvalidValue
from core.models import Person
from core.services.display_names import clean_name
from core.services.people import person_for_identity
from tests.dialogue.harness import Conversation
from tests.dialogue.test_org_needs import consent, org_member, published_need, sign_up
from tests.dialogue.test_reminder_answers import onboard


@pytest.mark.parametrize(
    ("typed", "name"),
    [
        ("Ich heiße Klaus", "Klaus"),
        ("ich heisse Klaus.", "Klaus"),
        ("Mein Name ist Anna-Lena", "Anna-Lena"),
        ("Ich bin die Petra", "Petra"),
        ("Hallo, ich bin Max!", "Max"),
        ("My name is Sam", "Sam"),
        ("I'm Jo", "Jo"),
        ("call me Bob", "Bob"),
        ("Nenn mich Kalle", "Kalle"),
        ("Mary Ann", "Mary Ann"),
        ("Klaus", "Klaus"),
    ],
)
def test_lead_ins_are_dropped(typed: str, name: str) -> None:
    assert clean_name(typed) == name


@pytest.mark.parametrize("typed", ["12345", "K", "Ich heiße 007", "x" * 41, "Klaus\nMüller"])
def test_no_name(typed: str) -> None:
    with pytest.raises(InvalidValue):
        clean_name(typed)


async def _name(app: App, conv: Conversation | None = None) -> str | None:
    ref = await person_for_identity(app.db, "test:vol", "aachen")
    assert ref is not None
    async with app.db.sessions() as session:
        return await session.scalar(select(Person.display_name).where(Person.id == ref.id))


async def test_a_lead_in_at_sign_up_is_not_part_of_the_name(app: App) -> None:
    member = Conversation(app, identity="test:org")
    org_id = await org_member(app, member)
    need_id = await published_need(app, org_id, title="Einsatz")
    volunteer = Conversation(app, identity="test:vol")
    await consent(volunteer)
    await sign_up(volunteer, need_id, "Ich heiße Klaus")
    assert "Organisationen sehen dich als „Klaus“" in volunteer.text
    assert await _name(app) == "Klaus"


async def test_the_name_can_be_changed_from_the_profile_typed_and_by_command(app: App) -> None:
    volunteer = Conversation(app, identity="test:vol")
    await onboard(volunteer)

    await volunteer.command("profil")
    assert "Name für Organisationen: keiner" in volunteer.text
    await volunteer.press("f:confirm:change")
    assert "name:change" in volunteer.payloads()
    await volunteer.press("name:change")
    assert "Unter welchem Namen" in volunteer.text
    await volunteer.say("Mein Name ist Klaus")
    assert "Organisationen sehen dich als „Klaus“" in volunteer.text
    assert await _name(app) == "Klaus"

    await volunteer.say("Name ändern")
    assert "Organisationen sehen dich als „Klaus“. Welcher Name" in volunteer.text
    await volunteer.say("Klaus Peter")
    assert await _name(app) == "Klaus Peter"

    await volunteer.command("name", "Sam")
    assert "„Sam“" in volunteer.text and await _name(app) == "Sam"
    await volunteer.command("profil")
    assert "Name für Organisationen: Sam" in volunteer.text
