"""A "Sie" municipality's people are never addressed with "du" on the web.

Every German web text (``data/texts/web/de.yml``) that speaks to the reader
with a du-form word has a Sie variant, no Sie variant says "du", and both
forms carry the same placeholders and markup. Stolberg (``address_form =
"Sie"``) shows its public pages and tells its volunteers in Sie; Aachen
("du") keeps the du wording.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from zoneinfo import ZoneInfo

from bots.web.i18n import WebTexts, catalogue
from core.services.needs import moderate
from core.services.people import register_with_consent
from core.services.signup import sign_up
from core.tenants import TenantConfig
from dialogue.texts import placeholders
from tests.bots.web.conftest import Web
from tests.bots.web.helpers import RecordingNotifier, csrf_of, post_need, sign_up_organisation

DU_WORDS = re.compile(r"\b(du|dich|dir|dein|deine|deinen|deinem|deiner|deines)\b", re.IGNORECASE)
TAG = re.compile(r"</?[a-z]+\b[^>]*>")
BERLIN = ZoneInfo("Europe/Berlin")


def _web_de() -> dict[str, Any]:
    return catalogue("de")


def test_every_du_text_has_a_sie_variant() -> None:
    missing = [
        key
        for key, value in _web_de().items()
        if not isinstance(value, Mapping) and DU_WORDS.search(str(value))
    ]
    missing += [
        key
        for key, value in _web_de().items()
        if isinstance(value, Mapping) and not value.get("Sie")
    ]
    assert not missing, f"data/texts/web/de.yml: du texts without a Sie variant: {missing}"


def test_no_sie_variant_says_du() -> None:
    slips = {
        key: DU_WORDS.findall(str(value["Sie"]))
        for key, value in _web_de().items()
        if isinstance(value, Mapping) and DU_WORDS.search(str(value.get("Sie", "")))
    }
    assert not slips, f"data/texts/web/de.yml: Sie variants with du-form words: {slips}"


def test_both_forms_have_the_same_placeholders_and_markup() -> None:
    for key, value in _web_de().items():
        if not isinstance(value, Mapping):
            continue
        assert set(value) == {"du", "Sie"}, key
        du, sie = str(value["du"]), str(value["Sie"])
        assert placeholders(du) == placeholders(sie), key
        assert sorted(TAG.findall(du)) == sorted(TAG.findall(sie)), key


def test_the_tenant_form_picks_the_variant(tenants: dict[str, TenantConfig]) -> None:
    stolberg, aachen = tenants["stolberg"], tenants["aachen"]
    assert (stolberg.address_form, aachen.address_form) == ("Sie", "du")
    sie = WebTexts("de", BERLIN, stolberg.address_form)
    du = WebTexts("de", BERLIN, aachen.address_form)
    slips = {key: sie(key) for key in sorted(_web_de()) if DU_WORDS.search(sie(key))}
    assert not slips, slips
    values = {"organisation": "Tafel", "need": "Ausgabe"}
    assert "freut sich auf Sie" in sie("notify.accepted", **values)
    assert "freut sich auf dich" in du("notify.accepted", **values)
    # English has no address forms; a German-only mapping still gives a text.
    assert "looking forward" in WebTexts("en", BERLIN, "Sie")("notify.accepted", **values)


def _words(html: str) -> str:
    """What a reader sees: text without tags, scripts or attributes."""
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", body)


async def _stolberg_need(web: Web) -> int:
    client = await sign_up_organisation(
        web, email="buergerhaus@example.org", name="Bürgerhaus Stolberg", tenant="stolberg"
    )
    return await post_need(web, client, tenant="stolberg", place="Atsch")


async def test_stolberg_public_pages_say_sie(web_app: Web):
    need_id = await _stolberg_need(web_app)
    for path in ("/t/stolberg/", f"/t/stolberg/needs/{need_id}", "/t/stolberg/chat"):
        page = await web_app.client.get(path, headers={"accept-language": "de"})
        assert page.status_code == 200, path
        seen = _words(page.text)
        assert not DU_WORDS.findall(seen), (path, DU_WORDS.findall(seen))
    need_page = await web_app.client.get(f"/t/stolberg/needs/{need_id}")
    assert "Melden Sie sich im Chat an" in need_page.text


async def _accept_a_volunteer(web: Web, tenant: str, name: str, place: str) -> RecordingNotifier:
    notifier = RecordingNotifier("telegram")
    web.app.extras["notifiers"]["telegram"] = notifier
    client = await sign_up_organisation(
        web, email=f"{tenant}@example.org", name=name, tenant=tenant
    )
    need_id = await post_need(web, client, tenant=tenant, place=place)
    if web.app.tenants[tenant].moderation_required:
        await moderate(
            web.app.db, need_id, approve=True, reason=None, actor="test", now=web.clock.now()
        )
    person = await register_with_consent(
        web.app.db,
        tenant_slug=tenant,
        identity=f"telegram:{tenant}",
        consent_version="2026-11",
        language="de",
        now=web.clock.now(),
        display_name="Heinrich",
    )
    result = await sign_up(web.app.db, person.id, need_id, web.clock.now())
    token = await csrf_of(client, f"/t/{tenant}/org/needs/{need_id}")
    response = await client.post(
        f"/t/{tenant}/org/needs/{need_id}/signups/{result.engagement_id}/accept",
        data={"csrf": token},
    )
    assert response.status_code == 303
    return notifier


async def test_stolberg_volunteer_is_told_in_sie(web_app: Web):
    notifier = await _accept_a_volunteer(web_app, "stolberg", "Bürgerhaus Stolberg", "Atsch")
    [(tenant, identity, [reply])] = notifier.sent
    assert (tenant, identity) == ("stolberg", "telegram:stolberg")
    assert "freut sich auf Sie" in reply.text
    assert not DU_WORDS.search(_words(reply.text))


async def test_aachen_volunteer_is_still_told_in_du(web_app: Web):
    notifier = await _accept_a_volunteer(web_app, "aachen", "Aachener Tafel", "Burtscheid")
    [(_, _, [reply])] = notifier.sent
    assert "freut sich auf dich" in reply.text
