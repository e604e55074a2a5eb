"""The dialogue tests' app (demo seeded, NLU trained once per session)."""

from tests.dialogue.conftest import app

__all__ = ["app"]
