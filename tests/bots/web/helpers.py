"""Steps the web tests share: an organisation that signed up and verified,
an editor who logged in, a need posted through the form (the recording chat channel is
``tests.fakes.RecordingNotifier``)."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import httpx

from bots.web import ensure_demo_editor
from tests.bots.web.conftest import Web
from tests.fakes import RecordingNotifier as RecordingNotifier  # the shared fake, also named here

BERLIN = ZoneInfo("Europe/Berlin")


async def sign_up_organisation(
    web: Web,
    *,
    email: str = "tafel@example.org",
    name: str = "Aachener Tafel",
    tenant: str = "aachen",
    client: httpx.AsyncClient | None = None,
) -> httpx.AsyncClient:
    """Sign up, follow the e-mailed link; returns the logged-in client."""
    client = client or web.client
    token = await _csrf(client, f"/t/{tenant}/signup")
    response = await client.post(
        f"/t/{tenant}/signup",
        data={
            "csrf": token,
            "organisation": name,
            "kind": "verein",
            "contact_name": "Petra",
            "email": email,
            "password": "sicheres-passwort-1",
        },
    )
    assert response.status_code == 303, response.text
    verified = await client.get(await web.last_link())
    assert verified.status_code == 303
    return client


async def log_in_editor(
    web: Web, tenant: str = "aachen", client: httpx.AsyncClient | None = None
) -> httpx.AsyncClient:
    client = client or web.new_client()
    email, password = await ensure_demo_editor(web.app, tenant)
    token = await _csrf(client, f"/t/{tenant}/login")
    response = await client.post(
        f"/t/{tenant}/login", data={"csrf": token, "email": email, "password": password, "next": ""}
    )
    assert response.status_code == 303, response.text
    return client


def need_form(web: Web, **overrides: object) -> dict[str, object]:
    day = (web.clock.now().astimezone(BERLIN) + timedelta(days=4)).date().isoformat()
    data: dict[str, object] = {
        "title": "Helfende für die Tafel-Ausgabe",
        "description": "Lebensmittel ausgeben.",
        "category": "soziales",
        "where": "place",
        "place": "Burtscheid",
        "schedule": "once",
        "date": day,
        "start": "10:00",
        "end": "14:00",
        "helpers": "3",
        "action": "save",
    }
    data.update(overrides)
    return data


async def post_need(
    web: Web, client: httpx.AsyncClient, tenant: str = "aachen", **overrides: object
) -> int:
    token = await _csrf(client, f"/t/{tenant}/org/needs/new")
    response = await client.post(
        f"/t/{tenant}/org/needs/new", data={"csrf": token, **need_form(web, **overrides)}
    )
    assert response.status_code == 303, response.text
    return int(response.headers["location"].split("/needs/")[1].split("?")[0])


async def _csrf(client: httpx.AsyncClient, path: str) -> str:
    from tests.bots.web.conftest import CSRF

    page = await client.get(path)
    found = CSRF.search(page.text)
    assert found, f"no CSRF token on {path} ({page.status_code})"
    return found.group(1)


csrf_of = _csrf
