// The site's only script: loaded from a file so the Content-Security-Policy can forbid inline
// script and eval. Every page works without it.
(function () {
  "use strict";
  // Refusals (409 conflict, 413 too large, 422 invalid) carry the message to show in place.
  document.addEventListener("htmx:beforeSwap", function (event) {
    if ([409, 413, 422].indexOf(event.detail.xhr.status) !== -1) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });
  // Ticking "Not applicable" clears the answer's value, so N/A is never sent with a value
  // (the server refuses both together, as the CLI and the API do).
  document.addEventListener("change", function (event) {
    var box = event.target;
    if (!box || box.name !== "na" || !box.checked || !box.form) return;
    box.form.querySelectorAll("input[name=value]").forEach(function (input) {
      if (input.type === "radio") input.checked = false;
      else input.value = "";
    });
  }, true);
  // A table's scroll region is a tab stop (tabindex="0" in the HTML, so it works without this
  // script) only while it actually scrolls: a table that fits adds no useless stop. Widths
  // settle late (web fonts, images, a narrow screen), so the stop is removed no earlier than
  // "load" and looked at again whenever a region or its table changes size; removing it at
  // DOMContentLoaded left some tables scrollable but out of keyboard reach.
  function tabStopFor(region) {
    if (!region) return;
    if (region.scrollWidth > region.clientWidth + 1) region.setAttribute("tabindex", "0");
    else if (region !== document.activeElement) region.removeAttribute("tabindex");
  }
  function tabStopsForScrollRegions() {
    document.querySelectorAll(".table-scroll[role=region]").forEach(tabStopFor);
  }
  window.addEventListener("load", function () {
    tabStopsForScrollRegions();
    if (!window.ResizeObserver) return;
    var observer = new ResizeObserver(function (entries) {
      entries.forEach(function (entry) {
        tabStopFor(entry.target.closest(".table-scroll[role=region]"));
      });
    });
    document.querySelectorAll(".table-scroll[role=region]").forEach(function (region) {
      observer.observe(region);
      if (region.firstElementChild) observer.observe(region.firstElementChild);
    });
  });
  // A form sent back with errors: start at its "There is a problem" summary (screen readers
  // read it out; its links lead to each field).
  document.addEventListener("DOMContentLoaded", function () {
    var summary = document.querySelector(".error-summary");
    if (summary) summary.focus();
  });
  window.addEventListener("resize", tabStopsForScrollRegions);
  document.addEventListener("htmx:afterSettle", tabStopsForScrollRegions);
})();
