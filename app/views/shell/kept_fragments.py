"""Parts of FAB's pages that are rendered the same for many requests, kept per process.

The search form: on every list page FAB renders every filter field of the view, and a
relation field renders a select with every row of the related table (regions,
activities, ...), then writes them all into the page as JSON (60 KB on the submissions
list): a third of a list request's time (docs/PERFORMANCE.md, load test). The form
depends only on the view, the language, the active filters and, to be safe should a view
ever narrow its options per user, the user's scope. So it is kept per process, rendered,
for ``SEARCH_FIELDS_CACHE_SECONDS``, with a mark where the response's CSP nonce goes; a
new option (an activity created a moment ago) shows once it expires.

The sidebar (app/views/shell/navigation.py) is kept here too, per role set and language.
"""

from __future__ import annotations

from flask import current_app
from flask_appbuilder.widgets import RenderTemplateWidget, SearchWidget
from flask_caching import Cache
from markupsafe import Markup

from app.i18n import current_language
from app.security.headers import csp_nonce
from app.security.scope import current_scope

# In-process: the values are HTML strings used on every page, cheaper kept next to the
# code than fetched from Redis.
rendered_fields = Cache(config={"CACHE_TYPE": "SimpleCache", "CACHE_THRESHOLD": 1000})
MENU_SECONDS = 3600
NONCE_MARK = "\u2063kept-csp-nonce\u2063"  # invisible separators: never in real output


class KeptSearchWidget(SearchWidget):
    def __call__(self, **kwargs):
        args = self.template_args
        form, columns = args["form"], args["include_cols"]
        active = self.filters.get_filters_values_tojson()
        seconds = int(current_app.config.get("SEARCH_FIELDS_CACHE_SECONDS") or 0)
        if seconds <= 0:
            return self._rendered(form, columns, active, kwargs)
        key = repr((args.get("route_base"), current_language(), current_scope(),
                    tuple(columns), active))
        html = rendered_fields.get(key)
        if html is None:
            html = without_nonce(self._rendered(form, columns, active, kwargs))
            rendered_fields.set(key, html, timeout=seconds)
        return Markup(with_nonce(html))  # noqa: S704 — FAB's own escaped rendering

    def _rendered(self, form, columns, active, kwargs) -> str:
        filters = self.filters.get_search_filters()
        kwargs["label_columns"] = {col: str(form[col].label.text) for col in columns}
        kwargs["search_filters"] = {col: [str(flt.name) for flt in filters[col]]
                                    for col in columns}
        kwargs["form_fields"] = {col: form[col]() for col in columns}
        kwargs["active_filters"] = active
        return str(RenderTemplateWidget.__call__(self, **kwargs))


def without_nonce(html: str) -> str:
    """Kept HTML carries a mark where this response's CSP nonce was."""
    return html.replace(csp_nonce(), NONCE_MARK)


def with_nonce(html: str) -> str:
    return html.replace(NONCE_MARK, csp_nonce())
