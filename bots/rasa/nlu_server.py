"""``ehrenamt nlu serve``: our NLU behind Rasa's HTTP API, so a Rasa assistant
whose ``endpoints.yml`` says ``nlu: url: http://host:5005`` reads its users'
messages with our NLU (docs/rasa.md, "A Rasa assistant on our NLU").

Request, as Rasa's ``RasaNLUHttpInterpreter`` sends it:
``POST /model/parse {"text": "...", "message_id": "...", "lang": "de"?}``.
Answer, as ``rasa run --enable-api`` gives it: ``{"text", "intent": {"name",
"confidence"}, "entities": [{"entity", "value", "start", "end",
"confidence_entity", "extractor"}], "intent_ranking": [...]}`` plus our
``availability`` and ``spontaneous``. Message texts are never logged.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse
from starlette.routing import Route

from dialogue.nlu import NLU
from dialogue.nlu.nlu import MAX_TEXT

EXTRACTOR = "ehrenamt"


def rasa_shape(parse: dict[str, Any], message_id: str | None = None) -> dict[str, Any]:
    entities = [{**e, "confidence_entity": 1.0, "extractor": EXTRACTOR} for e in parse["entities"]]
    out = {**parse, "entities": entities}
    if message_id is not None:
        out["message_id"] = message_id
    return out


def create_nlu_app(
    nlu: NLU,
    default_lang: str = "de",
    timezone: str = "Europe/Berlin",
    districts: Mapping[str, tuple[float, float]] | None = None,
) -> Starlette:
    async def hello(_: Request) -> PlainTextResponse:
        return PlainTextResponse("ehrenamt-bot NLU (Rasa /model/parse)")

    async def status(_: Request) -> JSONResponse:
        return JSONResponse(
            {
                "model_file": f"ehrenamt-builtin-{'-'.join(nlu.languages)}",
                "num_active_training_jobs": 0,
            }
        )

    async def parse(request: Request) -> JSONResponse:
        try:
            body = await request.json()
        except ValueError:
            return _bad('the body must be JSON: {"text": "..."}')
        if not isinstance(body, dict) or not isinstance(body.get("text"), str):
            return _bad('the body needs a "text" string')
        text = body["text"][:MAX_TEXT]
        lang = str(body.get("lang") or request.query_params.get("lang") or default_lang)
        if lang not in nlu.languages:
            lang = default_lang
        result = nlu.parse(text, lang=lang, tz=timezone, districts=districts)
        message_id = body.get("message_id")
        return JSONResponse(
            rasa_shape(result.to_rasa(), str(message_id) if message_id is not None else None)
        )

    return Starlette(
        routes=[
            Route("/", hello),
            Route("/status", status),
            Route("/model/parse", parse, methods=["POST"]),
        ]
    )


def _bad(message: str) -> JSONResponse:
    # Rasa's own error shape for a bad request.
    return JSONResponse(
        {"version": "ehrenamt", "status": "failure", "reason": "BadRequest", "message": message,
         "code": 400},
        status_code=400,
    )  # fmt: skip
