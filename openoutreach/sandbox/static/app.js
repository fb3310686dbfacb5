/* Sandbox page behaviour: telemetry, menus, the connect modal, messaging, toasts.
 * Controls are found by element id (2022/older markup) or componentkey (2026) in
 * window.__SANDBOX__.controls, so the markup itself carries no sandbox-only attributes. Every state change goes through a Voyager-style POST with the csrf-token. */
(function () {
  "use strict";
  var cfg = window.__SANDBOX__ || { controls: {} };
  var ctrls = cfg.controls || {};
  var emberSeq = 9000;
  var recipients = new WeakMap();

  function telemetry() {
    var t = {
      webdriver: navigator.webdriver, userAgent: navigator.userAgent, languages: navigator.languages,
      platform: navigator.platform, plugins: navigator.plugins ? navigator.plugins.length : -1,
      hardwareConcurrency: navigator.hardwareConcurrency, chrome: !!window.chrome,
      screen: [screen.width, screen.height], path: location.pathname
    };
    try { fetch("/li/track", { method: "POST", body: JSON.stringify(t), keepalive: true,
      headers: { "content-type": "application/json" } }); } catch (e) { /* telemetry never breaks a page */ }
  }

  function csrf() {
    var m = document.cookie.match(/(?:^|;\s*)JSESSIONID=("?)([^;"]*)\1/);
    return m ? m[2] : "";
  }

  function api(method, url, body) {
    return fetch(url, {
      method: method, credentials: "same-origin",
      headers: { "csrf-token": csrf(), "content-type": "application/json", "x-restli-protocol-version": "2.0.0",
                 "accept": "application/vnd.linkedin.normalized+json+2.1" },
      body: body === undefined ? undefined : JSON.stringify(body)
    }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (data) { return { status: r.status, data: data }; });
    });
  }

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function toast(kind, message) {
    var box = document.querySelector(".artdeco-toasts_toasts") || document.body;
    var item = el("div", { "data-test-artdeco-toast-item-type": kind, role: "alert",
      "class": "artdeco-toast-item artdeco-toast-item--visible" });
    // 2026 pages title their toasts with h2[data-testid="toasts-title"] (linkedin-surface.md)
    if (cfg.gen === "2026") item.appendChild(el("h2", { "data-testid": "toasts-title" }, message));
    else item.appendChild(el("p", { "class": "artdeco-toast-item__message" }, message));
    var close = el("button", { "aria-label": "Dismiss", "class": "artdeco-toast-item__dismiss" }, "×");
    close.addEventListener("click", function () { item.remove(); });
    item.appendChild(close);
    box.appendChild(item);
    setTimeout(function () { item.remove(); }, 10000);
  }

  function closeModals() {
    document.querySelectorAll(".artdeco-modal-overlay").forEach(function (m) { m.remove(); });
  }

  function modal(extraClass, labelId, title) {
    closeModals();
    var overlay = el("div", { "class": "artdeco-modal-overlay artdeco-modal-overlay--is-top-layer", role: "presentation" });
    var dialog = el("div", { "class": "artdeco-modal artdeco-modal--layer-default " + extraClass, role: "dialog",
      "aria-modal": "true", "aria-labelledby": labelId });
    var dismiss = el("button", { "class": "artdeco-modal__dismiss", "aria-label": "Dismiss" }, "×");
    dismiss.addEventListener("click", closeModals);
    dialog.appendChild(dismiss);
    var header = el("div", { "class": "artdeco-modal__header" });
    header.appendChild(el("h2", { id: labelId }, title));
    dialog.appendChild(header);
    overlay.appendChild(dialog);
    document.body.appendChild(overlay);
    return dialog;
  }

  function button(label, text, cls, onClick) {
    var attrs = { "class": "artdeco-button artdeco-button--2 " + (cls || "") };
    if (label) attrs["aria-label"] = label;
    var b = el("button", attrs);
    b.appendChild(el("span", { "class": "artdeco-button__text" }, text));
    b.addEventListener("click", onClick);
    return b;
  }

  function showLimit() {
    closeModals();
    var overlay = el("div", { "class": "artdeco-modal-overlay artdeco-modal-overlay--is-top-layer", role: "presentation" });
    var dialog = el("div", { "class": "artdeco-modal ip-fuse-limit-alert", role: "dialog", "aria-labelledby": "ip-fuse-limit-alert__header" });
    var warn = el("div", { "class": "ip-fuse-limit-alert__warning" });
    warn.appendChild(el("h2", { id: "ip-fuse-limit-alert__header" }, "You’ve reached the weekly invitation limit"));
    warn.appendChild(el("p", {}, "You’ve sent too many invitations this week. Try again next week."));
    dialog.appendChild(warn);
    dialog.appendChild(button("Got it", "Got it", "artdeco-button--primary ip-fuse-limit-alert__primary-action", closeModals));
    overlay.appendChild(dialog);
    document.body.appendChild(overlay);
  }

  // Controls are keyed by element id (2022/older markup) or by their random-UUID componentkey (2026).
  function controlOf(target) {
    for (var node = target; node && node.nodeType === 1; node = node.parentElement) {
      var key = node.getAttribute("componentkey");
      if (node.id && ctrls[node.id]) return { node: node, c: ctrls[node.id] };
      if (key && ctrls[key]) return { node: node, c: ctrls[key] };
    }
    return null;
  }

  function byKey(key) {
    return key ? document.getElementById(key) || document.querySelector('[componentkey="' + key + '"]') : null;
  }

  function newKey() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return "xxxxxxxx-xxxx-4xxx-8xxx-xxxxxxxxxxxx".replace(/x/g, function () { return (Math.random() * 16 | 0).toString(16); });
  }

  // the 2026 overflow menu: one popover portal at the end of <body>, opened by the card's More
  function portal() { return document.querySelector("[popover]"); }

  function closePortal() {
    var pop = portal();
    if (pop && pop.matches(":popover-open")) pop.hidePopover();
    document.querySelectorAll('button[aria-expanded="true"]').forEach(function (b) {
      var hit = controlOf(b);
      if (hit && hit.c.kind === "popover") b.setAttribute("aria-expanded", "false");
    });
  }

  function togglePortal(trigger) {
    var pop = portal();
    if (!pop) return;
    if (pop.matches(":popover-open")) { closePortal(); return; }
    var box = trigger.getBoundingClientRect();
    pop.style.position = "fixed";
    pop.style.inset = "auto";
    pop.style.margin = "0";
    pop.style.top = Math.round(box.bottom + 4) + "px";
    pop.style.left = Math.round(box.left) + "px";
    pop.showPopover();
    trigger.setAttribute("aria-expanded", "true");
  }

  function closeDropdowns() {
    document.querySelectorAll(".artdeco-dropdown__content").forEach(function (m) { m.hidden = true; });
    document.querySelectorAll('.artdeco-dropdown__trigger[aria-expanded="true"]').forEach(function (b) {
      b.setAttribute("aria-expanded", "false");
    });
  }

  function closeMenus() { closePortal(); closeDropdowns(); }

  function pendingControl(c, cls) {
    var label = "Pending, click to withdraw invitation sent to " + c.name;
    var entry = { kind: "withdraw", urn: c.urn, name: c.name, first: c.first, gen: c.gen };
    var node;
    if (c.gen === "2026") {
      var key = newKey();
      node = el("a", { href: "#", componentkey: key, "aria-label": label, "class": cls || "" });
      node.appendChild(el("span", {}, "Pending"));
      ctrls[key] = entry;
    } else {
      var id = "ember" + (emberSeq++);
      var attrs = { id: id };
      if (c.gen === "older") attrs["class"] = "pv-s-profile-actions pv-s-profile-actions--pending button-secondary-large mr2 mt2";
      else { attrs["class"] = "artdeco-button artdeco-button--2 artdeco-button--muted pvs-profile-actions__action"; attrs["aria-label"] = label; }
      node = el("button", attrs);
      node.appendChild(el("span", { "class": "artdeco-button__text" }, "Pending"));
      ctrls[id] = entry;
    }
    return node;
  }

  // After an invitation is sent, the control that sent it turns into LinkedIn's Pending state.
  function markPending(node, c) {
    closeMenus();
    if (c.where === "page") {
      var status = document.querySelector(".custom-invite__status");
      if (status) status.textContent = "Your invitation to " + c.name + " is pending.";
      return;
    }
    if ((c.where !== "card" && c.where !== "menu") || !node) {  // sidebars, search results
      if (node) node.replaceWith(el("button", { disabled: "", "class": node.getAttribute("class") || "" }, "Pending"));
      return;
    }
    var pending = pendingControl(c, node.getAttribute("class"));
    if (c.where === "menu") {
      var anchor = byKey(c.anchor);
      var item = node.closest("li") || node;
      item.remove();
      if (anchor) {
        var before = anchor.closest(".artdeco-dropdown") || anchor;
        before.parentNode.insertBefore(pending, before);
      }
    } else {
      node.replaceWith(pending);
    }
  }

  function sendInvite(node, c, note) {
    var body = { invitee: { inviteeUnion: { memberProfile: c.urn } } };
    if (note) body.customMessage = note;
    api("POST", "/voyager/api/voyagerRelationshipsDashMemberRelationships?action=verifyQuotaAndCreateV2" +
        "&decorationId=com.linkedin.voyager.dash.deco.relationships.InvitationCreationResultWithInvitee-2", body)
      .then(function (r) {
        if (r.status === 201) {
          closeModals();
          markPending(node, c);
          toast("success", "Your invitation to " + c.name + " was sent.");
        } else if (r.data.code === "weekly_limit") {
          cfg.limitReached = true;
          showLimit();
        } else {
          closeModals();
          toast("error", r.data.message || "Something went wrong. Please try again.");
        }
      }, function () { closeModals(); toast("error", "Something went wrong. Please try again."); });
  }

  function noteStep(dialog, node, c) {
    var content = dialog.querySelector(".artdeco-modal__content");
    content.textContent = "";
    var area = el("textarea", { id: "custom-message", name: "message", maxlength: "300",
      placeholder: "Ex: We know each other from…", "aria-label": "Add a note" });
    content.appendChild(area);
    var bar = dialog.querySelector(".artdeco-modal__actionbar");
    bar.textContent = "";
    bar.appendChild(button("Cancel adding a note", "Cancel", "artdeco-button--secondary", closeModals));
    bar.appendChild(button("Send invitation", "Send", "artdeco-button--primary", function () { sendInvite(node, c, area.value.trim()); }));
  }

  function openConnect(node, c) {
    if (cfg.limitReached) { showLimit(); return; }
    var dialog = modal("send-invite", "send-invite-modal", "Add a note to your invitation?");
    var content = el("div", { "class": "artdeco-modal__content" });
    content.appendChild(el("p", {}, "Personalize your invitation to " + c.name + " by adding a note. LinkedIn members are more likely to accept invitations that include a note."));
    dialog.appendChild(content);
    var bar = el("div", { "class": "artdeco-modal__actionbar" });
    dialog.appendChild(bar);
    var addNote = function () { noteStep(dialog, node, c); };
    var send = function () { sendInvite(node, c, null); };
    if (c.modal === 1) {
      bar.appendChild(button(null, "Add a note", "artdeco-button--secondary", addNote));
      bar.appendChild(button(null, "Send now", "artdeco-button--primary", send));
    } else if (c.modal === 2) {
      bar.appendChild(button("Add a free note", "Add a note", "artdeco-button--secondary", addNote));
      bar.appendChild(button("Send invitation", "Send", "artdeco-button--primary", send));
    } else {
      bar.appendChild(button("Add a note", "Add a note", "artdeco-button--secondary", addNote));
      bar.appendChild(button("Send without a note", "Send without a note", "artdeco-button--primary", send));
    }
  }

  function openWithdraw(node, c) {
    var dialog = modal("withdraw-invite", "withdraw-modal", "Withdraw invitation");
    dialog.appendChild(el("p", { "class": "artdeco-modal__content" },
      "If you withdraw now, you won’t be able to resend to " + c.name + " for up to 3 weeks."));
    var bar = el("div", { "class": "artdeco-modal__actionbar" });
    bar.appendChild(button(null, "Cancel", "artdeco-button--secondary", closeModals));
    bar.appendChild(button(null, "Withdraw", "artdeco-button--primary", function () {
      api("POST", "/voyager/api/voyagerRelationshipsDashInvitations?action=withdraw", { invitee: c.urn }).then(function (r) {
        closeModals();
        if (r.status === 200) location.reload(); else toast("error", r.data.message || "Something went wrong.");
      });
    }));
    dialog.appendChild(bar);
  }

  function editorForm(form, urn, onSent) {
    recipients.set(form, urn);
    var editor = form.querySelector(".msg-form__contenteditable");
    var send = form.querySelector("button[type=submit]");
    var sync = function () { send.disabled = editor.innerText.trim() === ""; };
    editor.addEventListener("input", sync);
    editor.addEventListener("keyup", sync);
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var text = editor.innerText.trim();
      var to = recipients.get(form);
      if (!text || !to) return;
      send.disabled = true;
      api("POST", "/voyager/api/voyagerMessagingDashMessengerMessages?action=createMessage", { recipient: to, text: text })
        .then(function (r) {
          if (r.status === 201) { editor.innerHTML = ""; onSent(text, r.data.value); }
          else { toast("error", r.data.message || "Message failed to send."); sync(); }
        }, function () { toast("error", "Message failed to send."); sync(); });
    });
  }

  function openOverlay(c) {
    var old = document.getElementById("msg-overlay");
    if (old) old.remove();
    var aside = el("aside", { id: "msg-overlay", "class": "msg-overlay-container" });
    var bubble = el("div", { "class": "msg-overlay-conversation-bubble", role: "dialog", "aria-label": "Messaging with " + c.name });
    var header = el("header", { "class": "msg-overlay-bubble-header" });
    header.appendChild(el("h2", { "class": "msg-overlay-bubble-header__title" }, c.name));
    var close = el("button", { "aria-label": "Close your conversation with " + c.name }, "×");
    close.addEventListener("click", function () { aside.remove(); });
    header.appendChild(close);
    bubble.appendChild(header);
    var list = el("ul", { "class": "msg-s-message-list-content" });
    bubble.appendChild(list);
    var form = el("form", { "class": "msg-form" });
    var wrap = el("div", { "class": "msg-form__msg-content-container" });
    wrap.appendChild(el("div", { "class": "msg-form__contenteditable t-14 flex-grow-1", contenteditable: "true",
      role: "textbox", "aria-multiline": "true", "aria-label": "Write a message…" }));
    form.appendChild(wrap);
    var footer = el("footer", { "class": "msg-form__footer" });
    var send = el("button", { type: "submit", "class": "msg-form__send-button artdeco-button artdeco-button--1" }, "Send");
    send.disabled = true;
    footer.appendChild(send);
    form.appendChild(footer);
    bubble.appendChild(form);
    aside.appendChild(bubble);
    document.body.appendChild(aside);
    editorForm(form, c.urn, function (text) {
      var li = el("li", { "class": "msg-s-message-list__event" });
      li.appendChild(el("p", { "class": "msg-s-event-listitem__body" }, text));
      list.appendChild(li);
    });
    form.querySelector(".msg-form__contenteditable").focus();
  }

  function inmail(c) {
    var dialog = modal("premium-upsell", "upsell-modal", "Message " + c.first + " with InMail");
    dialog.appendChild(el("p", { "class": "artdeco-modal__content" }, "Only Premium members can message people outside their network."));
  }

  document.addEventListener("keydown", function (ev) {
    if (ev.key === "Escape") closeMenus();
  });

  document.addEventListener("click", function (ev) {
    var hit = controlOf(ev.target);
    var pop = portal();
    var inPortal = pop && pop.contains(ev.target);
    if (!hit) {
      if (!inPortal) closeMenus();  // an outside click closes open menus; links elsewhere still work
      return;
    }
    var node = hit.node, c = hit.c;
    if (c.kind === "thread" || c.kind === "compose") return;
    ev.preventDefault();
    if (c.kind === "popover") { closeDropdowns(); togglePortal(node); return; }
    if (c.kind === "menu") {
      var menu = node.nextElementSibling;
      closePortal();
      if (menu) { menu.hidden = !menu.hidden; node.setAttribute("aria-expanded", String(!menu.hidden)); }
      return;
    }
    closeMenus();
    if (c.kind === "connect") openConnect(node, c);
    else if (c.kind === "withdraw") openWithdraw(node, c);
    else if (c.kind === "message") openOverlay(c);
    else if (c.kind === "inmail") inmail(c);
    else if (c.kind === "follow") {
      node.setAttribute("aria-label", "Following " + c.name);
      var text = node.querySelector("span span") || node.querySelector("p") || node;
      text.textContent = "Following";
    }
  });

  // a page that opens the invitation modal on load (/preload/custom-invite/?vanityName=...)
  if (cfg.autoConnect && ctrls[cfg.autoConnect]) openConnect(null, ctrls[cfg.autoConnect]);

  // the message thread and compose pages: their form already knows the recipient
  document.querySelectorAll("form.msg-form[id]").forEach(function (form) {
    var c = ctrls[form.id];
    if (c && c.kind === "thread") editorForm(form, c.urn, function () { location.reload(); });
    if (c && c.kind === "compose") {
      var list = document.querySelector(".msg-s-message-list-content");
      editorForm(form, c.urn, function (text) {
        var li = el("li", { "class": "msg-s-message-list__event" });
        li.appendChild(el("p", { "class": "msg-s-event-listitem__body" }, text));
        list.appendChild(li);
      });
    }
  });

  // new message: recipient typeahead, then the editor
  var search = document.querySelector("input.msg-connections-typeahead__search-field");
  if (search) {
    var results = document.querySelector(".msg-connections-typeahead__search-results");
    var chosen = document.querySelector(".msg-connections-typeahead__recipients");
    var form = document.querySelector(".msg-compose form.msg-form");
    var timer = null;
    editorForm(form, null, function (text, value) { location.href = "/messaging/thread/" + value.threadId + "/"; });
    search.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        var q = search.value.trim();
        if (!q) { results.textContent = ""; return; }
        api("GET", "/voyager/api/voyagerMessagingDashTypeahead?q=" + encodeURIComponent(q)).then(function (r) {
          if (search.value.trim() !== q) return;
          results.textContent = "";
          (r.data.elements || []).forEach(function (hit) {
            var row = el("div", { "class": "msg-connections-typeahead__search-result-row", role: "option", tabindex: "-1" });
            row.appendChild(el("img", { alt: hit.name, src: "data:," }));
            var dl = el("dl", { "class": "msg-connections-typeahead__search-result-text" });
            dl.appendChild(el("dt", { "class": "msg-connections-typeahead__result-name" }, hit.name));
            dl.appendChild(el("dd", { "class": "msg-connections-typeahead__result-headline" }, hit.headline));
            row.appendChild(dl);
            row.addEventListener("click", function () {
              recipients.set(form, hit.urn);
              chosen.textContent = "";
              chosen.appendChild(el("span", { "class": "msg-connections-typeahead__recipient artdeco-pill" }, hit.name));
              results.textContent = "";
              search.value = "";
              form.hidden = false;
            });
            results.appendChild(row);
          });
          search.setAttribute("aria-expanded", String(results.children.length > 0));
        });
      }, 120);
    });
  }

  telemetry();
})();
