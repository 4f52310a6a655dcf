"""The one error a seminar session raises for a move it cannot accept.

Why its own class: the web page and the terminal loop show the message to the room and
carry on; a `SessionError` is never a bug, always a refused request with what is allowed.
"""

from __future__ import annotations


class SessionError(ValueError):
    """A request the session refuses (wrong phase, unknown actor, missing reason, ...)."""
