"""How a record entered the platform (SPEC §4): the values stored in ``Submission.channel``
and ``UploadBatch.channel``, and the names officials know them by."""

SELF, UPLOAD, API = "self", "upload", "api"

CHANNEL_LABELS = {
    SELF: ("企业自主填报", "Self-report"),
    UPLOAD: ("批量上传", "Batch upload"),
    API: ("接口对接", "API"),
}


def channel_label(channel: str | None, lang: str) -> str:
    """The channel's name in ``lang`` ("zh" or "en"); an unknown value as it is."""
    zh, en = CHANNEL_LABELS.get(channel, (channel or "", channel or ""))
    return zh if lang == "zh" else en
