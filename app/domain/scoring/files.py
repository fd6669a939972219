"""Evaluation projects as YAML files: reading safely and writing back."""

from __future__ import annotations

from typing import Any

import yaml

from app.domain.scoring import Project, ProjectError, parse

MAX_BYTES = 1024 * 1024


def load(text: str | bytes) -> Project:
    """Parse a project file. Refuses anchors and aliases (billion-laughs style files),
    oversized files and anything that is not a project."""
    if isinstance(text, bytes):
        if len(text) > MAX_BYTES:
            raise ProjectError("文件过大（最多 1 MB）。", "The file is too large (at most 1 MB).")
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError:
            raise ProjectError("文件不是 UTF-8 文本。", "The file is not UTF-8 text.") from None
    if len(text) > MAX_BYTES:
        raise ProjectError("文件过大（最多 1 MB）。", "The file is too large (at most 1 MB).")
    try:
        for event in yaml.parse(text, Loader=yaml.SafeLoader):
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
                raise ProjectError("文件中不允许使用锚点和别名（& 和 *）。",
                                   "Anchors and aliases (& and *) are not allowed.")
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise ProjectError(f"不是有效的 YAML 文件：{error}",
                           f"Not a valid YAML file: {error}") from None
    return parse(data)


def dump(definition: dict[str, Any]) -> str:
    return yaml.safe_dump(definition, allow_unicode=True, sort_keys=False)
