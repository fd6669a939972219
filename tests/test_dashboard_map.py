"""The vendored boundaries of the dashboard map (app/static/vendor/geo/): each feature's code
and name match our region table, every city of the province has a shape, the licence and the
source note sit beside the file, and the file is served from /static (no CDN on the intranet)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Region

GEO = Path(__file__).resolve().parents[1] / "app/static/vendor/geo"


def _decode_ring(coordinates: str, offset: list[int]) -> list[list[float]]:
    """ECharts' compressed GeoJSON (``UTF8Encoding``), as ECharts decodes it."""
    result, x, y = [], offset[0], offset[1]
    for i in range(0, len(coordinates), 2):
        dx = ord(coordinates[i]) - 64
        dy = ord(coordinates[i + 1]) - 64
        dx, dy = (dx >> 1) ^ -(dx & 1), (dy >> 1) ^ -(dy & 1)
        x, y = x + dx, y + dy
        result.append([x / 1024, y / 1024])
    return result


def features(code: str) -> list[dict]:
    return json.loads((GEO / f"{code}.json").read_text(encoding="utf-8"))["features"]


@pytest.mark.parametrize("province", sorted(p.stem for p in GEO.glob("[0-9][0-9].json")))
def test_every_city_has_its_shape_under_its_code_and_name(app, province):
    with app.app_context():
        cities = dict(db.session.execute(select(Region.code, Region.name).where(
            Region.parent_code == province)).all())
    shapes = {str(f["id"])[:4]: f["properties"]["name"] for f in features(province)}
    assert shapes == cities


def test_liaoning_is_there_and_its_shapes_lie_in_liaoning():
    shapes = features("21")
    assert len(shapes) == 14
    dalian = next(f for f in shapes if f["id"] == "210200")
    assert dalian["properties"]["name"] == "大连市"
    geometry = dalian["geometry"]
    polygons = [(geometry["coordinates"], geometry["encodeOffsets"])] \
        if geometry["type"] == "Polygon" else \
        list(zip(geometry["coordinates"], geometry["encodeOffsets"], strict=True))
    points = [point for rings, offsets in polygons
              for ring, offset in zip(rings, offsets, strict=True)
              for point in _decode_ring(ring, offset)]
    longitudes, latitudes = [p[0] for p in points], [p[1] for p in points]
    assert 120 < min(longitudes) < max(longitudes) < 124  # 大连 lies at about 121.6 °E
    assert 38 < min(latitudes) < max(latitudes) < 41


def test_licence_and_source_beside_the_files():
    assert "Apache License" in (GEO / "LICENSE").read_text()
    readme = (GEO / "README.md").read_text()
    assert "echarts" in readme and "4.9.0" in readme and "liaoning.json" in readme
    assert "4.9.0" in (GEO / "VERSION").read_text()
    readme_licences = (GEO.parents[3] / "README.md").read_text()
    assert "vendor/geo" in readme_licences


def test_the_boundaries_and_the_map_build_are_served_from_static(province_client):
    for folder, name in ((GEO, "21.json"), (GEO.parent / "echarts", "echarts.min.js")):
        response = province_client.get(f"/static/vendor/{folder.name}/{name}")
        assert response.status_code == 200, name
        assert response.data == (folder / name).read_bytes()
