"""The Redaktion reads the feedback people sent the bot (issue 14.7): one
page per tenant, newest first; anonymised rows show as such. Editors of
this tenant only (``require_editor``: 403 for everyone else)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bots.web.pages import render, require_editor, texts, web
from core.services.feedback import list_feedback


async def feedback_list(request: Request) -> Response:
    editor = await require_editor(request)
    t = texts(request, editor.tenant)
    items = await list_feedback(web(request).app.db, editor.tenant_id)
    return await render(
        request,
        "editor/feedback.html",
        {
            "items": [
                {
                    "when": t.when(i.created_at),
                    "channel": i.channel,
                    "body": i.body,
                    "anonymised": i.anonymised,
                }
                for i in items
            ]
        },
        tenant=editor.tenant,
        title_key="feedback_page.title",
    )


routes = [Route("/t/{tenant}/editor/feedback", feedback_list, methods=["GET"])]
