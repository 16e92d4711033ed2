// Lotse: progressive enhancement only. Every page works without this file.
(function () {
  "use strict";
  var $ = function (sel, root) { return (root || document).querySelectorAll(sel); };

  // Copy buttons in the "link to this search" box.
  $("[data-copy]").forEach(function (button) {
    var source = document.getElementById(button.getAttribute("data-copy"));
    if (!source || !navigator.clipboard) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(source.value).then(function () { button.textContent = "✓"; });
    });
  });

  $("[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });

  // "Use my location": the browser's position goes into the place field as coordinates.
  if (navigator.geolocation && window.isSecureContext) {
    $("[data-locate]").forEach(function (button) {
      var field = button.form && button.form.elements.near;
      if (!field) return;
      button.hidden = false;
      button.addEventListener("click", function () {
        button.disabled = true;
        navigator.geolocation.getCurrentPosition(function (pos) {
          field.value = pos.coords.latitude.toFixed(4) + "," + pos.coords.longitude.toFixed(4);
          button.form.submit();
        }, function () { button.disabled = false; field.focus(); }, { timeout: 10000, maximumAge: 600000 });
      });
    });
  }

  // On a phone, a results page that arrives with filters set (a partner's link, the
  // "Suchen" button) shows its results first: the open filter list would fill the screen
  // and push them out of sight. The summary still says how many filters are on, and one
  // tap opens it. Narrow is below site.css's breakpoint for the form's columns (40rem).
  if (window.matchMedia && window.matchMedia("not all and (min-width: 40rem)").matches) {
    $("details.filters[open]").forEach(function (details) { details.open = false; });
  }

  // Parts that fold on a phone so the results come first (issue 16): the search form (its
  // summary says what was searched) and the further first steps. From the width named in
  // data-wide-open (rem, site.css's breakpoints) they are open; site.css opens them there
  // without this script too where the browser can (::details-content).
  function openWide(root) {
    if (!window.matchMedia) return;
    $("details[data-wide-open]", root).forEach(function (details) {
      if (window.matchMedia("(min-width: " + details.getAttribute("data-wide-open") + "rem)").matches) details.open = true;
    });
  }
  openWide(document);

  // Search as you type: fetch the same results page and swap the results in place.
  var form = document.querySelector("form[data-live]");
  var results = document.getElementById("results");
  if (!form || !results || !window.fetch || !window.DOMParser) return;
  var timer = null, pending = null;
  function refresh() {
    var params = new URLSearchParams(new FormData(form));
    var url = form.action + "?" + params.toString();
    if (pending) pending.abort();
    pending = new AbortController();
    fetch(url, { signal: pending.signal, credentials: "same-origin" }).then(function (response) {
      if (!response.ok) return null;
      return response.text();
    }).then(function (html) {
      if (!html) return;
      var page = new DOMParser().parseFromString(html, "text/html");
      var fresh = page.getElementById("results");
      if (!fresh) return;
      results.replaceWith(fresh);
      results = fresh;
      openWide(results);
      var summary = page.querySelector("[data-query-summary]"), shown = document.querySelector("[data-query-summary]");
      if (summary && shown) shown.textContent = summary.textContent;
      history.replaceState(null, "", url);
    }).catch(function () {});
  }
  form.addEventListener("input", function (event) {
    if (event.target.type !== "text" && event.target.type !== "search") return;
    clearTimeout(timer);
    timer = setTimeout(refresh, 300);
  });
  form.addEventListener("change", function (event) {
    if (event.target.type === "checkbox" || event.target.tagName === "SELECT") refresh();
  });
}());
