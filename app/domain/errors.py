"""An error whose message exists in both languages, for the screen to pick from."""


class BilingualError(ValueError):
    def __init__(self, message_zh: str, message_en: str):
        super().__init__(message_en)
        self.message_zh = message_zh
        self.message_en = message_en

    def message(self, lang: str = "zh") -> str:
        return self.message_zh if lang == "zh" else self.message_en
