"""Issue 11, finding 5 (its service-boundary part): single-line fields
(titles, names, places, e-mail addresses) refuse line breaks and control
characters, and nothing is written."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from core.db import Database
from core.errors import InvalidValue
from core.services.accounts import SignupInput, validate_signup
from core.services.needs import post_need
from core.services.organisations import OfferInput, save_offer, update_need, validate_offer

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 12, 1, 9, tzinfo=UTC)
BAD = ["Tafel\nBcc: x@example.org", "Tafel\r\n", "Tafel\x00", "Tafel\x1b[31m", "Tafel\u2028x"]


@pytest.mark.parametrize("bad", BAD)
async def test_a_need_title_or_place_with_a_line_break_is_refused(
    db: Database,
    world: Any,
    need_input: Any,
    taxonomy: Any,
    places: Any,
    counts: Callable[[], Awaitable[tuple[int, int]]],
    bad: str,
) -> None:
    async def post(data: Any) -> Any:
        return await post_need(
            db, organisation_id=world.org, data=data, taxonomy=taxonomy, places=places,
            now=NOW, tz=BERLIN, actor="org",
        )  # fmt: skip

    for data in (need_input(title=bad), need_input(place=bad), need_input(place_label=bad)):
        with pytest.raises(InvalidValue):
            await post(data)
    assert await counts() == (0, 0)
    ref = await post(need_input())
    with pytest.raises(InvalidValue):
        await update_need(
            db, world.org, ref.id, need_input(title=bad), taxonomy=taxonomy, places=places,
            now=NOW, tz=BERLIN, actor="org",
        )  # fmt: skip


@pytest.mark.parametrize("bad", BAD)
async def test_offer_and_signup_names_with_a_line_break_are_refused(
    db: Database, world: Any, taxonomy: Any, places: Any, bad: str
) -> None:
    offer = OfferInput("Transporter", "", "resource", None, None, None, None)
    assert validate_offer(offer, taxonomy) == {}
    assert "title" in validate_offer(replace(offer, title=bad), taxonomy)
    assert "place" in validate_offer(replace(offer, place=bad), taxonomy)
    with pytest.raises(InvalidValue):
        await save_offer(
            db, world.org, replace(offer, title=bad), taxonomy=taxonomy, places=places,
            now=NOW, actor="org",
        )  # fmt: skip
    signup = SignupInput("aachen", "Tafel", "verein", "Petra", "p@example.org", "x" * 12)
    assert validate_signup(signup) == {}
    assert set(validate_signup(replace(signup, organisation=bad))) == {"organisation"}
    assert set(validate_signup(replace(signup, contact_name=bad))) == {"contact_name"}
    assert set(validate_signup(replace(signup, email=f"p{bad[5:]}@example.org"))) == {"email"}
