"""Names instead of codes, in the user's language: regions, stages, indicators, projects,
programmes, rules and dictionary options (issue "A government-grade shell", item 7).

Templates reach these through ``FILTERS`` (Jinja filters) and ``HELPERS`` (globals), which
``app/views/shell/chrome.py`` and ``create_app`` register.
"""

from __future__ import annotations

FILTERS: dict = {}
HELPERS: dict = {}
