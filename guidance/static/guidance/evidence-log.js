// Lotse evidence log (issue 16): everything stays in this browser tab.
//
// Nothing typed here leaves the page: there is no <form> (nothing to submit), no fetch, no
// cookie, no localStorage or other storage. "Save" builds an HTML file in memory and hands
// it to the browser as a download (a blob: URL, never a request); "Open" reads such a file
// back with FileReader. Without this script the page is a blank form to print.
(function () {
  "use strict";
  var actions = document.querySelector("[data-log-actions]");
  var entries = document.querySelector("[data-log-entries]");
  var template = document.getElementById("log-entry-template");
  if (!actions || !entries || !template || !window.Blob || !window.FileReader) return;

  var FORMAT = "lotse-evidence-log";
  var ENTRY_FIELDS = ["date", "time", "place", "who", "what", "witnesses", "evidence", "reported"];
  var PERSON_FIELDS = ["name", "role"];
  var MAX_ENTRIES = 200, MAX_TEXT = 20000;
  var status = actions.querySelector("[data-log-status]");
  var dirty = false;
  var msg = function (name) { return actions.getAttribute("data-msg-" + name) || ""; };

  function say(text) { if (status) status.textContent = text; }

  // --- the form ------------------------------------------------------------------------
  function entryNodes() { return entries.querySelectorAll("[data-log-entry]"); }

  function renumber() {
    var nodes = entryNodes();
    nodes.forEach(function (entry, index) {
      var n = index + 1;
      entry.querySelector("[data-log-number]").textContent = String(n);
      entry.setAttribute("aria-labelledby", "entry-" + n + "-title");
      entry.querySelector("h2").id = "entry-" + n + "-title";
      entry.querySelectorAll("[data-field]").forEach(function (control) {
        var id = "entry-" + n + "-" + control.getAttribute("data-field");
        var label = control.parentNode.querySelector("label");
        control.id = id;
        if (label) label.htmlFor = id;
      });
      var remove = entry.querySelector("[data-log-remove]");
      if (remove) remove.hidden = nodes.length < 2;
    });
  }

  function addEntry() {
    if (entryNodes().length >= MAX_ENTRIES) return null;
    var fresh = template.content.firstElementChild.cloneNode(true);
    entries.appendChild(fresh);
    renumber();
    return fresh;
  }

  // Printing shows each filled field as text (a textarea would print only its visible part).
  function mirror(control) {
    var field = control.closest("[data-log-field]");
    if (!field) return;
    var value = control.value;
    field.querySelector(".print-value").textContent = value;
    field.classList.toggle("filled", value.trim() !== "");
  }

  function mirrorAll() { document.querySelectorAll("[data-log-field] [data-field]").forEach(mirror); }

  function values(root, names) {
    var data = {};
    names.forEach(function (name) {
      var control = root.querySelector('[data-field="' + name + '"]');
      data[name] = control ? control.value : "";
    });
    return data;
  }

  function collect() {
    var person = values(document.querySelector(".log-person"), PERSON_FIELDS);
    var list = [];
    entryNodes().forEach(function (entry) { list.push(values(entry, ENTRY_FIELDS)); });
    return { format: FORMAT, version: 1, saved: new Date().toISOString(), person: person, entries: list };
  }

  function fill(root, data, names) {
    names.forEach(function (name) {
      var control = root.querySelector('[data-field="' + name + '"]');
      var value = data && typeof data[name] === "string" ? data[name].slice(0, MAX_TEXT) : "";
      if (control) control.value = value;
    });
  }

  function clearAll() {
    entryNodes().forEach(function (entry, index) { if (index > 0) entry.remove(); });
    document.querySelectorAll("[data-field]").forEach(function (control) { control.value = ""; });
    renumber();
    mirrorAll();
    dirty = false;
  }

  // --- the saved file ------------------------------------------------------------------
  function labelOf(root, name) {
    var control = root.querySelector('[data-field="' + name + '"]');
    var label = control && control.parentNode.querySelector("label");
    return label ? label.textContent : name;
  }

  function escapeHtml(text) {
    return String(text).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  // The saved file: a plain HTML document (readable and printable on its own) built as
  // text, every typed value escaped; the same data as JSON for "open a saved file", with
  // "<" escaped so that nothing typed can end the script element.
  function fileHtml(data) {
    var lang = document.documentElement.lang;
    function list(root, names, record) {
      return "<dl>" + names.map(function (name) {
        return "<dt>" + escapeHtml(labelOf(root, name)) + "</dt><dd>" + escapeHtml(record[name] || "–") + "</dd>";
      }).join("") + "</dl>\n";
    }
    var first = entryNodes()[0];
    var parts = [
      "<!doctype html>\n<html lang=\"" + escapeHtml(lang) + "\"><head><meta charset=\"utf-8\">",
      "<title>" + escapeHtml(msg("title")) + "</title>",
      "<style>body{font:16px/1.5 system-ui,sans-serif;max-width:45rem;margin:2rem auto;padding:0 1rem}" +
        "dt{font-weight:600}dd{margin:0 0 .75rem;white-space:pre-wrap}section{border-top:1px solid #888;break-inside:avoid}</style>",
      "</head><body>\n<h1>" + escapeHtml(msg("title")) + "</h1>\n",
      "<p>" + escapeHtml(msg("saved") + " " + new Date().toLocaleString(lang)) + "</p>\n",
      list(document.querySelector(".log-person"), PERSON_FIELDS, data.person)
    ];
    data.entries.forEach(function (record, index) {
      parts.push("<section><h2>" + escapeHtml(msg("entry") + " " + (index + 1)) + "</h2>\n" + list(first, ENTRY_FIELDS, record) + "</section>\n");
    });
    parts.push("<script type=\"application/json\" id=\"" + FORMAT + "\">" + JSON.stringify(data).replace(/</g, "\\u003c") + "</script>\n</body></html>\n");
    return parts.join("");
  }

  function save() {
    mirrorAll();
    var blob = new Blob([fileHtml(collect())], { type: "text/html;charset=utf-8" });
    var url = URL.createObjectURL(blob);
    var link = document.createElement("a");
    link.href = url;
    link.download = msg("filename") + "-" + new Date().toISOString().slice(0, 10) + ".html";
    document.body.appendChild(link);
    link.click();
    link.remove();
    setTimeout(function () { URL.revokeObjectURL(url); }, 10000);
    dirty = false;
    say(msg("done-save"));
  }

  function open(file) {
    var reader = new FileReader();
    reader.onload = function () {
      var data = null;
      // Only the JSON block is read; the rest of the file is never parsed as a document.
      var found = /<script type="application\/json" id="lotse-evidence-log">([\s\S]*?)<\/script>/.exec(String(reader.result));
      try { data = found && JSON.parse(found[1]); } catch (error) { data = null; }
      if (!data || data.format !== FORMAT || !Array.isArray(data.entries)) { say(msg("bad-file")); return; }
      clearAll();
      fill(document.querySelector(".log-person"), data.person, PERSON_FIELDS);
      data.entries.slice(0, MAX_ENTRIES).forEach(function (record, index) {
        var entry = index === 0 ? entryNodes()[0] : addEntry();
        fill(entry, record, ENTRY_FIELDS);
      });
      mirrorAll();
      say(msg("done-open"));
    };
    reader.readAsText(file);
  }

  // --- wiring --------------------------------------------------------------------------
  actions.hidden = false;
  actions.querySelector("[data-log-save]").addEventListener("click", save);
  actions.querySelector("[data-log-add]").addEventListener("click", function () {
    var fresh = addEntry();
    if (fresh) fresh.querySelector("[data-field]").focus();
  });
  actions.querySelector("[data-log-clear]").addEventListener("click", function () {
    if (window.confirm(msg("confirm-clear"))) { clearAll(); say(msg("done-clear")); }
  });
  actions.querySelector("[data-log-open]").addEventListener("change", function (event) {
    if (event.target.files && event.target.files[0]) open(event.target.files[0]);
    event.target.value = "";
  });
  document.addEventListener("input", function (event) {
    if (event.target.hasAttribute && event.target.hasAttribute("data-field")) {
      mirror(event.target);
      dirty = true;
    }
  });
  entries.addEventListener("click", function (event) {
    var remove = event.target.closest && event.target.closest("[data-log-remove]");
    if (!remove) return;
    remove.closest("[data-log-entry]").remove();
    renumber();
    dirty = true;
  });
  window.addEventListener("beforeprint", mirrorAll);
  // Nothing is kept: warn before the page (and what was typed) is closed unsaved.
  window.addEventListener("beforeunload", function (event) {
    if (dirty) { event.preventDefault(); event.returnValue = ""; }
  });
  renumber();
}());
