/* Charts: every element with data-echart="<id of a json_script>" becomes an Apache ECharts chart
 * with the options in that script (built by lib/charts.py, placed by templates/includes/chart.html).
 * Runs on DOMContentLoaded and after each htmx swap; resizes with the window and with its box;
 * marks the element data-echart-ready="1" once the first frame is drawn; a click on a data item
 * with a "url" opens it (drill-down). No inline JS, so it works
 * under a Content-Security-Policy without 'unsafe-inline'. Plain ES5 for older WeChat webviews. */
(function () {
  "use strict";

  if (window.pinzhiCharts) { return; }  // loaded twice on one page: keep the first

  var charts = [];

  function locale() {
    return (document.documentElement.lang || "").toLowerCase().indexOf("zh") === 0 ? "ZH" : "EN";
  }

  // Options are JSON, so they cannot carry functions: a string valueFormatter such as "{value} %"
  // is the one convention lib/charts.py uses, turned into a function here ("—" for gaps).
  function formatter(template) {
    return function (value) {
      if (value === null || value === undefined || value === "-") { return "—"; }
      return template.replace("{value}", value);
    };
  }

  function prepare(options) {
    var tips = [options.tooltip].concat((options.series || []).map(function (s) { return s.tooltip; }));
    tips.forEach(function (tip) {
      if (tip && typeof tip.valueFormatter === "string") { tip.valueFormatter = formatter(tip.valueFormatter); }
    });
    return options;
  }

  function options(el) {
    var source = document.getElementById(el.getAttribute("data-echart"));
    if (!source) { throw new Error("chart " + el.id + ": no options script #" + el.getAttribute("data-echart")); }
    return prepare(JSON.parse(source.textContent));
  }

  // Drill-down: a data item with a url (lib/charts.py links=) opens it. Paths on this site only.
  function follow(params) {
    var url = params && params.data && params.data.url;
    if (typeof url === "string" && url.charAt(0) === "/" && url.charAt(1) !== "/" && url.charAt(1) !== "\\") {
      window.location.assign(url);
    }
  }

  function init(el) {
    if (el.getAttribute("data-echart-ready") || window.echarts.getInstanceByDom(el)) { return; }
    el.style.height = el.getAttribute("data-echart-height") || "320px";
    var chart = window.echarts.init(el, null, { renderer: "canvas", locale: locale() });
    var entry = { chart: chart, observer: null };
    chart.on("finished", function ready() {
      chart.off("finished", ready);
      el.setAttribute("data-echart-ready", "1");
    });
    chart.setOption(options(el));
    chart.on("click", follow);
    if (window.ResizeObserver) {  // a collapsed card or tab opening changes the box, not the window
      entry.observer = new window.ResizeObserver(function () { chart.resize(); });
      entry.observer.observe(el);
    }
    charts.push(entry);
  }

  function initAll(root) {
    if (!window.echarts) {
      console.error("charts.js: echarts.min.js is not loaded (include includes/chart_scripts.html)");
      return;
    }
    var scope = root && root.querySelectorAll ? root : document;
    var found = Array.prototype.slice.call(scope.querySelectorAll("[data-echart]"));
    if (scope.matches && scope.matches("[data-echart]")) { found.push(scope); }
    found.forEach(function (el) {
      try { init(el); } catch (err) { console.error(err); }
    });
  }

  // htmx announces every element it removes (children included), so one element at a time.
  function dispose(el) {
    if (!window.echarts || !el || !el.matches || !el.matches("[data-echart]")) { return; }
    var chart = window.echarts.getInstanceByDom(el);
    if (!chart) { return; }
    charts = charts.filter(function (entry) {
      if (entry.chart !== chart) { return true; }
      if (entry.observer) { entry.observer.disconnect(); }
      return false;
    });
    chart.dispose();
  }

  var pending = null;
  window.addEventListener("resize", function () {
    window.clearTimeout(pending);
    pending = window.setTimeout(function () {
      charts.forEach(function (entry) { entry.chart.resize(); });
    }, 100);
  });

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { initAll(document); });
  } else {
    initAll(document);
  }
  // After a swap the new content may replace its target (outerHTML): look at the whole page;
  // charts already drawn are skipped.
  document.body.addEventListener("htmx:afterSwap", function () { initAll(document); });
  document.body.addEventListener("htmx:beforeCleanupElement", function (event) { dispose(event.target); });

  window.pinzhiCharts = { init: initAll, dispose: dispose };
})();
