/* The review page: answer on one key (f fits, d does not fit, s skip, u undo) or a button; the server
   replies with the next card, which replaces the current one (no page load). One request at a time:
   keys pressed while an answer is on its way are ignored, so a double press never answers twice. */
(function () {
  "use strict";
  var root = document.getElementById("oo-review");
  if (!root) return;
  var token = root.querySelector("input[name=csrfmiddlewaretoken]").value;
  var busy = false;
  var KEYS = { f: "fits", d: "no_fit", s: "skip" };

  function show(reply) {
    document.getElementById("oo-card").innerHTML = reply.card;
    document.getElementById("oo-progress").textContent = reply.progress;
    document.getElementById("oo-loop").innerHTML = reply.loop;
    var message = document.getElementById("oo-message");
    message.textContent = reply.message;
    message.className = reply.taken ? "oo-taken" : "";
    root.dataset.cardId = reply.id === null ? "" : String(reply.id);
  }

  function post(url, fields) {
    if (busy) return;
    busy = true;
    root.classList.add("oo-busy");
    var body = new URLSearchParams(fields);
    fetch(url, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "X-CSRFToken": token, "X-Requested-With": "fetch" },
    })
      .then(function (response) {
        if (!response.ok) {
          return response.text().then(function (text) {
            throw new Error(response.status + " " + text.slice(0, 200));
          });
        }
        return response.json();
      })
      .then(show)
      .catch(function (error) {
        var message = document.getElementById("oo-message");
        message.textContent = "Not saved: " + error.message;
        message.className = "oo-taken";
      })
      .finally(function () {
        busy = false;
        root.classList.remove("oo-busy");
      });
  }

  function answer(choice) {
    if (!root.dataset.cardId) return;
    post(root.dataset.answerUrl, { id: root.dataset.cardId, answer: choice });
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    var target = event.target;
    if (target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName))) return;
    var key = event.key.toLowerCase();
    if (KEYS[key]) {
      event.preventDefault();
      answer(KEYS[key]);
    } else if (key === "u") {
      event.preventDefault();
      post(root.dataset.undoUrl, {});
    }
  });

  root.addEventListener("click", function (event) {
    var button = event.target.closest("button");
    if (!button) return;
    if (button.dataset.answer) answer(button.dataset.answer);
    else if (button.hasAttribute("data-undo")) post(root.dataset.undoUrl, {});
    else if (button.hasAttribute("data-restart")) post(root.dataset.restartUrl, {});
  });
})();
