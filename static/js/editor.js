// After an in-place save (htmx) the editor is redrawn where it was scrolled to. When the
// save met a conflict, its two versions are at the top of the editor: bring them into
// view and move the focus there, so the person sees why nothing was saved.
(function () {
  "use strict";
  document.addEventListener("htmx:afterSwap", function () {
    var heading = document.getElementById("h-conflict");
    if (!heading) {
      // A save refused for a field (an empty title): go to that field, wherever it is.
      var invalid = document.querySelector(".utrecht-form-field--invalid input, .utrecht-form-field--invalid textarea");
      if (invalid) invalid.focus();
      return;
    }
    heading.setAttribute("tabindex", "-1");
    heading.scrollIntoView({ block: "start" });
    heading.focus({ preventScroll: true });
  });
})();
