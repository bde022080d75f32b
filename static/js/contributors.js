// The contributors list in the page: with JavaScript rows are added, removed and moved
// here (↑/↓ with the keyboard, the handle with the mouse) and saved together with
// "Opslaan". Without it every button posts the whole list and the server does the same.
(function () {
  "use strict";
  var form = document.querySelector("[data-contributors]");
  if (!form) return;
  var list = form.querySelector("[data-rows]");
  var addButton = form.querySelector("[data-add]");

  function rows() { return Array.prototype.slice.call(list.querySelectorAll(":scope > [data-row]")); }

  function renumber() {
    rows().forEach(function (row, index) {
      row.querySelectorAll("input").forEach(function (input) {
        var id = input.name + "-" + index;
        var label = row.querySelector("label[for='" + input.id + "']");
        input.id = id;
        if (label) label.htmlFor = id;
      });
      var legend = row.querySelector("legend");
      if (legend) legend.textContent = legend.textContent.replace(/\d+/, String(index + 1));
      var all = rows();
      row.querySelector("[data-move='-1']").disabled = index === 0;
      row.querySelector("[data-move='1']").disabled = index === all.length - 1;
    });
  }

  function blankRow() {
    var template = rows()[rows().length - 1];
    var row = template.cloneNode(true);
    row.querySelectorAll("input").forEach(function (input) { input.value = ""; });
    return row;
  }

  form.addEventListener("click", function (event) {
    var button = event.target.closest("button");
    if (!button || !form.contains(button)) return;
    var row = button.closest("[data-row]");
    if (button.hasAttribute("data-remove")) {
      event.preventDefault();
      var next = row.nextElementSibling || row.previousElementSibling;
      if (rows().length === 1) list.appendChild(blankRow());
      row.remove();
      renumber();
      var focus = next && next.querySelector("input");
      if (focus) focus.focus();
    } else if (button.hasAttribute("data-move")) {
      event.preventDefault();
      var step = parseInt(button.dataset.move, 10);
      var other = step < 0 ? row.previousElementSibling : row.nextElementSibling;
      if (!other) return;
      if (step < 0) list.insertBefore(row, other); else list.insertBefore(other, row);
      renumber();
      // Keep the keyboard where it was: on the same button of the moved row (or its
      // neighbour when the row reached an end and the button is now disabled).
      var again = row.querySelector("[data-move='" + step + "']");
      (again.disabled ? row.querySelector("[data-move='" + -step + "']") : again).focus();
    } else if (button.hasAttribute("data-add")) {
      event.preventDefault();
      var fresh = blankRow();
      list.appendChild(fresh);
      renumber();
      fresh.querySelector("input").focus();
    }
  });

  if (addButton) addButton.hidden = false;
  var hint = form.querySelector("[data-nojs-hint]");
  if (hint) hint.hidden = true;
  form.querySelectorAll(".drag-handle").forEach(function (handle) { handle.hidden = false; });
  if (window.Sortable) {
    window.Sortable.create(list, { handle: ".drag-handle", draggable: "[data-row]", animation: 150, onEnd: renumber });
  }
  renumber();
})();
