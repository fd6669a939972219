#!/usr/bin/env bash
# Refreshes the vendored ECharts build (the platform runs on intranets: no CDN) from the npm
# registry. Run by hand when upgrading; the result is committed.
set -euo pipefail
VERSION="${1:-6.1.0}"
DEST="app/static/vendor/echarts"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "echarts@${VERSION}" >/dev/null && tar xzf echarts-*.tgz)
mkdir -p "$DEST"
cp "$work/package/dist/echarts.common.min.js" "$work/package/dist/echarts.min.js" "$work/package/LICENSE" "$work/package/NOTICE" "$DEST/"
echo "$VERSION" > "$DEST/VERSION"
echo "ECharts ${VERSION} vendored in ${DEST}"
