/* Live design session: keeps the board of this screen up to date.
 *
 * The server sends every change as a server-sent event with its session-ordered number
 * (the SSE id; the browser sends Last-Event-ID when it reconnects and the server replays
 * what was missed). Each change reloads the board fragment from the server, so a screen
 * only ever shows a state the server had; loads are coalesced, and held back while the
 * person is dragging a card.
 */
(function () {
  "use strict";
  var root = document.querySelector("[data-stream]");
  if (!root) return;
  var boardUrl = root.dataset.boardUrl;
  var moveUrl = root.dataset.moveUrl;
  var me = root.dataset.participant;
  var last = 0;
  var loading = false, pending = false, dragging = false;

  function notice(text) {
    var el = document.getElementById("notice");
    if (el) { el.textContent = text; setTimeout(function () { if (el.textContent === text) el.textContent = ""; }, 5000); }
  }

  function shown() {
    var board = document.getElementById("board");
    return board ? parseInt(board.dataset.lastEvent || "0", 10) : 0;
  }

  function reload() {
    if (loading || dragging) { pending = true; return; }
    loading = true;
    var done = function () {
      loading = false;
      if (pending) { pending = false; reload(); return; }
      // A load that failed (offline) or raced an event: try again until the board is
      // at least as new as the last event this screen heard of.
      if (shown() < last) setTimeout(reload, 1000);
    };
    htmx.ajax("GET", boardUrl, { target: "#board", swap: "outerHTML" }).then(done, done);
  }

  function connect() {
    var source = new EventSource(root.dataset.stream + "?na=" + last);
    source.onmessage = function (e) {
      var message = JSON.parse(e.data);
      if (message.id <= last && message.kind !== "reset") return;
      last = message.id;
      document.body.dataset.lastEvent = String(last);
      if (message.kind === "removed" && String(message.data.participant) === me) {
        source.close(); window.location.reload(); return;
      }
      reload();
    };
    source.onopen = function () {
      // After a reconnect the replayed events bring the board up to date; a board that
      // missed its load while offline is reloaded here too.
      if (document.body.dataset.live === "reconnecting") reload();
      document.body.dataset.live = "open";
    };
    source.onerror = function () { document.body.dataset.live = "reconnecting"; };
  }

  function sortables() {
    if (!window.Sortable) return;
    document.querySelectorAll("#board .dropzone").forEach(function (list) {
      if (list._sortable) return;
      list._sortable = Sortable.create(list, {
        group: "board", animation: 120, draggable: ".card", filter: "form, button", preventOnFilter: false,
        delay: 150, delayOnTouchOnly: true,
        onStart: function () { dragging = true; },
        onEnd: function (evt) {
          dragging = false;
          var item = evt.item.dataset.item;
          var place = evt.to.dataset.place;
          if (evt.from === evt.to) { if (pending) { pending = false; reload(); } return; }
          var body = new FormData();
          body.append("place", place);
          fetch(moveUrl.replace("/0/", "/" + item + "/"), {
            method: "POST", body: body, credentials: "same-origin",
            headers: { "X-CSRFToken": csrf(), "HX-Request": "true" }
          }).then(function (r) {
            if (!r.ok) return r.text().then(notice);
          }).finally(function () { pending = false; reload(); });
        }
      });
    });
  }

  function csrf() {
    try { return JSON.parse(document.body.getAttribute("hx-headers"))["X-CSRFToken"]; } catch (e) { return ""; }
  }

  function timers() {
    document.querySelectorAll(".timer[data-ends]").forEach(function (el) {
      var left = Math.max(0, Math.round((new Date(el.dataset.ends) - new Date()) / 1000));
      var text = Math.floor(left / 60) + ":" + String(left % 60).padStart(2, "0");
      var out = el.querySelector(".timer__left");
      if (out && out.textContent !== text) out.textContent = text;
      el.classList.toggle("timer--done", left === 0);
    });
  }

  document.body.addEventListener("htmx:responseError", function (e) {
    notice(e.detail.xhr.responseText || "Dat lukte niet.");
  });
  document.body.addEventListener("htmx:afterSettle", sortables);
  window.addEventListener("online", reload);
  sortables();
  setInterval(timers, 1000);
  timers();
  last = parseInt((document.getElementById("board") || {}).dataset.lastEvent || "0", 10);
  connect();
})();
