// Drag and drop for ordered lists of a plan (sections, items). Each list marked
// data-sortable-url gets SortableJS; after a drop the new order is posted with the
// revision the list was shown at.
// A list with data-revision-from (a section's items) reads that revision from the
// element(s) it names, the editor's forms, and the server answers a drop with nothing to
// redraw but the new revision (header X-Revision), which goes back into those forms: the
// list already shows the order, and the next save of any form is not taken for a
// conflict. Any other list, or a refused drop (a conflict), reloads the page to show
// what the server stored.
// The ↑/↓ buttons next to every row do the same without a mouse (and without JavaScript).
(function () {
  function csrfToken() {
    var headers = document.body.getAttribute("hx-headers");
    try { return JSON.parse(headers)["X-CSRFToken"]; } catch (e) { return ""; }
  }
  function rows(list) { return list.querySelectorAll(":scope > [data-id]"); }
  // After a drop the first row cannot move up and the last not down: as if redrawn.
  function markEnds(list) {
    var all = rows(list);
    Array.prototype.forEach.call(all, function (row, index) {
      var up = row.querySelector('button[value$="-up"]');
      var down = row.querySelector('button[value$="-down"]');
      if (up) up.disabled = index === 0;
      if (down) down.disabled = index === all.length - 1;
    });
  }
  function init(list) {
    if (!window.Sortable || list.dataset.sortableReady) return;
    list.dataset.sortableReady = "1";
    window.Sortable.create(list, {
      handle: ".drag-handle",
      draggable: "[data-id]",
      animation: 150,
      onEnd: function (event) {
        if (event.oldIndex === event.newIndex) return;
        var ids = Array.prototype.map.call(rows(list), function (row) { return row.dataset.id; });
        var from = list.dataset.revisionFrom;
        var source = from ? document.querySelector(from) : null;
        var body = new URLSearchParams();  // sent urlencoded, as a form without files is
        body.append("action", "reorder");
        body.append("order", ids.join(","));
        body.append("parent", list.dataset.parent || "");
        body.append("revision", source ? source.value : (list.dataset.revision || ""));
        var headers = {"X-CSRFToken": csrfToken(), "X-Requested-With": "fetch"};
        if (from) headers["HX-Request"] = "true";
        fetch(list.dataset.sortableUrl, {
          method: "POST", body: body, credentials: "same-origin", headers: headers,
        }).then(function (response) {
          var revision = response.headers.get("X-Revision");
          if (!from || !response.ok || !revision) { window.location.reload(); return; }
          document.querySelectorAll(from).forEach(function (input) { input.value = revision; });
          markEnds(list);
        }, function () { window.location.reload(); });
      },
    });
  }
  function initAll() { document.querySelectorAll("[data-sortable-url]").forEach(init); }
  document.addEventListener("DOMContentLoaded", initAll);
  document.addEventListener("htmx:afterSwap", initAll);
})();
