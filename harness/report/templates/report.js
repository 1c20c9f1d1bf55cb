// Sortable and filterable tables; plain JavaScript, no network, no dependencies.
(function () {
  "use strict";
  function cellValue(td) {
    var v = td.getAttribute("data-v");
    if (v === null) { v = td.textContent.trim(); }
    var n = parseFloat(v);
    return { num: (v !== "" && isFinite(n) && String(n) !== "NaN") ? n : null, text: v.toLowerCase() };
  }
  function sortTable(table, col, dir) {
    var tbody = table.tBodies[0];
    if (!tbody) { return; }
    var rows = Array.prototype.slice.call(tbody.rows);
    rows.sort(function (a, b) {
      var x = cellValue(a.cells[col]), y = cellValue(b.cells[col]);
      var r;
      if (x.num !== null && y.num !== null) { r = x.num - y.num; }
      else if (x.num !== null) { r = -1; }
      else if (y.num !== null) { r = 1; }
      else { r = x.text < y.text ? -1 : (x.text > y.text ? 1 : 0); }
      return dir === "ascending" ? r : -r;
    });
    rows.forEach(function (r) { tbody.appendChild(r); });
  }
  function initSort(table) {
    var heads = table.tHead ? table.tHead.rows[0].cells : [];
    Array.prototype.forEach.call(heads, function (th, i) {
      th.setAttribute("data-sortable", "true");
      th.setAttribute("title", "click to sort");
      th.addEventListener("click", function () {
        var dir = th.getAttribute("aria-sort") === "descending" ? "ascending" : "descending";
        Array.prototype.forEach.call(heads, function (h) { h.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", dir);
        sortTable(table, i, dir);
      });
    });
  }
  function initFilter(input) {
    var table = document.getElementById(input.getAttribute("data-table"));
    var count = document.getElementById(input.getAttribute("data-table") + "-count");
    if (!table || !table.tBodies[0]) { return; }
    function apply() {
      var terms = input.value.toLowerCase().split(/\s+/).filter(function (t) { return t; });
      var shown = 0, rows = table.tBodies[0].rows;
      Array.prototype.forEach.call(rows, function (r) {
        var text = r.textContent.toLowerCase();
        var ok = terms.every(function (t) { return text.indexOf(t) >= 0; });
        r.style.display = ok ? "" : "none";
        if (ok) { shown += 1; }
      });
      if (count) { count.textContent = shown + " of " + rows.length + " rows"; }
    }
    input.addEventListener("input", apply);
    apply();
  }
  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll("table.sortable"), initSort);
    Array.prototype.forEach.call(document.querySelectorAll("input.filter"), initFilter);
    document.body.setAttribute("data-ready", "1");
  });
})();
