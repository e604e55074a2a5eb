"""A municipality gets its Redaktion without touching code: the operator
invites the first admin from the command line, the admin invites and manages
editors on the web; invitation links work once, in any process."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from pathlib import Path

import httpx
import pytest

from bots.bootstrap import bootstrap
from bots.web import create_app
from bots.web.app import mail_sender
from bots.web.mail import outbox_mails
from core.clock import FixedClock
from core.migrate import upgrade
from core.settings import Settings
from tests.bots.web.conftest import CSRF, Web, web_config

EHRENAMT = str(Path(sys.executable).with_name("ehrenamt"))
LINK = re.compile(r"http://testserver(/\S+)")


def _cli(tmp_path: Path, url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "EHRENAMT_DATA_DIR": str(tmp_path),
        "EHRENAMT_SECRET_KEY": "test-secret-key",  # as the web app below
        "EHRENAMT_PUBLIC_URL": "http://testserver",
        "EHRENAMT_OUTBOX_DIR": str(tmp_path / "outbox"),
    }
    return subprocess.run(
        [EHRENAMT, "editor", *args, "--db", url, "--lang", "en"],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )


async def _mails(web: Web) -> list:  # type: ignore[type-arg]
    """The mails so far, after the queue's sender delivered what waits."""
    await web.sender.run_once()
    return [message_from_bytes(p.read_bytes()) for p in outbox_mails(web.outbox)]


def _link(mail) -> str:  # type: ignore[no-untyped-def]
    body = mail.get_payload(decode=True).decode()
    return LINK.findall(body)[-1]


@pytest.fixture
async def migrated(tmp_path: Path, clock: FixedClock) -> AsyncIterator[tuple[Web, str]]:
    """The web app over a migrated SQLite file the command line can use too
    (on the real clock: the command line signs links with it)."""
    clock.set(datetime.now(UTC) + timedelta(minutes=5))
    url = f"sqlite+aiosqlite:///{tmp_path / 'team.db'}"
    await upgrade(url)
    app = await bootstrap(
        Settings.from_env({"EHRENAMT_DATA_DIR": str(tmp_path)}, database_url=url),
        clock=clock,
        migrate=False,
    )
    asgi = create_app(app, web_config(tmp_path))
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=asgi), base_url="http://testserver"
    ) as client:
        config = web_config(tmp_path)
        yield Web(app, asgi, client, tmp_path / "outbox", clock, mail_sender(app, config)), url
    await app.close()


async def _post(client: httpx.AsyncClient, page: str, path: str, data: dict) -> httpx.Response:  # type: ignore[type-arg]
    found = CSRF.search((await client.get(page)).text)
    assert found, page
    return await client.post(path, data={"csrf": found.group(1), **data})


async def _accept(web: Web, link: str, password: str = "redaktion-passwort-1") -> httpx.AsyncClient:
    client = web.new_client()
    page = await client.get(link)
    assert page.status_code == 200, page.text
    assert "Einladung in die Redaktion" in page.text and "editor_invite." not in page.text
    done = await _post(client, link, link, {"password": password, "password2": password})
    assert done.status_code == 303, done.text
    assert done.headers["location"] == "/t/aachen/editor/"
    return client


async def test_the_first_admin_comes_from_the_command_line(
    migrated: tuple[Web, str], tmp_path: Path
) -> None:
    web, url = migrated
    added = _cli(tmp_path, url, "add", "Leitung@Aachen.de", "--tenant", "aachen", "--role", "admin")
    assert added.returncode == 0, added.stderr
    assert "leitung@aachen.de" not in added.stderr
    listed = _cli(tmp_path, url, "list", "--tenant", "aachen")
    assert "leitung@aachen.de  admin  invited" in listed.stdout

    (mail,) = await _mails(web)
    assert mail["To"] == "leitung@aachen.de"
    link = _link(mail)
    assert link.startswith("/t/aachen/invite/")
    admin = await _accept(web, link)
    assert (await admin.get("/t/aachen/editor/team")).status_code == 200
    assert (
        "leitung@aachen.de  admin  active"
        in _cli(tmp_path, url, "list", "--tenant", "aachen").stdout
    )

    # The link worked once: here, and in a second process (another app on the same database).
    other = create_app(web.app, web_config(tmp_path))
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=other), base_url="http://testserver"
    ) as second:
        again = await second.get(link)
    assert again.status_code == 400
    assert (await web.new_client().get(link)).status_code == 400

    removed = _cli(tmp_path, url, "remove", "leitung@aachen.de", "--tenant", "aachen")
    assert removed.returncode == 0, removed.stderr
    assert "no editors" in _cli(tmp_path, url, "list", "--tenant", "aachen").stdout
    assert (await admin.get("/t/aachen/editor/")).status_code == 403
    unknown = _cli(tmp_path, url, "add", "x@y.de", "--tenant", "atlantis")
    assert unknown.returncode == 1 and "aachen" in unknown.stderr


async def test_an_invitation_link_is_dead_once_used_even_unfinished_twice(
    migrated: tuple[Web, str], tmp_path: Path
) -> None:
    web, url = migrated
    assert _cli(tmp_path, url, "add", "a@aachen.de", "--tenant", "aachen").returncode == 0
    link = _link((await _mails(web))[-1])
    first, second = web.new_client(), web.new_client()
    # Both open the form; only the first to submit sets the password.
    f1 = CSRF.search((await first.get(link)).text)
    f2 = CSRF.search((await second.get(link)).text)
    assert f1 and f2
    ok = await first.post(
        link,
        data={
            "csrf": f1.group(1),
            "password": "erstes-passwort-1",
            "password2": "erstes-passwort-1",
        },
    )
    late = await second.post(
        link,
        data={"csrf": f2.group(1), "password": "zweites-passwort", "password2": "zweites-passwort"},
    )
    assert ok.status_code == 303 and late.status_code == 400
    login = await _post(
        web.new_client(),
        "/t/aachen/login",
        "/t/aachen/login",
        {"email": "a@aachen.de", "password": "zweites-passwort", "next": ""},
    )
    assert login.status_code == 400  # the late password never took


async def test_an_admin_manages_the_redaktion_on_the_web(
    migrated: tuple[Web, str], tmp_path: Path
) -> None:
    web, url = migrated
    assert (
        _cli(
            tmp_path, url, "add", "chefin@aachen.de", "--tenant", "aachen", "--role", "admin"
        ).returncode
        == 0
    )
    admin = await _accept(web, _link((await _mails(web))[-1]))

    invited = await _post(
        admin,
        "/t/aachen/editor/team",
        "/t/aachen/editor/team",
        {"email": "neu@aachen.de", "role": "editor"},
    )
    assert invited.status_code == 303
    page = await admin.get(invited.headers["location"])
    assert "neu@aachen.de" in page.text and "Einladung geschickt" in page.text
    mail = (await _mails(web))[-1]
    assert mail["To"] == "neu@aachen.de" and "Redaktion" in mail["Subject"]
    editor = await _accept(web, _link(mail), "neues-passwort-1")
    assert (await editor.get("/t/aachen/editor/")).status_code == 200
    assert (await editor.get("/t/aachen/editor/team")).status_code == 403  # editors don't manage

    bad = await _post(
        admin,
        "/t/aachen/editor/team",
        "/t/aachen/editor/team",
        {"email": "kaputt", "role": "editor"},
    )
    assert bad.status_code == 400 and 'value="kaputt"' in bad.text

    who = _ids((await admin.get("/t/aachen/editor/team")).text)
    me, neu = who["chefin@aachen.de"], who["neu@aachen.de"]

    # The last admin cannot step down or remove themselves.
    alone = await _post(admin, "/t/aachen/editor/team", f"/t/aachen/editor/team/{me}/remove", {})
    assert alone.status_code == 400 and "mindestens eine Administration" in alone.text
    demote = await _post(
        admin, "/t/aachen/editor/team", f"/t/aachen/editor/team/{me}/role", {"role": "editor"}
    )
    assert demote.status_code == 400

    promoted = await _post(
        admin, "/t/aachen/editor/team", f"/t/aachen/editor/team/{neu}/role", {"role": "admin"}
    )
    assert promoted.status_code == 303
    assert (await editor.get("/t/aachen/editor/team")).status_code == 200  # now an admin
    left = await _post(admin, "/t/aachen/editor/team", f"/t/aachen/editor/team/{me}/remove", {})
    assert left.status_code == 303
    assert (await admin.get("/t/aachen/editor/")).status_code == 403

    # An admin of one tenant manages nobody in another.
    other = await _post(
        editor, "/t/aachen/editor/team", f"/t/stolberg/editor/team/{neu}/remove", {}
    )
    assert other.status_code == 403
    audit = (await editor.get("/t/aachen/editor/audit")).text
    assert "Redaktion eingeladen" in audit and "Aus der Redaktion entfernt" in audit


def _ids(page: str) -> dict[str, int]:
    """E-mail -> account id from the team table."""
    found: dict[str, int] = {}
    for row in re.findall(r"<tr>(.*?)</tr>", page, re.S):
        email = re.search(r"<td>([^<\s]+@[^<\s]+)", row)
        ident = re.search(r"/editor/team/(\d+)/role", row)
        if email and ident:
            found[email.group(1)] = int(ident.group(1))
    return found
