"""The seminar web app (Solara): facilitator, plenary and team views on one shared session.

`sim seminar SCENARIO` serves it on localhost with every front-end asset from a local
folder (see docs/decisions/0007-seminar-app-offline.md).
"""
