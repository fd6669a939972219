// Charts with the vendored ECharts: every <div class="chart" data-spec="ID"> is drawn from the
// JSON in <script type="application/json" id="ID"> (no inline script, so a strict CSP holds).
// A spec: {type: "bar" | "stacked" | "hbar" | "pie", categories: [...],
//          series: [{name, data: [...], links: [...]}], topDown: true | absent};
// a bar with a link opens its list. A map (ECharts' full build):
//   {type: "map", map: NAME, geo: URL of the boundaries (GeoJSON, features keyed by
//    administrative code in `id`), codeLength: digits of our region codes,
//    regions: [{code, name, target, submitted, share (% or null), link}], labels: {...}};
// a region is coloured by its share of the target (grey without a target) and opens its link.
// A chart in a hidden element (a tab not shown) is drawn when window.ippCharts.drawIn(el)
// is called for it; resizeIn(el) fits the charts inside el to their boxes.
(function () {
  "use strict";
  if (!window.echarts) { return; }
  var palette = ["#337ab7", "#5cb85c", "#f0ad4e", "#d9534f", "#5bc0de", "#8e6bb8", "#999999"];
  var maps = {};  // boundaries URL -> promise of the GeoJSON

  function escapeHtml(text) {
    return String(text).replace(/[&<>"']/g, function (c) {
      return {"&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&quot;", "'": "&#39;"}[c];
    });
  }

  function whole(n) { return Number(n).toLocaleString("en-US"); }

  function mapOption(spec) {
    var labels = spec.labels || {};
    return {
      tooltip: {
        trigger: "item",
        formatter: function (p) {
          var r = p.data && p.data.region;
          if (!r) { return ""; }
          return "<strong>" + escapeHtml(r.name) + "</strong><br>" +
            escapeHtml(labels.submitted) + "：" + whole(r.submitted) + "<br>" +
            escapeHtml(labels.target) + "：" + (r.target ? whole(r.target) : "—") + "<br>" +
            escapeHtml(labels.share) + "：" +
            (r.share === null ? escapeHtml(labels.noTarget) : r.share.toFixed(1) + "%") +
            (r.link ? "<br><span style=\"color:#8f959e\">" + escapeHtml(labels.open) + "</span>" : "");
        }
      },
      visualMap: {
        type: "piecewise", left: 8, bottom: 8, itemWidth: 14, itemHeight: 10,
        textStyle: {fontSize: 12},
        pieces: [
          {gte: 100, label: "≥ 100%", color: "#1f6fd1"},
          {gte: 80, lt: 100, label: "80–100%", color: "#5b9be0"},
          {gte: 50, lt: 80, label: "50–80%", color: "#a3c6ef"},
          {gte: 0, lt: 50, label: "< 50%", color: "#dceafa"},
          {value: -1, label: labels.noTarget, color: "#c0c4cc"}
        ]
      },
      series: [{
        type: "map", map: spec.map, roam: false, selectedMode: false,
        layoutCenter: ["55%", "50%"], layoutSize: "95%",
        label: {show: true, fontSize: 11, color: "#1f2329",
                formatter: function (p) { return p.data ? p.data.region.name : ""; }},
        emphasis: {label: {show: true}, itemStyle: {areaColor: "#f0ad4e"}},
        itemStyle: {borderColor: "#fff", borderWidth: 1},
        data: spec.regions.map(function (r) {
          return {name: r.code, value: r.share === null ? -1 : r.share, region: r,
                  cursor: r.link ? "pointer" : "default"};
        })
      }]
    };
  }

  // The boundaries with each feature named by our region code (the first codeLength digits
  // of its administrative code), so the data meet their shapes by code, not by spelling.
  function boundaries(spec) {
    if (!maps[spec.geo]) {
      maps[spec.geo] = fetch(spec.geo, {credentials: "same-origin"}).then(function (response) {
        if (!response.ok) { throw new Error("map " + response.status); }
        return response.json();
      }).then(function (geo) {
        geo.features.forEach(function (f) {
          var id = String(f.id || (f.properties && (f.properties.adcode || f.properties.id)) || "");
          f.properties = f.properties || {};
          f.properties.name = id.slice(0, spec.codeLength);
        });
        window.echarts.registerMap(spec.map, geo);
        return geo;
      });
    }
    return maps[spec.geo];
  }

  function option(spec) {
    if (spec.type === "pie") {
      var first = spec.series[0];
      return {
        color: palette, tooltip: {trigger: "item"}, legend: {bottom: 0, type: "scroll"},
        series: [{type: "pie", radius: ["35%", "65%"], name: first.name,
                  data: spec.categories.map(function (c, i) { return {name: c, value: first.data[i]}; })}]
      };
    }
    var horizontal = spec.type === "hbar";
    // topDown: a horizontal chart lists its first category at the top, as its table does.
    var category = {type: "category", data: spec.categories, inverse: Boolean(horizontal && spec.topDown),
                    axisLabel: {interval: 0, rotate: horizontal ? 0 : (spec.categories.length > 8 ? 30 : 0)}};
    var value = {type: "value", minInterval: 1};
    return {
      color: palette,
      tooltip: {trigger: "axis", axisPointer: {type: "shadow"}},
      legend: spec.series.length > 1 ? {top: 0, type: "scroll"} : undefined,
      grid: {left: 8, right: 16, top: spec.series.length > 1 ? 32 : 12, bottom: 8, containLabel: true},
      xAxis: horizontal ? value : category,
      yAxis: horizontal ? category : value,
      series: spec.series.map(function (s) {
        return {type: "bar", name: s.name, data: s.data, stack: spec.type === "stacked" ? "all" : undefined,
                cursor: s.links ? "pointer" : "default"};
      })
    };
  }

  function visible(element) { return element.offsetWidth > 0 && element.offsetHeight > 0; }

  function draw(element) {
    if (element.dataset.drawn || !visible(element)) { return; }
    var source = document.getElementById(element.dataset.spec);
    if (!source) { return; }
    var spec = JSON.parse(source.textContent);
    element.dataset.drawn = "1";
    var chart = window.echarts.init(element, null, {renderer: "canvas"});
    if (spec.type === "map") {
      boundaries(spec).then(function () {
        chart.setOption(mapOption(spec));
        chart.resize();
      }).catch(function () {
        element.dataset.failed = "1";
        element.textContent = (spec.labels && spec.labels.unavailable) || "";
      });
      chart.on("click", function (params) {
        var region = params.data && params.data.region;
        if (region && region.link) { window.location.href = region.link; }
      });
      return;
    }
    chart.setOption(option(spec));
    chart.on("click", function (params) {
      var series = spec.series[params.seriesIndex || 0];
      var link = series && series.links && series.links[params.dataIndex];
      if (link) { window.location.href = link; }
    });
  }

  function charts(root) { return (root || document).querySelectorAll(".chart[data-spec]"); }

  function resizeIn(root) {
    charts(root).forEach(function (element) {
      var chart = window.echarts.getInstanceByDom(element);
      if (chart && visible(element)) { chart.resize(); }
    });
  }

  function drawIn(root) { charts(root).forEach(draw); }

  window.ippCharts = {drawIn: drawIn, resizeIn: resizeIn};
  window.addEventListener("resize", function () { resizeIn(document); });
  drawIn(document);
})();
