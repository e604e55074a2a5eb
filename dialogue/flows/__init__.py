"""The flows: forms with slots (``form.py``), one module per flow.

Each flow module registers what it handles (``dialogue/registry.py``) when
it is imported; ``FLOW_MODULES`` is the one list of them, imported by
``load_flows`` when an engine is built (nothing is routed at import).
"""

from __future__ import annotations

import importlib

# Adding a flow: its module here, its texts in data/texts, its command (if
# any) in dialogue/commands.py.
FLOW_MODULES: tuple[str, ...] = (
    "navigation",
    "onboarding",
    "matches",
    "search",
    "needs",
    "post_need",
    "reminders",
    "settings",
    "data",
)


def load_flows() -> None:
    """Import every flow module once, so their routes are registered."""
    for name in FLOW_MODULES:
        importlib.import_module(f"dialogue.flows.{name}")


__all__ = ["FLOW_MODULES", "load_flows"]
