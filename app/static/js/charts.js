// Charts with the vendored ECharts: every <div class="chart" data-spec="ID"> is drawn from the
// JSON in <script type="application/json" id="ID"> (no inline script, so a strict CSP holds).
// A spec: {type: "bar" | "stacked" | "hbar" | "pie", categories: [...],
//          series: [{name, data: [...], links: [...]}]}; a bar with a link opens its list.
(function () {
  "use strict";
  if (!window.echarts) { return; }
  var palette = ["#337ab7", "#5cb85c", "#f0ad4e", "#d9534f", "#5bc0de", "#8e6bb8", "#999999"];

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
    var category = {type: "category", data: spec.categories, axisLabel: {interval: 0, rotate: horizontal ? 0 : (spec.categories.length > 8 ? 30 : 0)}};
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

  function draw(element) {
    var source = document.getElementById(element.dataset.spec);
    if (!source) { return; }
    var spec = JSON.parse(source.textContent);
    var chart = window.echarts.init(element, null, {renderer: "canvas"});
    chart.setOption(option(spec));
    chart.on("click", function (params) {
      var series = spec.series[params.seriesIndex || 0];
      var link = series && series.links && series.links[params.dataIndex];
      if (link) { window.location.href = link; }
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }

  document.querySelectorAll(".chart[data-spec]").forEach(draw);
})();
