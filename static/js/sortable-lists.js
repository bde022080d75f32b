// Drag and drop for ordered lists of a plan (sections, items). Each list marked
// data-sortable-url gets SortableJS; after a drop the new order is posted, with the
// revision the list was shown at, and the page reloads to show what the server stored.
// The ↑/↓ buttons next to every row do the same without a mouse (and without JavaScript).
(function () {
  function csrfToken() {
    var headers = document.body.getAttribute("hx-headers");
    try { return JSON.parse(headers)["X-CSRFToken"]; } catch (e) { return ""; }
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
        var ids = Array.prototype.map.call(list.querySelectorAll(":scope > [data-id]"), function (row) {
          return row.dataset.id;
        });
        var body = new FormData();
        body.append("action", "reorder");
        body.append("order", ids.join(","));
        body.append("parent", list.dataset.parent || "");
        body.append("revision", list.dataset.revision || "");
        fetch(list.dataset.sortableUrl, {
          method: "POST", body: body, credentials: "same-origin",
          headers: {"X-CSRFToken": csrfToken(), "X-Requested-With": "fetch"},
        }).then(function () { window.location.reload(); });
      },
    });
  }
  function initAll() { document.querySelectorAll("[data-sortable-url]").forEach(init); }
  document.addEventListener("DOMContentLoaded", initAll);
  document.addEventListener("htmx:afterSwap", initAll);
})();
