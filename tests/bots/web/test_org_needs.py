"""An organisation posts and manages needs: validation with kept input,
place preview, edit, extend, fill, cancel (people told), sign-ups with
first names, accept/decline, relayed messages, offers, invites; and it
cannot touch another organisation's needs."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from core.models import Need, NeedStatus, RelayMessage
from core.services.org_invites import redeem
from core.services.people import register_with_consent
from core.services.relay import record_reply
from core.services.signup import sign_up
from tests.bots.web.conftest import Web
from tests.bots.web.helpers import (
    csrf_of,
    need_form,
    post_need,
    sign_up_organisation,
)
from tests.fakes import RecordingNotifier


async def _need(web: Web, need_id: int) -> Need:
    async with web.app.db.sessions() as session:
        need = await session.get(Need, need_id)
    assert need is not None
    return need


async def _volunteer(web: Web, identity: str, name: str) -> int:
    person = await register_with_consent(
        web.app.db,
        tenant_slug="aachen",
        identity=identity,
        consent_version="2026-11",
        language="de",
        now=web.clock.now(),
        display_name=name,
    )
    return person.id


async def test_posted_need_waits_for_review_with_the_resolved_place(web_app: Web):
    client = await sign_up_organisation(web_app)
    need_id = await post_need(web_app, client)
    need = await _need(web_app, need_id)
    assert need.status == NeedStatus.PENDING_REVIEW
    assert need.place_label and "Burtscheid" in need.place_label
    assert need.lat is not None and 50.7 < need.lat < 50.8
    page = await client.get(f"/t/aachen/org/needs/{need_id}?notice=pending")
    assert "wird geprüft" in page.text


async def test_need_form_with_errors_keeps_every_input(web_app: Web):
    client = await sign_up_organisation(web_app)
    token = await csrf_of(client, "/t/aachen/org/needs/new")
    data = need_form(
        web_app,
        title="",
        place="Xyzzyhausen",
        helpers="0",
        end="09:00",
        qualifications=["erste_hilfe"],
        description="Bitte <b>pünktlich</b>",
    )
    response = await client.post("/t/aachen/org/needs/new", data={"csrf": token, **data})
    assert response.status_code == 400
    for field in ("title", "helpers", "place", "end"):
        assert f'id="e-{field}"' in response.text, field
    assert 'value="Xyzzyhausen"' in response.text
    assert "Bitte &lt;b&gt;pünktlich&lt;/b&gt;" in response.text
    assert 'value="erste_hilfe" checked' in response.text
    async with web_app.app.db.sessions() as session:
        assert (await session.scalars(select(Need))).all() == []


async def test_place_preview_shows_where_the_place_was_found_without_saving(web_app: Web):
    client = await sign_up_organisation(web_app)
    token = await csrf_of(client, "/t/aachen/org/needs/new")
    response = await client.post(
        "/t/aachen/org/needs/new",
        data={"csrf": token, **need_form(web_app, place="52066", action="preview")},
    )
    assert response.status_code == 200
    assert "Gefunden:" in response.text and "50," in response.text
    async with web_app.app.db.sessions() as session:
        assert (await session.scalars(select(Need))).all() == []


async def test_weekly_need_with_an_end_date_can_be_extended(web_app: Web):
    client = await sign_up_organisation(web_app)
    weekly = dict(
        schedule="weekly",
        days=["di", "do"],
        weekly_start="15:00",
        weekly_end="17:00",
        date="",
        start="",
        end="",
    )
    need_id = await post_need(web_app, client, **weekly, valid_until="2027-01-31")
    need = await _need(web_app, need_id)
    assert need.recurrence == {"days": ["di", "do"], "from": "15:00", "to": "17:00"}
    until = need.valid_until
    assert until is not None
    await _publish(web_app, need_id)
    page = await client.get(f"/t/aachen/org/needs/{need_id}")
    assert f"/org/needs/{need_id}/extend" in page.text
    token = await csrf_of(client, f"/t/aachen/org/needs/{need_id}")
    response = await client.post(f"/t/aachen/org/needs/{need_id}/extend", data={"csrf": token})
    assert response.headers["location"].endswith("notice=extend")
    assert (await _need(web_app, need_id)).valid_until == until + timedelta(weeks=4)

    # Without an end date it runs until it is closed: nothing to extend.
    open_ended = await post_need(web_app, client, **weekly)
    await _publish(web_app, open_ended)
    page = await client.get(f"/t/aachen/org/needs/{open_ended}")
    assert f"/org/needs/{open_ended}/extend" not in page.text
    response = await client.post(f"/t/aachen/org/needs/{open_ended}/extend", data={"csrf": token})
    assert response.headers["location"].endswith("notice=not_possible")
    assert (await _need(web_app, open_ended)).valid_until is None


async def test_edit_changes_the_need_and_keeps_it_the_same_row(web_app: Web):
    client = await sign_up_organisation(web_app)
    need_id = await post_need(web_app, client)
    form = await client.get(f"/t/aachen/org/needs/{need_id}/edit")
    assert 'value="Helfende für die Tafel-Ausgabe"' in form.text
    token = await csrf_of(client, f"/t/aachen/org/needs/{need_id}/edit")
    response = await client.post(
        f"/t/aachen/org/needs/{need_id}/edit",
        data={"csrf": token, **need_form(web_app, title="Tafel: Ausgabe am Samstag", helpers="5")},
    )
    assert response.status_code == 303
    need = await _need(web_app, need_id)
    assert (need.title, need.helpers_wanted) == ("Tafel: Ausgabe am Samstag", 5)


async def test_another_organisation_gets_403_on_every_need_route(web_app: Web):
    owner = await sign_up_organisation(web_app)
    need_id = await post_need(web_app, owner)
    other = await sign_up_organisation(
        web_app, email="sport@example.org", name="TSV", client=web_app.new_client()
    )
    assert (await other.get(f"/t/aachen/org/needs/{need_id}")).status_code == 403
    assert (await other.get(f"/t/aachen/org/needs/{need_id}/edit")).status_code == 403
    token = await csrf_of(other, "/t/aachen/org/")
    for path in (
        f"/t/aachen/org/needs/{need_id}/cancel",
        f"/t/aachen/org/needs/{need_id}/reopen",
        f"/t/aachen/org/needs/{need_id}/edit",
        f"/t/aachen/org/needs/{need_id}/signups/1/accept",
    ):
        assert (await other.post(path, data={"csrf": token})).status_code == 403, path
    assert (await _need(web_app, need_id)).status == NeedStatus.PENDING_REVIEW


async def test_member_of_aachen_cannot_use_the_stolberg_area(web_app: Web):
    client = await sign_up_organisation(web_app)
    assert (await client.get("/t/stolberg/org/")).status_code == 403


async def test_signups_show_first_names_and_accept_tells_the_volunteer(web_app: Web):
    notifier = RecordingNotifier("telegram")
    web_app.app.notifiers["telegram"] = notifier
    client = await sign_up_organisation(web_app)
    need_id = await post_need(web_app, client)
    await _publish(web_app, need_id)
    luisa = await _volunteer(web_app, "telegram:111", "Luisa")
    result = await sign_up(web_app.app.db, luisa, need_id, web_app.clock.now())
    page = await client.get(f"/t/aachen/org/needs/{need_id}")
    assert "Luisa" in page.text and "angemeldet" in page.text
    token = await csrf_of(client, f"/t/aachen/org/needs/{need_id}")
    response = await client.post(
        f"/t/aachen/org/needs/{need_id}/signups/{result.engagement_id}/accept", data={"csrf": token}
    )
    assert response.headers["location"].endswith("notice=accept")
    assert notifier.sent == []  # nothing from the request: the outbox tells her
    await web_app.deliver()
    assert [(t, i) for t, i, _ in notifier.sent] == [("aachen", "telegram:111")]
    assert "Aachener Tafel" in notifier.sent[0][2][0].text


async def test_relayed_message_reaches_the_chat_and_the_reply_comes_back(web_app: Web):
    notifier = RecordingNotifier("telegram")
    web_app.app.notifiers["telegram"] = notifier
    client = await sign_up_organisation(web_app)
    need_id = await post_need(web_app, client)
    await _publish(web_app, need_id)
    luisa = await _volunteer(web_app, "telegram:111", "Luisa")
    result = await sign_up(web_app.app.db, luisa, need_id, web_app.clock.now())
    token = await csrf_of(client, f"/t/aachen/org/needs/{need_id}")
    response = await client.post(
        f"/t/aachen/org/needs/{need_id}/signups/{result.engagement_id}/message",
        data={"csrf": token, "body": "Bitte <feste> Schuhe mitbringen"},
    )
    assert response.headers["location"].endswith("notice=message_sent")
    assert notifier.sent == []  # stored with its outbox row; delivery sends it
    await web_app.deliver()
    [(_, _, [reply])] = notifier.sent
    assert "Bitte &lt;feste&gt; Schuhe mitbringen" in reply.text
    assert reply.buttons[0].payload.startswith("relay:")
    # The volunteer answers in the chat (the dialogue engine calls record_reply).
    org_id = await record_reply(web_app.app.db, luisa, "Mache ich!", now=web_app.clock.now())
    assert org_id is not None
    inbox = await client.get("/t/aachen/org/inbox")
    assert "Mache ich!" in inbox.text and "Von Luisa" in inbox.text
    # The reply's e-mail copy was queued with it; the sender delivers it once.
    mails = await web_app.mails()
    assert "Mache ich!" in mails[-1].get_payload(decode=True).decode()
    assert (await web_app.sender.run_once()).sent == 0
    assert len(await web_app.mails()) == len(mails)


async def test_cancel_tells_every_signed_up_volunteer(web_app: Web):
    notifier = RecordingNotifier("telegram")
    web_app.app.notifiers["telegram"] = notifier
    client = await sign_up_organisation(web_app)
    need_id = await post_need(web_app, client)
    await _publish(web_app, need_id)
    for n, name in enumerate(("Luisa", "Heinrich")):
        person = await _volunteer(web_app, f"telegram:{n}", name)
        await sign_up(web_app.app.db, person, need_id, web_app.clock.now())
    token = await csrf_of(client, f"/t/aachen/org/needs/{need_id}")
    response = await client.post(f"/t/aachen/org/needs/{need_id}/cancel", data={"csrf": token})
    assert response.headers["location"].endswith("notice=cancel")
    assert (await _need(web_app, need_id)).status == NeedStatus.CANCELLED
    await web_app.deliver()
    assert sorted(i for _, i, _ in notifier.sent) == ["telegram:0", "telegram:1"]


async def test_cancelling_a_need_nobody_signed_up_for_speaks_of_nobody_told(web_app: Web):
    client = await sign_up_organisation(web_app)
    need_id = await post_need(web_app, client)
    await _publish(web_app, need_id)
    token = await csrf_of(client, f"/t/aachen/org/needs/{need_id}")
    response = await client.post(f"/t/aachen/org/needs/{need_id}/cancel", data={"csrf": token})
    assert response.headers["location"].endswith("notice=cancel_nobody")
    page = await client.get(response.headers["location"])
    assert "Der Bedarf ist abgesagt.</p>" in page.text  # no word of anybody told


async def test_message_to_a_web_chat_volunteer_lands_in_their_transcript(web_app: Web):
    client = await sign_up_organisation(web_app)
    need_id = await post_need(web_app, client)
    await _publish(web_app, need_id)
    amira = await _volunteer(web_app, "web:abc", "Amira")
    result = await sign_up(web_app.app.db, amira, need_id, web_app.clock.now())
    token = await csrf_of(client, f"/t/aachen/org/needs/{need_id}")
    await client.post(
        f"/t/aachen/org/needs/{need_id}/signups/{result.engagement_id}/message",
        data={"csrf": token, "body": "Treffpunkt am Eingang"},
    )
    await web_app.deliver()
    from core.services.web_chat import transcript

    lines = await transcript(web_app.app.db, "web:abc", "aachen")
    assert "Treffpunkt am Eingang" in lines[-1].html
    async with web_app.app.db.sessions() as session:
        assert (await session.scalars(select(RelayMessage.delivered))).all() == [True]


async def test_offers_can_be_posted_listed_and_withdrawn(web_app: Web):
    client = await sign_up_organisation(web_app, name="Autohaus Müller")
    token = await csrf_of(client, "/t/aachen/org/offers/new")
    bad = await client.post(
        "/t/aachen/org/offers/new",
        data={"csrf": token, "title": "", "kind": "resource", "description": "9-Sitzer"},
    )
    assert bad.status_code == 400 and "9-Sitzer" in bad.text
    ok = await client.post(
        "/t/aachen/org/offers/new",
        data={
            "csrf": token,
            "title": "Transporter am Wochenende",
            "kind": "resource",
            "place": "Brand",
        },
    )
    assert ok.status_code == 303
    assert "Transporter am Wochenende" in (await web_app.client.get("/t/aachen/offers")).text
    page = await client.get("/t/aachen/org/offers")
    offer_id = int(re.search(r"/org/offers/(\d+)/withdraw", page.text).group(1))  # type: ignore[union-attr]
    await client.post(f"/t/aachen/org/offers/{offer_id}/withdraw", data={"csrf": token})
    assert "Transporter am Wochenende" not in (await web_app.client.get("/t/aachen/offers")).text


async def test_invite_code_links_a_chat_person_to_the_organisation(web_app: Web):
    client = await sign_up_organisation(web_app)
    token = await csrf_of(client, "/t/aachen/org/invite")
    await client.post("/t/aachen/org/invite", data={"csrf": token, "action": "create"})
    page = await client.get("/t/aachen/org/invite")
    code = page.text.split('<code class="code">')[1].split("<")[0]
    assert code.startswith("org_")
    assert f"https://t.me/AachenEngagementBot?start={code}" in page.text
    # the page's own texts, not the editor invitation's or raw keys
    assert "Chat mit Ihrer Organisation verbinden" in page.text
    assert f"Oder im Chat senden: /start {code}" in page.text
    assert "invite." not in page.text
    person = await _volunteer(web_app, "telegram:5", "Petra")
    redeemed = await redeem(web_app.app.db, code, person, web_app.clock.now())
    assert redeemed.organisation == "Aachener Tafel" and not redeemed.already_member


async def _publish(web: Web, need_id: int) -> None:
    from core.services.needs import moderate

    await moderate(
        web.app.db, need_id, approve=True, reason=None, actor="test", now=web.clock.now()
    )


async def test_the_needs_list_counts_places_taken_and_shows_the_waitlist(web_app: Web):
    client = await sign_up_organisation(web_app)
    need_id = await post_need(web_app, client, helpers="1")
    await _publish(web_app, need_id)
    for i, name in enumerate(("Luisa", "Heinrich")):
        person = await _volunteer(web_app, f"telegram:{200 + i}", name)
        await sign_up(web_app.app.db, person, need_id, web_app.clock.now())
    page = await client.get("/t/aachen/org/")
    row = page.text.split(f"/org/needs/{need_id}")[1].split("</tr>")[0]
    assert "1 von 1 (+1 auf der Warteliste)" in row, row


async def test_editing_a_published_need_keeps_its_public_page_until_the_change_is_approved(
    web_app: Web,
):
    """QA: an edit of a published need with a sign-up made /needs/<id> 404."""
    from tests.bots.web.helpers import log_in_editor

    client = await sign_up_organisation(web_app)
    need_id = await post_need(web_app, client)
    await _publish(web_app, need_id)
    person = await _volunteer(web_app, "telegram:7", "Luisa")
    await sign_up(web_app.app.db, person, need_id, web_app.clock.now())
    token = await csrf_of(client, f"/t/aachen/org/needs/{need_id}/edit")
    response = await client.post(
        f"/t/aachen/org/needs/{need_id}/edit",
        data={"csrf": token, **need_form(web_app, start="17:30", end="19:30")},
    )
    assert response.headers["location"].endswith("notice=change_pending")
    page = await client.get(response.headers["location"])
    assert "bisherigen Fassung" in page.text and "Geändert wird: Zeit." in page.text
    assert "10:00" in page.text  # the live version, as the public sees it
    dashboard = await client.get("/t/aachen/org/")
    assert "Änderung wartet auf die Redaktion" in dashboard.text
    public = await client.get(f"/t/aachen/needs/{need_id}")
    assert public.status_code == 200 and "10:00" in public.text

    editor = await log_in_editor(web_app)
    queue = await editor.get("/t/aachen/editor/")
    assert (
        "Änderung eines veröffentlichten Bedarfs" in queue.text and "Geändert: Zeit" in queue.text
    )
    token = await csrf_of(editor, "/t/aachen/editor/")
    await editor.post(f"/t/aachen/editor/needs/{need_id}/approve", data={"csrf": token})
    public = await client.get(f"/t/aachen/needs/{need_id}")
    assert public.status_code == 200 and "17:30" in public.text


async def test_a_need_marked_filled_early_can_be_reopened_until_its_date(web_app: Web):
    client = await sign_up_organisation(web_app)
    need_id = await post_need(web_app, client)  # in four days, 10–14
    await _publish(web_app, need_id)
    page = await client.get(f"/t/aachen/org/needs/{need_id}")
    assert f"/org/needs/{need_id}/reopen" not in page.text
    token = await csrf_of(client, f"/t/aachen/org/needs/{need_id}")
    await client.post(f"/t/aachen/org/needs/{need_id}/fill", data={"csrf": token})
    page = await client.get(f"/t/aachen/org/needs/{need_id}")
    assert f"/org/needs/{need_id}/reopen" in page.text and "Wieder öffnen" in page.text

    response = await client.post(f"/t/aachen/org/needs/{need_id}/reopen", data={"csrf": token})
    assert response.headers["location"].endswith("notice=reopen")
    assert (await _need(web_app, need_id)).status == NeedStatus.PUBLISHED

    await client.post(f"/t/aachen/org/needs/{need_id}/fill", data={"csrf": token})
    web_app.clock.set(web_app.clock.now() + timedelta(days=5))
    page = await client.get(f"/t/aachen/org/needs/{need_id}")
    assert f"/org/needs/{need_id}/reopen" not in page.text
    response = await client.post(f"/t/aachen/org/needs/{need_id}/reopen", data={"csrf": token})
    assert response.headers["location"].endswith("notice=reopen_past")
    assert (await _need(web_app, need_id)).status == NeedStatus.FILLED
