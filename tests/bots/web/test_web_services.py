"""The core services behind the web, on SQLite and PostgreSQL: rate limits,
invites, relay replies, statistics; and the markup filter for bot replies."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bots.web.pages import reply_markup
from core.clock import FixedClock
from core.db import Database
from core.models import Organisation, OrgKind, Tenant
from core.services import accounts, org_invites, outbox, relay, statistics
from core.services.needs import NeedInput, moderate, post_need
from core.services.people import register_with_consent
from core.services.signup import sign_up
from core.taxonomy import Taxonomy
from tests.bots.web.helpers import BERLIN


class Places:
    def resolve(self, name: str, tenant_slug: str) -> tuple[float, float, str]:
        return 50.7606, 6.0939, "Burtscheid"


async def _tenant_and_org(db: Database, clock: FixedClock) -> tuple[int, int]:
    async with db.transaction() as session:
        tenant = Tenant(
            slug="aachen",
            name="Aachen",
            center_lat=50.77,
            center_lon=6.08,
            radius_km=15,
            moderation_required=True,
        )
        session.add(tenant)
        await session.flush()
        org = Organisation(
            tenant_id=tenant.id,
            name="Tafel",
            kind=OrgKind.VEREIN,
            email="tafel@example.org",
            created_at=clock.now(),
        )
        session.add(org)
        await session.flush()
        return tenant.id, org.id


async def _published_need(db: Database, clock: FixedClock, org_id: int, helpers: int = 1) -> int:
    start = clock.now() + timedelta(days=3)
    ref = await post_need(
        db,
        organisation_id=org_id,
        data=NeedInput(
            title="Tafel",
            category="soziales",
            place="Burtscheid",
            starts_at=start,
            ends_at=start + timedelta(hours=3),
            helpers_wanted=helpers,
        ),
        taxonomy=Taxonomy.load(),
        places=Places(),
        now=clock.now(),
        tz=BERLIN,
        actor="test",
    )
    await moderate(db, ref.id, approve=True, reason=None, actor="test", now=clock.now())
    return ref.id


async def test_rate_limit_counts_inside_the_window_only(db: Database, clock: FixedClock):
    key = accounts.limit_key("login", "Tafel@Example.org", salt="deployment secret")
    assert "tafel" not in key
    for _ in range(3):
        await accounts.hit(db, key, limit=3, window=timedelta(minutes=15), now=clock.now())
    with pytest.raises(accounts.RateLimited):
        await accounts.hit(db, key, limit=3, window=timedelta(minutes=15), now=clock.now())
    clock.advance(timedelta(minutes=16))
    await accounts.hit(db, key, limit=3, window=timedelta(minutes=15), now=clock.now())


async def test_invite_links_once_and_expires(db: Database, clock: FixedClock):
    _, org_id = await _tenant_and_org(db, clock)
    person = await register_with_consent(
        db,
        tenant_slug="aachen",
        identity="telegram:1",
        consent_version="1",
        language="de",
        now=clock.now(),
    )
    invite = await org_invites.create_invite(db, org_id, account_id=None, now=clock.now())
    first = await org_invites.redeem(db, invite.start_arg, person.id, clock.now())
    again = await org_invites.redeem(db, invite.code.upper(), person.id, clock.now())
    assert (first.already_member, again.already_member) == (False, True)
    clock.advance(org_invites.VALID_FOR + timedelta(seconds=1))
    with pytest.raises(org_invites.UnknownInvite):
        await org_invites.redeem(db, invite.code, person.id, clock.now())


async def test_reply_goes_to_the_organisation_that_wrote_last(db: Database, clock: FixedClock):
    _, org_id = await _tenant_and_org(db, clock)
    need_id = await _published_need(db, clock, org_id)
    person = await register_with_consent(
        db,
        tenant_slug="aachen",
        identity="telegram:1",
        consent_version="1",
        language="de",
        now=clock.now(),
        display_name="Luisa",
    )
    assert await relay.record_reply(db, person.id, "Hallo?", now=clock.now()) is None
    result = await sign_up(db, person.id, need_id, clock.now())
    out = await relay.send_to_volunteer(
        db, org_id, result.engagement_id, "Kommst du?", account_id=None, now=clock.now()
    )
    assert out.person_id == person.id
    # Stored with its outbox row: delivery brings it to the chat, nothing is sent here.
    pending = await outbox.pending_reminders(db, clock.now(), due_only=True)
    relayed = [r.person_id for r in pending if r.kind == "relay_message"]
    assert relayed == [person.id]
    assert not (await relay.inbox(db, org_id))[0].delivered
    assert await relay.record_reply(db, person.id, "Ja!", now=clock.now()) == org_id
    items = await relay.inbox(db, org_id)
    assert [(i.direction.value, i.body) for i in items] == [
        ("from_volunteer", "Ja!"),
        ("to_volunteer", "Kommst du?"),
    ]
    assert await relay.unread_count(db, org_id) == 1
    await relay.mark_read(db, org_id, clock.now())
    assert await relay.unread_count(db, org_id) == 0


async def test_statistics_fill_time_is_when_the_last_place_was_taken(
    db: Database, clock: FixedClock
):
    tenant_id, org_id = await _tenant_and_org(db, clock)
    need_id = await _published_need(db, clock, org_id, helpers=2)
    await _published_need(db, clock, org_id, helpers=1)
    for n in range(2):
        clock.advance(timedelta(hours=3))
        person = await register_with_consent(
            db,
            tenant_slug="aachen",
            identity=f"t:{n}",
            consent_version="1",
            language="de",
            now=clock.now(),
        )
        await sign_up(db, person.id, need_id, clock.now())
    s = await statistics.tenant_statistics(
        db, tenant_id, now=clock.now(), tz=BERLIN, districts={"Burtscheid": (50.7606, 6.0939)}
    )
    assert (s.posted, s.filled, s.signups, s.active_volunteers) == (2, 1, 2, 2)
    assert s.fill_rate == 0.5 and s.median_hours_to_fill == 6.0
    assert [(g.key, g.posted, g.filled) for g in s.by_district] == [("Burtscheid", 2, 1)]
    assert sum(w.posted for w in s.weeks) == 2 and len(s.weeks) == 12


def test_reply_markup_lets_only_the_light_tags_through():
    text = (
        '<b>Tafel</b> &amp; <i>mehr</i> <a href="https://x.example/a">Link</a> '
        '<script>alert(1)</script> <a href="javascript:alert(1)">x</a> <img src=x>'
    )
    html = str(reply_markup(text))
    assert "<b>Tafel</b> &amp; <i>mehr</i>" in html
    assert '<a href="https://x.example/a">Link</a>' in html
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert '<a href="javascript' not in html and "<img" not in html
