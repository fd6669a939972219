// The profile's charts (templates/profiles/profile.html) with the vendored ECharts (full build:
// the radar is not in the common one). Every <div class="chart" data-spec="ID"> is drawn from
// the JSON in <script type="application/json" id="ID">: no inline script, so the CSP holds.
// A spec: {type: "bar" | "line", categories: [years], series: [{name, data: [number|null]}]}
// for a trend (a missing year stays a gap), or {type: "radar", indicators: [{name, max}],
// series: [{name, data}]} for the points by dimension against the cohort's median.
(function () {
  "use strict";
  if (!window.echarts) { return; }
  var palette = ["#1f6fd1", "#f0ad4e", "#5cb85c", "#d9534f", "#8e6bb8"];

  function number(value) {
    return value === null || value === undefined ? "—" :
      Number(value).toLocaleString("en-US", {maximumFractionDigits: 2});
  }

  function trend(spec) {
    var line = spec.type === "line";
    return {
      color: palette,
      tooltip: {trigger: "axis", valueFormatter: number},
      legend: {top: 0, type: "scroll"},
      grid: {left: 8, right: 16, top: 32, bottom: 8, containLabel: true},
      xAxis: {type: "category", data: spec.categories, boundaryGap: !line},
      yAxis: {type: "value"},
      series: spec.series.map(function (s) {
        return {type: spec.type, name: s.name, data: s.data, connectNulls: false,
                symbolSize: 6, barMaxWidth: 28};
      })
    };
  }

  function radar(spec) {
    return {
      color: palette,
      tooltip: {trigger: "item", valueFormatter: function (v) { return number(v) + "%"; }},
      legend: {bottom: 0, type: "scroll"},
      radar: {indicator: spec.indicators, radius: "62%", center: ["50%", "48%"],
              axisName: {color: "#4e5969", fontSize: 12}},
      series: [{
        type: "radar",
        data: spec.series.map(function (s, i) {
          return {name: s.name, value: s.data,
                  areaStyle: i === 0 ? {opacity: 0.25} : undefined,
                  lineStyle: i === 0 ? {width: 2} : {type: "dashed"}};
        })
      }]
    };
  }

  function draw(element) {
    var source = document.getElementById(element.dataset.spec);
    if (!source || element.dataset.drawn) { return; }
    var spec = JSON.parse(source.textContent);
    element.dataset.drawn = "1";
    var chart = window.echarts.init(element, null, {renderer: "canvas"});
    chart.setOption(spec.type === "radar" ? radar(spec) : trend(spec));
  }

  var elements = document.querySelectorAll("#profile .chart[data-spec]");
  elements.forEach(draw);
  window.addEventListener("resize", function () {
    elements.forEach(function (element) {
      var chart = window.echarts.getInstanceByDom(element);
      if (chart) { chart.resize(); }
    });
  });
})();
