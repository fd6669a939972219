"""Text that exists in both languages as data (the field registry, rules)."""

from flask_babel import get_locale


def current_language() -> str:
    locale = get_locale()
    return "en" if locale is not None and locale.language == "en" else "zh"


class Bilingual:
    """Renders as Chinese or English, whichever the request's language is."""

    __slots__ = ("zh", "en")

    def __init__(self, zh: str, en: str):
        self.zh, self.en = zh, en

    def __str__(self) -> str:
        return self.en if current_language() == "en" else self.zh

    def __html__(self) -> str:
        from markupsafe import escape

        return str(escape(str(self)))

    def __repr__(self) -> str:
        return f"Bilingual({self.zh!r}, {self.en!r})"


def field_label(field) -> Bilingual:
    return Bilingual(field.label_zh, field.label_en)


def field_header(field) -> Bilingual:
    return Bilingual(field.label_with_unit("zh"), field.label_with_unit("en"))
