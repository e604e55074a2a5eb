"""Editors in the loop: needs waiting for review are e-mailed to the tenant's
editors, bundled at most every 15 minutes (urgent ones of unverified
organisations at once); editors verify, suspend and reactivate organisations;
an urgent need of a verified organisation publishes at once and alerts."""

from __future__ import annotations

import re
from datetime import timedelta
from email.header import decode_header, make_header
from email.message import Message
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bots.web import ensure_demo_editor
from core.errors import OrganisationSuspended
from core.models import Need, NeedStatus, Organisation, Reminder
from core.services import mail_queue
from core.services.needs import NeedInput
from core.services.needs import post_need as post_need_service
from tests.bots.web.conftest import Web
from tests.bots.web.helpers import (
    csrf_of,
    log_in_editor,
    need_form,
    post_need,
    sign_up_organisation,
)
from tests.fakes import RecordingNotifier

AACHEN_EDITOR, STOLBERG_EDITOR = "redaktion@aachen.demo", "redaktion@stolberg.demo"


def _to(mails: list[Message], address: str) -> list[Message]:
    return [m for m in mails if m["To"] == address]


def _subjects(mails: list[Message]) -> list[str]:
    return [str(make_header(decode_header(m["Subject"]))) for m in mails]


def _body(message: Message) -> str:
    return message.get_payload(decode=True).decode()  # type: ignore[union-attr]


async def _editors(web: Web) -> None:
    await ensure_demo_editor(web.app, "aachen")
    await ensure_demo_editor(web.app, "stolberg")


async def _org_id(web: Web, name: str = "Aachener Tafel") -> int:
    async with web.app.db.sessions() as session:
        org_id = await session.scalar(select(Organisation.id).where(Organisation.name == name))
    assert org_id is not None
    return int(org_id)


async def _need(web: Web, need_id: int) -> Need:
    async with web.app.db.sessions() as session:
        need = await session.get(Need, need_id)
    assert need is not None
    return need


async def test_waiting_needs_reach_the_editors_bundled_at_most_every_15_minutes(web_app: Web):
    await _editors(web_app)
    org = await sign_up_organisation(web_app)
    await post_need(web_app, org, title="Tafel-Ausgabe am Samstag")
    mails = _to(await web_app.mails(), AACHEN_EDITOR)
    assert _subjects(mails) == ["Ein neuer Bedarf wartet auf Freigabe – Engagement-Bot Aachen"]
    assert "http://testserver/t/aachen/editor/" in _body(mails[0])
    first_sent = web_app.clock.now()

    # Two more within the quarter hour: nothing now, one bundle later.
    for minutes, title in ((4, "Kuchen backen"), (9, "Kisten tragen")):
        web_app.clock.set(first_sent + timedelta(minutes=minutes))
        await post_need(web_app, org, title=title)
        assert len(_to(await web_app.mails(), AACHEN_EDITOR)) == 1
    web_app.clock.set(first_sent + timedelta(minutes=14, seconds=59))
    assert len(_to(await web_app.mails(), AACHEN_EDITOR)) == 1
    web_app.clock.set(first_sent + timedelta(minutes=15))
    mails = _to(await web_app.mails(), AACHEN_EDITOR)
    assert _subjects(mails)[1:] == ["3 neue Bedarfe warten auf Freigabe – Engagement-Bot Aachen"]
    assert "jetzt 3 Bedarfe" in _body(mails[1])
    # Another municipality's editors hear nothing of Aachen's needs.
    assert _to(await web_app.mails(), STOLBERG_EDITOR) == []


async def test_a_bundle_whose_needs_were_all_reviewed_meanwhile_is_not_sent(web_app: Web):
    await _editors(web_app)
    org = await sign_up_organisation(web_app)
    await post_need(web_app, org)
    assert len(_to(await web_app.mails(), AACHEN_EDITOR)) == 1
    web_app.clock.advance(timedelta(minutes=2))
    need_id = await post_need(web_app, org, title="Zweiter Bedarf")
    editor = await log_in_editor(web_app)
    token = await csrf_of(editor, "/t/aachen/editor/")
    for pending in await _pending(web_app):
        await editor.post(f"/t/aachen/editor/needs/{pending}/approve", data={"csrf": token})
    assert (await _need(web_app, need_id)).status == NeedStatus.PUBLISHED
    web_app.clock.advance(timedelta(minutes=20))
    result = await web_app.sender.run_once()
    assert result.dropped == 1 and result.sent == 0
    assert len(_to(await web_app.mails(), AACHEN_EDITOR)) == 1


async def _pending(web: Web) -> list[int]:
    async with web.app.db.sessions() as session:
        return list(
            (
                await session.scalars(
                    select(Need.id).where(Need.status == NeedStatus.PENDING_REVIEW)
                )
            ).all()
        )


async def test_an_urgent_need_of_an_unverified_organisation_is_told_at_once(web_app: Web):
    await _editors(web_app)
    org = await sign_up_organisation(web_app)
    await post_need(web_app, org)  # the bundle goes out now …
    assert len(_to(await web_app.mails(), AACHEN_EDITOR)) == 1
    web_app.clock.advance(timedelta(minutes=1))
    need_id = await post_need(web_app, org, title="Sandsäcke füllen", urgent="on")
    assert (await _need(web_app, need_id)).status == NeedStatus.PENDING_REVIEW
    mails = _to(await web_app.mails(), AACHEN_EDITOR)  # … and the urgent one does not wait
    assert _subjects(mails)[1:] == [
        "Dringend: „Sandsäcke füllen“ wartet auf Freigabe – Engagement-Bot Aachen"
    ]
    assert "Aachener Tafel sucht dringend Helfende" in _body(mails[1])


async def test_an_urgent_need_of_a_verified_organisation_publishes_and_alerts_at_once(
    web_app: Web,
):
    await _editors(web_app)
    org = await sign_up_organisation(web_app)
    editor = await log_in_editor(web_app)
    token = await csrf_of(editor, "/t/aachen/editor/organisations")
    response = await editor.post(
        "/t/aachen/editor/organisations",
        data={"csrf": token, "id": await _org_id(web_app), "action": "verify"},
    )
    assert response.status_code == 303
    page = await editor.get("/t/aachen/editor/organisations")
    assert "geprüft" in page.text and "Geprüfte Organisationen dürfen" in page.text

    token = await csrf_of(org, "/t/aachen/org/needs/new")
    response = await org.post(
        "/t/aachen/org/needs/new",
        data={"csrf": token, **need_form(web_app, title="Sandsäcke füllen", urgent="on")},
    )
    assert response.headers["location"].endswith("notice=published")
    need_id = int(response.headers["location"].split("/needs/")[1].split("?")[0])
    need = await _need(web_app, need_id)
    assert need.status == NeedStatus.PUBLISHED and need.published_at == web_app.clock.now()
    async with web_app.app.db.sessions() as session:
        waves = (
            await session.scalars(
                select(Reminder.kind).where(
                    Reminder.need_id == need_id, Reminder.kind == "alert_wave"
                )
            )
        ).all()
    assert waves == ["alert_wave"]
    assert (await web_app.client.get(f"/t/aachen/needs/{need_id}")).status_code == 200
    # Nothing waits, so the editors are not asked; a normal need still waits.
    assert _to(await web_app.mails(), AACHEN_EDITOR) == []
    other = await post_need(web_app, org, title="Regale einräumen")
    assert (await _need(web_app, other)).status == NeedStatus.PENDING_REVIEW


async def test_a_suspended_organisation_cannot_post_or_log_in_until_reactivated(web_app: Web):
    await _editors(web_app)
    org = await sign_up_organisation(web_app)
    editor = await log_in_editor(web_app)
    org_id = await _org_id(web_app)
    form_token = await csrf_of(org, "/t/aachen/org/needs/new")  # the form was open
    token = await csrf_of(editor, "/t/aachen/editor/organisations")
    await editor.post(
        "/t/aachen/editor/organisations", data={"csrf": token, "id": org_id, "action": "suspend"}
    )
    assert "Wieder freischalten" in (await editor.get("/t/aachen/editor/organisations")).text

    # The open session ends in a friendly page, and nothing is posted.
    posted = await org.post(
        "/t/aachen/org/needs/new", data={"csrf": form_token, **need_form(web_app)}
    )
    assert posted.status_code == 403 and "Ihre Organisation ist derzeit gesperrt" in posted.text
    assert await _pending(web_app) == []
    assert (await org.get("/t/aachen/org/needs/new")).status_code == 303  # session ended
    # Logging in again shows the same page and starts no session.
    fresh = web_app.new_client()
    token = await csrf_of(fresh, "/t/aachen/login")
    login = await fresh.post(
        "/t/aachen/login",
        data={
            "csrf": token,
            "email": "tafel@example.org",
            "password": "sicheres-passwort-1",
            "next": "",
        },
    )
    assert login.status_code == 403 and "gesperrt" in login.text
    assert (await fresh.get("/t/aachen/org/")).status_code == 303  # to the log-in
    # In the chat (posting a need by message) the service refuses too.
    tz = web_app.app.tenants["aachen"].timezone

    try:
        await post_need_service(
            web_app.app.db,
            organisation_id=org_id,
            data=NeedInput(
                title="Per Chat",
                category="soziales",
                remote=True,
                starts_at=web_app.clock.now() + timedelta(days=2),
                ends_at=web_app.clock.now() + timedelta(days=2, hours=2),
            ),
            taxonomy=web_app.app.taxonomy,
            places=web_app.app.places,
            now=web_app.clock.now(),
            tz=ZoneInfo(tz),
            actor="person:1",
        )
    except OrganisationSuspended:
        pass
    else:
        raise AssertionError("a suspended organisation posted through the chat")

    token = await csrf_of(editor, "/t/aachen/editor/organisations")
    await editor.post(
        "/t/aachen/editor/organisations",
        data={"csrf": token, "id": org_id, "action": "reactivate"},
    )
    token = await csrf_of(fresh, "/t/aachen/login")
    login = await fresh.post(
        "/t/aachen/login",
        data={
            "csrf": token,
            "email": "tafel@example.org",
            "password": "sicheres-passwort-1",
            "next": "",
        },
    )
    assert login.status_code == 303
    assert await post_need(web_app, fresh) > 0
    audit = await editor.get("/t/aachen/editor/audit")
    assert "Organisation gesperrt" in audit.text and "wieder freigeschaltet" in audit.text


async def test_another_tenants_editor_cannot_suspend(web_app: Web):
    await sign_up_organisation(web_app)
    stolberg = await log_in_editor(web_app, "stolberg")
    token = await csrf_of(stolberg, "/t/stolberg/editor/organisations")
    org_id = await _org_id(web_app)
    for slug in ("stolberg", "aachen"):
        response = await stolberg.post(
            f"/t/{slug}/editor/organisations",
            data={"csrf": token, "id": org_id, "action": "suspend"},
        )
        assert response.status_code == 403
    async with web_app.app.db.sessions() as session:
        org = await session.get(Organisation, org_id)
    assert org is not None and org.suspended_at is None


async def test_mail_counts_for_metrics(web_app: Web):
    await sign_up_organisation(web_app)
    counts = await mail_queue.counts(web_app.app.db)
    assert (counts.sent, counts.pending, counts.parked, counts.failed_attempts) == (1, 0, 0, 0)


async def test_an_editor_who_linked_a_chat_gets_the_notices_there_too(web_app: Web):
    from core.reminders.delivery import deliver_due
    from dialogue.notifications import ChannelSender, Renderer
    from tests.dialogue.harness import Conversation
    from tests.dialogue.test_reminder_answers import onboard

    await _editors(web_app)
    editor = await log_in_editor(web_app)
    assert "Noch kein Chat verbunden" in (await editor.get("/t/aachen/editor/chat")).text
    token = await csrf_of(editor, "/t/aachen/editor/chat")
    page = await editor.post("/t/aachen/editor/chat", data={"csrf": token})
    code = re.search(r"/start (ed_[0-9a-f]+)", page.text)
    assert code, page.text
    assert "https://t.me/AachenEngagementBot?start=" + code.group(1) in page.text

    chat = Conversation(web_app.app, identity="telegram:4711")
    await onboard(chat)
    await chat.command("start", code.group(1))
    assert "Hinweise der Redaktion" in chat.text
    assert "Dein Chat ist verbunden" not in chat.text
    assert "Ihr Chat ist verbunden" in (await editor.get("/t/aachen/editor/chat")).text
    await chat.command("start", code.group(1))  # a code works once
    assert "ungültig oder abgelaufen" in chat.text

    notifier = RecordingNotifier("telegram")
    sender = ChannelSender(
        Renderer(web_app.app.db, web_app.app.tenants), {"telegram": notifier}, web_app.clock
    )
    org = await sign_up_organisation(web_app)
    await post_need(web_app, org)
    await post_need(web_app, org, title="Sandsäcke füllen", urgent="on")
    await deliver_due(web_app.app.db, sender, web_app.clock.now())
    texts = [r.text for _, identity, replies in notifier.sent for r in replies]
    assert [i for _, i, _ in notifier.sent] == ["telegram:4711", "telegram:4711"]
    assert any("2 neue Bedarfe warten auf Freigabe" in t for t in texts), texts  # all that wait
    assert any("<b>Sandsäcke füllen</b> von Aachener Tafel ist dringend" in t for t in texts), texts
    # The next bundle waits a quarter of an hour and counts what still waits.
    await post_need(web_app, org, title="Kisten tragen")
    await deliver_due(web_app.app.db, sender, web_app.clock.now())
    assert len(notifier.sent) == 2
    web_app.clock.advance(timedelta(minutes=15))
    await deliver_due(web_app.app.db, sender, web_app.clock.now())
    assert "3 neue Bedarfe warten auf Freigabe" in notifier.sent[-1][2][0].text


async def test_a_need_switched_to_urgent_on_the_web_alerts_like_a_new_urgent_one(web_app: Web):
    """Issue 14.1: the edit form's "urgent" on a published need of a verified
    organisation publishes the change at once and starts the alert waves."""
    await _editors(web_app)
    org = await sign_up_organisation(web_app)
    editor = await log_in_editor(web_app)
    need_id = await post_need(web_app, org, title="Regale einräumen")
    token = await csrf_of(editor, "/t/aachen/editor/")
    await editor.post(f"/t/aachen/editor/needs/{need_id}/approve", data={"csrf": token})
    token = await csrf_of(editor, "/t/aachen/editor/organisations")
    await editor.post(
        "/t/aachen/editor/organisations",
        data={"csrf": token, "id": await _org_id(web_app), "action": "verify"},
    )
    assert (await _need(web_app, need_id)).status == NeedStatus.PUBLISHED

    async def waves() -> list[str]:
        async with web_app.app.db.sessions() as session:
            return list(
                (
                    await session.scalars(
                        select(Reminder.kind).where(
                            Reminder.need_id == need_id, Reminder.kind == "alert_wave"
                        )
                    )
                ).all()
            )

    assert await waves() == []
    token = await csrf_of(org, f"/t/aachen/org/needs/{need_id}/edit")
    response = await org.post(
        f"/t/aachen/org/needs/{need_id}/edit",
        data={"csrf": token, **need_form(web_app, title="Regale einräumen", urgent="on")},
    )
    assert response.status_code == 303 and response.headers["location"].endswith("notice=published")
    need = await _need(web_app, need_id)
    assert need.urgent and need.status == NeedStatus.PUBLISHED
    assert await waves() == ["alert_wave"]
