"""Keeping every open page in step with the shared game.

Why a watching thread per page: a change made on the facilitator's screen happens in
another connection's context, where this page's state cannot be set. Each page instead
runs a small thread (Solara's `use_thread`, in the page's own context) that waits on the
hub's revision and copies it into `revision`, a reactive variable Solara keeps per
connection. Every component that shows the game calls `follow()`, which reads it, so
Solara redraws exactly those components within a fraction of a second of any change, and
their own choices (a selected dyad, a half-typed reason) survive the redraw. The plenary's
and the facilitator's pages are drawn first; the teams' and analysts' pages follow once
those are drawn (`Hub.wait_for_front`).
"""

from __future__ import annotations

import threading

import solara

from sim.seminar.web.hub import Hub

#: How long a watcher sleeps between looks at its cancel flag (seconds).
WAKE = 0.5

#: The hub revision this connection has seen (one value per browser tab).
revision = solara.reactive(0)


def follow() -> int:
    """Subscribe the calling component to the game: it redraws when the game changes."""
    return revision.value


def use_watch(hub: Hub, role: str) -> None:
    """Start this page's watcher (once per page, in its top component). The hub counts it
    as an open page of ``role`` until the page's connection is dropped: Solara closes a
    disconnected page's context after its kernel cull timeout (`sim seminar --drop-after`),
    which cancels the watcher, and the page stops costing the server anything."""

    def watch(cancel: threading.Event) -> None:
        key = hub.page_opened(role)
        try:
            seen = hub.revision
            revision.value = seen
            hub.drawn(key, seen)
            while not cancel.is_set():
                now = hub.wait(seen, WAKE)
                if now != seen:
                    hub.wait_for_front(role, now)  # the projector and White's screen first
                    seen = hub.revision  # the latest: what changed while this page waited
                    # Solara draws the page in this thread, within this assignment
                    revision.value = seen
                    hub.drawn(key, seen)
        finally:
            hub.page_closed(key)

    solara.use_thread(watch, dependencies=[], intrusive_cancel=False)


def use_typed(initial):
    """A form field's state, with its latest value readable at once: ``(value, set, latest)``.

    Why: a button's handler is the one of the page's last completed drawing. When the page
    is being redrawn (after each change of the game; a team's page waits its turn, see
    `Hub.wait_for_front`), a value typed just before the click has reached the field's
    handler but not yet a drawing, and the handler would send the old value. ``latest()``
    is the value as last typed, whatever has been drawn.
    """
    value, set_value = solara.use_state(initial)
    ref = solara.use_ref(initial)

    def set_both(new) -> None:
        ref.current = new
        set_value(new)

    return value, set_both, lambda: ref.current
