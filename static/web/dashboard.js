// Draws each figure group's bar chart from the JSON the page embeds; the same numbers are in the table below it.
(function () {
  "use strict";
  var labels = JSON.parse(document.getElementById("series-labels").textContent);
  var keys = ["response_rate", "resolution_rate", "satisfaction_rate", "on_time_rate"];
  document.querySelectorAll(".figure-group").forEach(function (section) {
    var holder = section.querySelector(".chart");
    var key = section.id.replace("group-", "");
    var data = JSON.parse(document.getElementById(key).textContent);
    var chart = echarts.init(holder, null, { renderer: "svg" });
    chart.setOption({
      animation: false,
      // What a screen reader says of the chart (the page's words; the numbers are in the table under it).
      aria: { enabled: true, label: { description: holder.dataset.description } },
      tooltip: { trigger: "axis", valueFormatter: function (v) { return v === null ? "—" : v + "%"; } },
      legend: { top: 0 },
      grid: { left: 40, right: 10, top: 40, bottom: 70 },
      xAxis: { type: "category", data: data.labels, axisLabel: { rotate: data.labels.length > 6 ? 40 : 0, interval: 0 } },
      yAxis: { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%" } },
      series: keys.map(function (k) { return { name: labels[k], type: "bar", data: data.series[k] }; })
    });
    holder.dataset.rendered = "true";
    window.addEventListener("resize", function () { chart.resize(); });
  });
})();
