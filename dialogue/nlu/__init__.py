"""Natural language understanding: the built-in NLU and a remote Rasa option.

Nothing is trained at import; call ``NLU.train()`` once at start-up.
"""

from dialogue.nlu.nlu import LOW_CONFIDENCE, NLU
from dialogue.nlu.places import PlaceFinder
from dialogue.nlu.result import Entity, ParseResult

__all__ = ["LOW_CONFIDENCE", "NLU", "Entity", "ParseResult", "PlaceFinder"]
