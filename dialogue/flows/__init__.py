"""The flows: forms with slots (``form.py``), one module per flow.

Each flow module registers what it handles (``dialogue/registry.py``) when
it is imported; ``load_flows`` imports every module of this package when an
engine is built (nothing is routed at import), so adding a flow is adding
its module (and its texts; its command, if any, in dialogue/commands.py).
"""

from __future__ import annotations

import importlib
import pkgutil


def flow_modules() -> list[str]:
    """The modules of this package, in name order."""
    return sorted(info.name for info in pkgutil.iter_modules(__path__) if not info.ispkg)


def load_flows() -> None:
    """Import every flow module once, so their routes are registered."""
    for name in flow_modules():
        importlib.import_module(f"{__name__}.{name}")


__all__ = ["flow_modules", "load_flows"]
