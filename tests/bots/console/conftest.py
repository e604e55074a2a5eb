"""A small scripted engine for the console's own tests (no NLU, no database)."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from dialogue.messages import Incoming, Reply


@dataclass
class ScriptedEngine:
    """Answers each event with the next scripted replies and records the events."""

    script: list[list[Reply]]
    seen: list[Incoming] = field(default_factory=list)

    async def handle(self, incoming: Incoming) -> list[Reply]:
        self.seen.append(incoming)
        return self.script.pop(0) if self.script else [Reply("…")]


@pytest.fixture
def scripted() -> type[ScriptedEngine]:
    """The scripted engine class: ``scripted([[Reply(...)], ...])``."""
    return ScriptedEngine
