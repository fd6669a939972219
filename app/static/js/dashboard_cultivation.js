// 数据看板's 培育 tab: the pool pyramid (centred bars in the ladder's order, the top tier at
// the top) and the year's moves between tiers (a two-column Sankey), drawn from the
// JSON beside each <div class="chart" data-cultivation-spec="ID"> (no inline script, so a
// strict CSP holds). Specs (app/views/dashboard/cultivation.py):
//   {type: "pyramid", name, data: [{name, value}] top tier first}
//   {type: "sankey", name, nodes: [{name, label, depth}], links: [{source, target, value}]}
// A chart in a hidden tab is drawn when window.ippCultivationCharts.drawIn(el) is called for
// it (static/js/dashboard.js does, as for charts.js); resizeIn(el) fits them to their boxes.
(function () {
  "use strict";
  if (!window.echarts) { return; }
  var palette = ["#337ab7", "#5cb85c", "#f0ad4e", "#d9534f", "#5bc0de", "#8e6bb8", "#999999"];

  function escapeHtml(text) {
    return String(text).replace(/[&<>"']/g, function (c) {
      return {"&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&quot;", "'": "&#39;"}[c];
    });
  }

  function whole(n) { return Number(n).toLocaleString("en-US"); }

  // Centred bars, one per tier, the top tier at the top: each bar as wide as the tier's
  // members (a funnel would draw each piece from one tier's count to the next one's, and only
  // sorted by count, not in the ladder's order). A transparent bar before it centres it.
  function pyramid(spec) {
    var values = spec.data.map(function (d) { return d.value; });
    // Room on both sides of the widest bar, for its figure.
    var span = Math.max.apply(null, [1].concat(values)) * 1.25;
    return {
      tooltip: {trigger: "item", formatter: function (p) {
        return p.seriesIndex ? escapeHtml(p.name) + "：" + whole(p.value) : "";
      }},
      grid: {left: 8, right: 16, top: 8, bottom: 8, containLabel: true},
      xAxis: {type: "value", show: false, max: span},
      yAxis: {type: "category", data: spec.data.map(function (d) { return d.name; }),
              inverse: true, axisTick: {show: false}, axisLine: {show: false}},
      series: [
        {type: "bar", stack: "tier", silent: true, itemStyle: {color: "transparent"},
         data: values.map(function (v) { return (span - v) / 2; })},
        {type: "bar", stack: "tier", name: spec.name, barCategoryGap: "12%",
         label: {show: true, position: "right", formatter: function (p) { return whole(p.value); }},
         data: values.map(function (v, i) {
           return {value: v, itemStyle: {color: palette[(values.length - 1 - i) % palette.length]}};
         })}
      ]
    };
  }

  function sankey(spec) {
    var labels = {};
    spec.nodes.forEach(function (n) { labels[n.name] = n.label; });
    return {
      color: palette,
      tooltip: {trigger: "item", formatter: function (p) {
        if (p.dataType === "edge") {
          return escapeHtml(labels[p.data.source]) + " → " + escapeHtml(labels[p.data.target]) +
            "：" + whole(p.data.value);
        }
        return escapeHtml(labels[p.name]) + "：" + whole(p.value);
      }},
      series: [{
        type: "sankey", name: spec.name, layoutIterations: 0, nodeGap: 10, nodeWidth: 16,
        left: 8, right: 8, top: 8, bottom: 8, draggable: false,
        emphasis: {focus: "adjacency"},
        lineStyle: {color: "gradient", opacity: 0.35},
        label: {formatter: function (p) { return labels[p.name] + "  " + whole(p.value); }},
        data: spec.nodes.map(function (n) {
          // Labels point inwards, so that the right column's stay inside the chart.
          return {name: n.name, depth: n.depth, label: {position: n.depth ? "left" : "right"}};
        }),
        links: spec.links
      }]
    };
  }

  var builders = {pyramid: pyramid, sankey: sankey};

  function visible(element) { return element.offsetWidth > 0 && element.offsetHeight > 0; }

  function draw(element) {
    if (element.dataset.drawn || !visible(element)) { return; }
    var source = document.getElementById(element.dataset.cultivationSpec);
    if (!source) { return; }
    var spec = JSON.parse(source.textContent);
    var build = builders[spec.type];
    if (!build) { return; }
    element.dataset.drawn = "1";
    window.echarts.init(element, null, {renderer: "canvas"}).setOption(build(spec));
  }

  function charts(root) { return (root || document).querySelectorAll(".chart[data-cultivation-spec]"); }

  function drawIn(root) { charts(root).forEach(draw); }

  function resizeIn(root) {
    charts(root).forEach(function (element) {
      var chart = window.echarts.getInstanceByDom(element);
      if (chart && visible(element)) { chart.resize(); }
    });
  }

  window.ippCultivationCharts = {drawIn: drawIn, resizeIn: resizeIn};
  window.addEventListener("resize", function () { resizeIn(document); });
  drawIn(document);
})();
