// Draws the twelve-month trend of the monthly report: demands received per month as bars (left axis), the four
// rates as lines (right axis, per cent). The same numbers are in the table under the chart.
(function () {
  "use strict";
  var holder = document.getElementById("trend-chart");
  if (!holder) { return; }
  var data = JSON.parse(document.getElementById("trend-data").textContent);
  var rates = ["response_rate", "resolution_rate", "satisfaction_rate", "on_time_rate"];
  var chart = echarts.init(holder, null, { renderer: "svg" });
  chart.setOption({
    animation: false,
    // What a screen reader says of the chart (the page's words; the numbers are in the table under it).
    aria: { enabled: true, label: { description: holder.dataset.description } },
    tooltip: { trigger: "axis" },
    legend: { top: 0 },
    grid: { left: 50, right: 50, top: 40, bottom: 40 },
    xAxis: { type: "category", data: data.labels },
    yAxis: [
      { type: "value", minInterval: 1 },
      { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%" } }
    ],
    series: [{ name: data.names.total, type: "bar", data: data.total }].concat(rates.map(function (k) {
      return {
        name: data.names[k], type: "line", yAxisIndex: 1, connectNulls: false, data: data.series[k],
        tooltip: { valueFormatter: function (v) { return v === null || v === undefined ? "—" : v + "%"; } }
      };
    }))
  });
  holder.dataset.rendered = "true";
  window.addEventListener("resize", function () { chart.resize(); });
})();
