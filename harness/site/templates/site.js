/* A dataset page of the results site: selectors, three trade-off plots (plotly.js, shipped in
   assets/), a sortable table. Data: window.HARNESS_SITE_DATA from data/ds-<dataset>.js.
   The selection lives in the URL hash (#model=...&metric=...), so a view can be linked.
   After drawing: body[data-ready="1"], each plot div data-points (points drawn) and
   data-hover (points with a hover text); any script error goes to body[data-errors]. */
(function () {
  "use strict";
  var errors = [];
  window.addEventListener("error", function (e) {
    errors.push(String(e.message));
    document.body.setAttribute("data-errors", errors.join(" | "));
  });
  var D = window.HARNESS_SITE_DATA;
  if (!D || document.body.getAttribute("data-page") !== "dataset") { return; }
  var col = {};
  D.columns.forEach(function (c, i) { col[c] = i; });
  function get(r, c) { return c in col ? r[col[c]] : null; }
  var LABELS = { qps: "queries/s (one thread)", "knn_recall@10": "kNN recall@10 (vs exact)",
    bytes_per_doc: "bytes per document (index)" };
  var PLOTS = {
    qps: { x: "qps", y: "@metric", logx: true, title: "Speed vs task quality" },
    knn: { x: "qps", y: "knn_recall@10", logx: true, title: "Speed vs kNN recall@10" },
    bytes: { x: "bytes_per_doc", y: "@metric", logx: true, title: "Memory vs task quality" }
  };
  var CONFIG = ["model", "dim", "dim_method", "precision", "metric", "backend", "family",
    "build_params", "search_params", "retriever", "filter", "filter_selectivity", "rerank",
    "reranker", "rerank_depth", "corpus_size", "k", "dataset_fingerprint", "run"];
  var FIGS = ["qps", "knn_recall@10", "bytes_per_doc", "latency_p50_ms", "latency_p99_ms",
    "index_bytes", "build_s"];
  var COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2",
    "#17becf", "#bcbd22", "#7f7f7f"];
  var SYMBOLS = ["circle", "square", "diamond", "triangle-up", "cross", "x", "star",
    "triangle-down", "pentagon", "hexagon"];
  function distinct(c) {
    var seen = {}, out = [];
    D.rows.forEach(function (r) {
      var v = get(r, c);
      if (v !== null && !(String(v) in seen)) { seen[String(v)] = 1; out.push(v); }
    });
    return out.sort(function (a, b) {
      return (typeof a === "number" && typeof b === "number") ? a - b : String(a) < String(b) ? -1 : 1;
    });
  }
  var models = distinct("model").map(String), families = distinct("family").map(String);
  // the task metric's key is `task`: `metric` is the distance selector's column
  var state = { task: D.main_metric };
  function readHash() {
    var p = new URLSearchParams(location.hash.slice(1));
    state = { task: D.main_metric };
    p.forEach(function (v, k) { state[k] = v; });
    if (D.metrics.indexOf(state.task) < 0) { state.task = D.main_metric; }
  }
  function writeHash() {
    var p = new URLSearchParams();
    Object.keys(state).forEach(function (k) {
      if (state[k] !== "" && !(k === "task" && state[k] === D.main_metric)) { p.set(k, state[k]); }
    });
    try { history.replaceState(null, "", "#" + p.toString()); } catch (e) { /* file:// quirks */ }
  }
  function fmt(v) {
    if (v === null || v === undefined) { return ""; }
    if (typeof v !== "number") { return String(v); }
    if (Number.isInteger(v)) { return String(v); }
    return Math.abs(v) >= 100 ? v.toFixed(0) : v.toFixed(4);
  }
  function esc(s) {
    return String(s).replace(/[&<>"]/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" }[c];
    });
  }
  function selected() {
    var out = [];
    D.rows.forEach(function (r, i) {
      var ok = D.selectors.every(function (c) {
        return !state[c] || String(get(r, c)) === state[c];
      });
      if (ok) { out.push(i); }
    });
    return out;
  }
  function hover(r) {
    var lines = [];
    CONFIG.concat([state.task], FIGS).forEach(function (c, j, all) {
      var v = get(r, c);
      if (v !== null && v !== "" && all.indexOf(c) === j) { lines.push("<b>" + esc(c) + "</b>: " + esc(fmt(v))); }
    });
    D.metrics.forEach(function (m) {
      if (m !== state.task && get(r, m) !== null) { lines.push(esc(m) + ": " + esc(fmt(get(r, m)))); }
    });
    return lines.join("<br>");
  }
  function axis(c) { return c === "@metric" ? state.task : c; }
  function drawable(r, p) {
    var x = get(r, axis(p.x)), y = get(r, axis(p.y));
    return typeof x === "number" && typeof y === "number" && isFinite(x) && isFinite(y) && (!p.logx || x > 0);
  }
  function draw(id, rows) {
    var p = PLOTS[id], div = document.getElementById("plot-" + id), traces = [], n = 0, nh = 0;
    var xs = axis(p.x), ys = axis(p.y);
    (D.fronts[id + "|" + (p.y === "@metric" ? state.task : "-")] || []).forEach(function (front, g) {
      var pts = front.map(function (i) { return D.rows[i]; }).filter(function (r) { return drawable(r, p); });
      pts.sort(function (a, b) { return get(a, xs) - get(b, xs); });
      traces.push({ x: pts.map(function (r) { return get(r, xs); }), y: pts.map(function (r) { return get(r, ys); }),
        mode: "lines", line: { dash: "dash", color: "#555", width: 1.5, shape: "hv" }, hoverinfo: "skip",
        name: "Pareto front (all)", showlegend: g === 0 });
    });
    models.forEach(function (m, k) {
      var mine = rows.filter(function (i) { return String(get(D.rows[i], "model")) === m && drawable(D.rows[i], p); });
      if (!mine.length) { return; }
      var texts = mine.map(function (i) { return hover(D.rows[i]); });
      n += mine.length;
      nh += texts.filter(function (t) { return t.length > 0; }).length;
      traces.push({ x: mine.map(function (i) { return get(D.rows[i], xs); }),
        y: mine.map(function (i) { return get(D.rows[i], ys); }), customdata: mine,
        mode: "markers", type: "scatter", name: m, hovertext: texts, hoverinfo: "text",
        marker: { color: COLORS[k % COLORS.length], size: 9, opacity: 0.85,
          symbol: mine.map(function (i) { return SYMBOLS[families.indexOf(String(get(D.rows[i], "family"))) % SYMBOLS.length]; }),
          line: { width: 1, color: "#fff" } } });
    });
    var layout = { title: { text: p.title, font: { size: 15 } }, margin: { l: 60, r: 10, t: 40, b: 50 },
      xaxis: { title: { text: LABELS[xs] || xs }, type: p.logx ? "log" : "linear" },
      yaxis: { title: { text: LABELS[ys] || ys } }, hovermode: "closest",
      legend: { orientation: "h", y: -0.25 }, height: 420 };
    Plotly.react(div, traces, layout, { responsive: true, displaylogo: false, displayModeBar: false });
    div.setAttribute("data-points", String(n));
    div.setAttribute("data-hover", String(nh));
    if (!div.getAttribute("data-click")) {
      div.setAttribute("data-click", "1");
      div.on("plotly_click", function (ev) {
        var i = ev.points[0].customdata, info = D.runs[get(D.rows[i], "run")];
        if (info && info.report) { window.open(info.report, "_blank"); }
      });
    }
  }
  var sortBy = { col: null, dir: -1 };
  function tableColumns() {
    return ["model", "dim", "dim_method", "precision", "metric", "backend", "build_params",
      "search_params", "retriever", "filter", "rerank", "reranker", state.task,
      "knn_recall@10", "qps", "bytes_per_doc", "latency_p99_ms", "run"]
      .filter(function (c, j, all) { return c in col && all.indexOf(c) === j; });
  }
  function table(rows) {
    var cols = tableColumns(), t = document.getElementById("points");
    t.tHead.innerHTML = "<tr>" + cols.map(function (c) {
      var mark = sortBy.col === c ? (sortBy.dir > 0 ? " \u25b2" : " \u25bc") : "";
      return '<th data-col="' + esc(c) + '" data-sortable="true">' + esc(c) + mark + "</th>";
    }).join("") + "</tr>";
    var order = rows.slice();
    if (sortBy.col) {
      order.sort(function (a, b) {
        var x = get(D.rows[a], sortBy.col), y = get(D.rows[b], sortBy.col);
        if (x === null) { return 1; } if (y === null) { return -1; }
        var c = (typeof x === "number" && typeof y === "number") ? x - y : String(x).localeCompare(String(y));
        return c * sortBy.dir;
      });
    }
    t.tBodies[0].innerHTML = order.map(function (i) {
      var r = D.rows[i];
      return "<tr>" + cols.map(function (c) {
        var v = get(r, c);
        if (c === "run") {
          var info = D.runs[v] || {};
          return "<td>" + (info.report ? '<a href="' + esc(info.report) + '">' + esc(v) + "</a>" : esc(v)) + "</td>";
        }
        return '<td class="' + (typeof v === "number" ? "num" : "") + '">' + esc(fmt(v)) + "</td>";
      }).join("") + "</tr>";
    }).join("");
    document.getElementById("count").textContent = "(" + rows.length + " of " + D.rows.length + ")";
  }
  function controls() {
    var f = document.getElementById("selectors"), html = [];
    function sel(name, label, values, all) {
      var opts = (all ? ['<option value="">all</option>'] : []).concat(values.map(function (v) {
        var s = String(v);
        return '<option value="' + esc(s) + '"' + (state[name] === s ? " selected" : "") + ">" + esc(s) + "</option>";
      }));
      html.push('<label>' + esc(label) + ' <select name="' + esc(name) + '">' + opts.join("") + "</select></label>");
    }
    sel("task", "task metric", D.metrics, false);
    D.selectors.forEach(function (c) { sel(c, c === "family" ? "backend family" : c.replace(/_/g, " "), distinct(c), true); });
    f.innerHTML = html.join("");
    Array.prototype.forEach.call(f.querySelectorAll("select"), function (s) {
      s.addEventListener("change", function () { state[s.name] = s.value; writeHash(); render(); });
    });
  }
  function render() {
    var rows = selected();
    Object.keys(PLOTS).forEach(function (id) { draw(id, rows); });
    table(rows);
    document.body.setAttribute("data-selected", String(rows.length));
  }
  document.getElementById("points").tHead.addEventListener("click", function (e) {
    var c = e.target.getAttribute && e.target.getAttribute("data-col");
    if (!c) { return; }
    sortBy = { col: c, dir: sortBy.col === c ? -sortBy.dir : -1 };
    table(selected());
  });
  window.addEventListener("hashchange", function () { readHash(); controls(); render(); });
  document.getElementById("warnings").innerHTML = D.warnings.map(function (w) {
    return '<p class="warn">' + esc(w) + "</p>";
  }).join("");
  readHash();
  controls();
  render();
  document.body.setAttribute("data-ready", "1");
})();
