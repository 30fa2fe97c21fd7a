/*
 * supportbot chat widget. Add to any page:
 *
 *   <script>window.SupportbotConfig = { botUrl: "https://bot.example.com", title: "Help" };</script>
 *   <script src="https://your-supportbot/widget/widget.js" defer></script>
 *
 * It is a standard Rasa socket.io client (session_request / session_confirm, user_uttered /
 * bot_uttered, with session persistence). Its CSS and the socket.io client load from the
 * same place as this script. All text is inserted as text, never as HTML.
 */
(function () {
  "use strict";
  if (window.__supportbotWidget) return; // the script was included twice
  window.__supportbotWidget = true;

  var script = document.currentScript;
  var base = script && script.src ? new URL(".", script.src).href : "/widget/";
  var cfg = Object.assign(
    {
      botUrl: window.location.origin,
      socketPath: "/socket.io/",
      title: null, // the catalogue's, in the customer's language
      primaryColor: "#2f6f4f",
      position: "right",
      language: null, // "it", "lt-LT", ...: the page's own language when not set
      customerId: null,
      storageKey: "supportbot",
      maxLength: 5000,
      historyUrl: base + "history/",
      uploadUrl: base + "attachments/",
      filesUrl: base + "files/",
    },
    window.SupportbotConfig || {}
  );

  // The customer's language: the site's `language` option, else its page's (<html lang="it">).
  var language = String(cfg.language || document.documentElement.lang || "en").trim().toLowerCase().split(/[-_]/)[0] || "en";
  // The widget's own labels in each language the bot speaks, from its message catalogue
  // (bot/catalogue, written in below when the bot serves this file); a site may change any of
  // them with `texts: {...}`.
  var TEXTS = {/* widget texts */};
  var t = Object.assign({}, TEXTS.en, TEXTS[language] || {}, cfg.texts || {});
  t.tooLong = String(t.tooLong || "").replace("{limit}", function () { return String(cfg.maxLength); });

  var storage = {
    get: function (key) {
      try { return window.localStorage.getItem(cfg.storageKey + ":" + key); } catch (e) { return null; }
    },
    set: function (key, value) {
      try { window.localStorage.setItem(cfg.storageKey + ":" + key, value); } catch (e) { /* private mode */ }
    },
  };

  // ---- DOM helpers: attributes and text only, never innerHTML ----
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) {
      if (name === "text") node.textContent = attrs.text;
      else if (attrs[name] !== null && attrs[name] !== undefined) node.setAttribute(name, attrs[name]);
    });
    (children || []).forEach(function (child) { node.appendChild(child); });
    return node;
  }

  var URL_PATTERN = /(https?:\/\/[^\s<>"')\]]+[^\s<>"')\].,;:!?])/g;

  // One line of bot text: **bold** and http(s) links become elements; everything else is text.
  function appendInline(parent, line) {
    var parts = line.split(/(\*\*[^*]+\*\*)/g);
    parts.forEach(function (part) {
      if (/^\*\*[^*]+\*\*$/.test(part)) {
        parent.appendChild(el("strong", { text: part.slice(2, -2) }));
        return;
      }
      var last = 0;
      part.replace(URL_PATTERN, function (url, _g, offset) {
        parent.appendChild(document.createTextNode(part.slice(last, offset)));
        parent.appendChild(el("a", { href: url, target: "_blank", rel: "noopener noreferrer", text: url }));
        last = offset + url.length;
        return url;
      });
      parent.appendChild(document.createTextNode(part.slice(last)));
    });
  }

  // ---- Files in a live chat: images shown, PDFs (and anything else) linked ----
  var MAX_FILE_BYTES = 5 * 1024 * 1024;
  var FILE_TYPES = "image/png,image/jpeg,image/gif,image/webp,application/pdf";
  // A file by its own random id: a link to it shows that file only, never the conversation.
  function fileUrl(file) { return cfg.filesUrl + encodeURIComponent(file.id); }
  function kilobytes(size) { return Math.max(1, Math.round(size / 1024)) + " KB"; }
  function renderFile(file) {
    var name = String(file.name || "file");
    var url = fileUrl(file);
    if (/^image\//.test(file.type)) {
      return el("a", { class: "sb-file", href: url, target: "_blank", rel: "noopener noreferrer", "aria-label": t.openFile.replace("{name}", function () { return name; }), "data-testid": "sb-file" }, [
        el("img", { class: "sb-image", src: url, alt: name, loading: "lazy" }),
      ]);
    }
    return el("a", { class: "sb-file sb-document", href: url, target: "_blank", rel: "noopener noreferrer", download: name, "data-testid": "sb-file" }, [
      icon(DOCUMENT, 18, true),
      el("span", { text: name + " (" + kilobytes(Number(file.size) || 0) + ")" }),
    ]);
  }
  // A message whose text is only its file's name shows the file alone.
  function onlyTheFile(text, file) { return !!file && String(text).trim() === "📎 " + file.name; }

  function renderText(container, text) {
    String(text).split("\n").forEach(function (line, index) {
      if (index > 0) container.appendChild(el("br"));
      appendInline(container, line);
    });
  }

  // ---- Build the widget ----
  var link = el("link", { rel: "stylesheet", href: base + "widget.css" });
  document.head.appendChild(link);

  var root = el("div", { class: "sb-root sb-" + (cfg.position === "left" ? "left" : "right"), "data-testid": "sb-root" });
  root.style.setProperty("--sb-primary", cfg.primaryColor);

  var badge = el("span", { class: "sb-badge", hidden: "", "aria-label": t.newMessage });
  // Icons drawn as SVG (no icon font or emoji font needed): filled, or as a line (stroke).
  function icon(d, size, stroke) {
    var ns = "http://www.w3.org/2000/svg";
    var svg = document.createElementNS(ns, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("width", String(size));
    svg.setAttribute("height", String(size));
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    var path = document.createElementNS(ns, "path");
    path.setAttribute("d", d);
    if (stroke) {
      path.setAttribute("fill", "none");
      path.setAttribute("stroke", "currentColor");
      path.setAttribute("stroke-width", "2");
      path.setAttribute("stroke-linecap", "round");
      path.setAttribute("stroke-linejoin", "round");
    } else {
      path.setAttribute("fill", "currentColor");
    }
    svg.appendChild(path);
    return svg;
  }
  function bubbleIcon() {
    return icon("M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H9l-5 4v-4H4a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2z", 28);
  }
  var PAPERCLIP = "M21 11.5l-8.6 8.6a5.5 5.5 0 0 1-7.8-7.8l8.6-8.6a3.7 3.7 0 0 1 5.2 5.2l-8.6 8.6a1.8 1.8 0 0 1-2.6-2.6l7.9-7.9";
  var DOCUMENT = "M14 3H7a2 2 0 0 0-2 2v14a2 2 0 0 0 2 2h10a2 2 0 0 0 2-2V8zM14 3v5h5M9 13h6M9 17h6";
  var launcher = el("button", {
    type: "button", class: "sb-launcher", "aria-label": t.open, "aria-expanded": "false",
    "aria-controls": "sb-panel", "data-testid": "sb-launcher",
  }, [bubbleIcon(), badge]);

  // Who the customer is chatting with while a person from the team has the chat.
  var withAgent = el("p", { class: "sb-with", hidden: "", "data-testid": "sb-with", "aria-live": "polite" });
  var personButton = el("button", { type: "button", class: "sb-person", "data-testid": "sb-person", text: t.person });
  var closeButton = el("button", { type: "button", class: "sb-close", "aria-label": t.close, "data-testid": "sb-close", text: "×" });
  var status = el("div", { class: "sb-status", role: "status", "aria-live": "polite", hidden: "", "data-testid": "sb-status" });
  var log = el("div", { class: "sb-log", role: "log", "aria-live": "polite", "aria-label": t.log, tabindex: "0", "data-testid": "sb-log" });
  var typingLabel = el("span", { class: "sb-sr", text: t.typing });
  var typing = el("div", { class: "sb-typing", hidden: "", "data-testid": "sb-typing" }, [
    typingLabel,
    el("span", { class: "sb-dot", "aria-hidden": "true" }),
    el("span", { class: "sb-dot", "aria-hidden": "true" }),
    el("span", { class: "sb-dot", "aria-hidden": "true" }),
  ]);
  // No maxlength: a pasted text must never be cut silently; send() explains the limit instead.
  var input = el("textarea", {
    id: "sb-input", class: "sb-input", rows: "1",
    placeholder: t.placeholder, "data-testid": "sb-input", autocomplete: "off",
  });
  var notice = el("div", { class: "sb-notice", "aria-live": "polite", "data-testid": "sb-notice" });
  var sendButton = el("button", { type: "submit", class: "sb-send", "data-testid": "sb-send", text: t.send });
  // Sending a file: offered only while a person from the team has the chat.
  var filePicker = el("input", { type: "file", accept: FILE_TYPES, hidden: "", "data-testid": "sb-file-input" });
  var attachButton = el("button", { type: "button", class: "sb-attach", hidden: "", "data-testid": "sb-attach" }, [icon(PAPERCLIP, 20, true)]);
  var form = el("form", { class: "sb-form" }, [
    el("label", { for: "sb-input", class: "sb-sr", text: t.inputLabel }), attachButton, filePicker, input, sendButton,
  ]);
  var panel = el("section", {
    id: "sb-panel", class: "sb-panel", role: "dialog", "aria-label": cfg.title || t.title, hidden: "", "data-testid": "sb-panel",
  }, [
    el("header", { class: "sb-header" }, [
      el("div", { class: "sb-heading" }, [el("h2", { class: "sb-title", text: cfg.title || t.title }), withAgent]),
      personButton, closeButton,
    ]),
    status, log, typing, notice, form,
  ]);
  root.appendChild(panel);
  root.appendChild(launcher);

  function mount() { document.body.appendChild(root); }
  if (document.body) mount(); else document.addEventListener("DOMContentLoaded", mount);

  // ---- Conversation state ----
  var sessionId = storage.get("session");
  var socket = null;
  var confirmed = false;      // the server confirmed our session (we are in its room)
  var outbox = [];            // messages not yet acknowledged by the server: {id, data, node}
  var liveSinceSync = null;   // bot messages received while a history sync is in flight
  var typingTimer = null;
  // The agent the customer is chatting with ("" or null: the bot answers). Told by the desk's
  // messages (``live_agent``) and remembered across reloads: while an agent has the chat the
  // bot's typing dots are not shown (it keeps quiet), the agent's own typing is.
  var liveAgent = null;

  function setLiveAgent(name) {
    liveAgent = name || null;
    storage.set("agent", liveAgent || "");
    withAgent.textContent = liveAgent ? t.chattingWith.replace("{agent}", function () { return liveAgent; }) : "";
    withAgent.hidden = !liveAgent;
    personButton.hidden = !!liveAgent;  // a person is already here
    attachButton.hidden = !liveAgent;
    if (liveAgent) attachButton.setAttribute("aria-label", t.attach.replace("{agent}", function () { return liveAgent; }));
  }
  setLiveAgent(storage.get("agent"));

  function scrollDown() { log.scrollTop = log.scrollHeight; }

  // sender: "customer", "bot" or "agent" (a person from the team; ``agent`` is their name).
  // file: {id, name, type, size}, sent with the message (shown under its text, or alone).
  function addMessage(sender, text, buttons, extraClass, agent, file) {
    var bubble = el("div", { class: "sb-msg sb-from-" + sender + (extraClass ? " " + extraClass : ""), "data-testid": "sb-msg-" + sender });
    if (sender === "agent") {
      bubble.appendChild(el("div", { class: "sb-author", "data-testid": "sb-author", text: agent + " · " + t.team }));
    } else {
      bubble.appendChild(el("span", { class: "sb-sr", text: sender === "customer" ? t.you : t.bot }));
    }
    var body = el("div", { class: "sb-text" });
    if (!onlyTheFile(text, file)) renderText(body, text);
    if (file && file.id) body.appendChild(renderFile(file));
    bubble.appendChild(body);
    if (buttons && buttons.length) bubble.appendChild(renderButtons(buttons));
    log.appendChild(bubble);
    scrollDown();
    return bubble;
  }

  function renderButtons(buttons) {
    var group = el("div", { class: "sb-buttons", role: "group" });
    buttons.forEach(function (button) {
      var node = el("button", { type: "button", class: "sb-choice", "data-testid": "sb-choice", text: button.title });
      node.addEventListener("click", function (event) {
        Array.prototype.forEach.call(group.querySelectorAll("button"), function (b) { b.disabled = true; });
        node.classList.add("sb-chosen");
        send(button.payload, button.title);
        // Chosen with the keyboard (no pointer: detail 0): the disabled button would drop the
        // focus to the page; it goes to the message box, where the customer goes on.
        if (event.detail === 0) input.focus();
      });
      group.appendChild(node);
    });
    return group;
  }

  function addBotMessage(message) {
    if (!message || typeof message.text !== "string") return;
    if (typeof message.live_agent === "string") setLiveAgent(message.live_agent);
    var buttons = (message.quick_replies || message.buttons || []).map(function (b) {
      return { title: String(b.title || ""), payload: String(b.payload || "") };
    });
    var agent = typeof message.agent === "string" && message.agent ? message.agent : null;
    addMessage(agent ? "agent" : "bot", message.text, buttons, null, agent, message.file);
    if (panel.hidden) badge.hidden = false;
  }

  function renderTranscript(messages) {
    log.textContent = "";
    addMessage("bot", t.welcome, [], "sb-welcome"); // part of the widget, not of the stored chat
    messages.forEach(function (item, index) {
      if (item.from === "customer") { addMessage("customer", item.text, [], null, null, item.file); return; }
      if (item.from === "agent") { addMessage("agent", item.text, [], null, item.agent, item.file); return; }
      // Like the live channel: one bubble per paragraph, buttons under the last one.
      var parts = item.text.split("\n\n");
      var last = index === messages.length - 1;
      parts.forEach(function (part, i) {
        // Only the latest message's choices are offered again; older ones are history.
        addMessage("bot", part, i === parts.length - 1 && last ? item.buttons : []);
      });
    });
    outbox.forEach(function (entry) { log.appendChild(entry.node); });
    scrollDown();
  }

  // Restore the conversation from the server (after a reload, a navigation or a reconnect).
  function syncHistory() {
    if (!sessionId) return;
    liveSinceSync = [];
    fetch(cfg.historyUrl + encodeURIComponent(sessionId), { cache: "no-store" })
      .then(function (reply) { return reply.ok ? reply.json() : { messages: [] }; })
      .then(function (data) {
        var messages = data.messages || [];
        var live = liveSinceSync || [];
        liveSinceSync = null;
        // Who the customer chats with now (a close may have come while the page was away),
        // then what the messages that arrived during the sync say of it.
        if (typeof data.live_agent === "string") setLiveAgent(data.live_agent);
        live.forEach(function (m) { if (typeof m.live_agent === "string") setLiveAgent(m.live_agent); });
        renderTranscript(messages);
        // Bot messages that arrived during the sync: shown again unless the stored history
        // already ends with them (the live channel sends one message per paragraph).
        var stored = messages.filter(function (m) { return m.from !== "customer"; })
          .map(function (m) { return m.text; }).join("\n\n");
        var arrived = live.map(function (m) { return m.text; }).join("\n\n");
        if (live.length && stored.slice(-arrived.length) !== arrived) live.forEach(addBotMessage);
      })
      .catch(function () { liveSinceSync = null; });
  }

  function metadata(buttonTitle) {
    var data = { page_url: window.location.href, page_title: document.title, language: language };
    if (cfg.customerId) data.customer_id = String(cfg.customerId);
    if (buttonTitle) data.button_title = buttonTitle;
    return data;
  }

  function newId() {
    if (window.crypto && window.crypto.randomUUID) return window.crypto.randomUUID().replace(/-/g, "");
    return Date.now().toString(16) + Math.random().toString(16).slice(2);
  }

  function transmit(entry) {
    socket.emit("user_uttered", entry.data, function () {
      // Acknowledged: the server has processed it (replies have been sent).
      outbox = outbox.filter(function (other) { return other !== entry; });
      entry.node.classList.remove("sb-pending");
    });
  }

  function send(message, title, file) {
    var text = String(message || "");
    if (!text.trim() && !title) return;
    if (text.length > cfg.maxLength) { notice.textContent = t.tooLong; return; }
    notice.textContent = "";
    var entry = {
      id: newId(),
      node: addMessage("customer", title || text, [], "sb-pending", null, file),
      data: null,
    };
    var extra = { client_message_id: entry.id };
    if (file) extra.file = file.id;  // the server describes it from what it stored
    entry.data = { message: text, session_id: sessionId, metadata: Object.assign(metadata(title), extra) };
    outbox.push(entry);
    showTyping();
    if (socket && socket.connected && confirmed) transmit(entry);
  }

  // The bot's dots after a message (not while an agent has the chat: it does not answer), or
  // the agent's typing, name and all, for a few seconds after each notice.
  function showTyping(agent) {
    if (!agent && liveAgent) return;
    typingLabel.textContent = agent ? t.agentTyping.replace("{agent}", function () { return agent; }) : t.typing;
    typingLabel.className = agent ? "sb-typing-who" : "sb-sr";
    typing.hidden = false;
    scrollDown();
    clearTimeout(typingTimer);
    typingTimer = setTimeout(function () { typing.hidden = true; }, agent ? 4000 : 20000);
  }

  // ---- Opening, closing, keyboard ----
  function open() {
    panel.hidden = false;
    root.classList.add("sb-open");
    badge.hidden = true;
    launcher.setAttribute("aria-expanded", "true");
    launcher.setAttribute("aria-label", t.close);
    storage.set("open", "1");
    scrollDown();
    input.focus();
  }
  function close() {
    panel.hidden = true;
    root.classList.remove("sb-open");
    launcher.setAttribute("aria-expanded", "false");
    launcher.setAttribute("aria-label", t.open);
    storage.set("open", "0");
    launcher.focus();
  }
  launcher.addEventListener("click", function () { if (panel.hidden) open(); else close(); });
  closeButton.addEventListener("click", close);
  panel.addEventListener("keydown", function (event) { if (event.key === "Escape") close(); });
  personButton.addEventListener("click", function () { send("/request_human", t.person); });
  attachButton.addEventListener("click", function () { filePicker.click(); });
  filePicker.addEventListener("change", function () {
    var chosen = filePicker.files && filePicker.files[0];
    filePicker.value = "";  // the same file can be chosen again
    if (chosen) sendFile(chosen);
  });

  // The file goes to the web service first (checked and kept for this conversation), then a
  // message refers to it. A file that cannot be sent says why; the customer still has it.
  function sendFile(chosen) {
    if (chosen.size > MAX_FILE_BYTES) { notice.textContent = t.fileTooLarge; return; }
    if (!sessionId) return;
    notice.textContent = "";
    var pending = addMessage("customer", t.sending.replace("{name}", function () { return chosen.name; }), [], "sb-pending");
    var body = new FormData();
    body.append("file", chosen, chosen.name);
    fetch(cfg.uploadUrl + encodeURIComponent(sessionId), { method: "POST", body: body })
      .then(function (reply) {
        return reply.json().catch(function () { return {}; }).then(function (data) {
          if (reply.ok && data.file) return data.file;
          // Why, in the customer's language where the widget has the words (the web service's
          // reason is English): too large, a kind not accepted, no person in the chat now.
          var said = { 413: t.fileTooLarge, 415: t.fileType, 409: t.fileNoAgent }[reply.status];
          var failed = new Error(data.error || String(reply.status));
          failed.said = said;
          throw failed;
        });
      })
      .then(function (file) {
        pending.remove();
        send("📎 " + file.name, null, file);
      })
      .catch(function (error) {
        pending.remove();
        notice.textContent = error.said || t.fileFailed.replace("{reason}", function () {
          return error instanceof TypeError ? t.fileNetwork : error.message;  // fetch: no network
        });
      });
    input.focus();
  }
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = input.value;
    if (!text.trim()) return;
    if (text.length > cfg.maxLength) { notice.textContent = t.tooLong; return; } // kept for editing
    input.value = "";
    send(text);
  });
  input.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey) { event.preventDefault(); form.requestSubmit ? form.requestSubmit() : sendButton.click(); }
  });
  input.addEventListener("input", function () {
    notice.textContent = input.value.length > cfg.maxLength ? t.tooLong : "";
    reportTyping();
  });

  // An agent sees the customer typing: told at most every 2 s while keys are pressed (the
  // last keystroke of a burst is always told, however soon after the previous report).
  var lastTypingReport = 0;
  var typingReport = null;
  function reportTyping() {
    if (typingReport !== null) return;
    var wait = Math.max(0, lastTypingReport + 2000 - Date.now());
    typingReport = setTimeout(function () {
      typingReport = null;
      if (!input.value.trim() || !socket || !socket.connected || !confirmed) return;
      lastTypingReport = Date.now();
      socket.emit("user_typing", { session_id: sessionId });
    }, wait);
  }
  if (storage.get("open") === "1") open();

  // ---- Connection ----
  function connect() {
    socket = window.io(cfg.botUrl, { path: cfg.socketPath, reconnectionDelayMax: 5000 });
    socket.on("connect", function () {
      confirmed = false;
      status.hidden = true;
      status.textContent = "";
      socket.emit("session_request", { session_id: sessionId });
    });
    socket.on("session_confirm", function (confirmation) {
      var id = typeof confirmation === "string" ? confirmation : confirmation && confirmation.session_id;
      if (id && id !== sessionId) { sessionId = id; storage.set("session", id); }
      confirmed = true;
      outbox.forEach(function (entry) { entry.data.session_id = sessionId; transmit(entry); });
      syncHistory();
    });
    socket.on("agent_typing", function (notice) {
      var agent = notice && typeof notice.agent === "string" ? notice.agent.slice(0, 100) : "";
      if (agent) showTyping(agent);  // who has the chat is said by the desk's messages only
    });
    socket.on("bot_uttered", function (message) {
      typing.hidden = true;
      if (liveSinceSync) liveSinceSync.push(message);
      else addBotMessage(message);
    });
    socket.on("disconnect", function () {
      confirmed = false;
      status.textContent = t.reconnecting;
      status.hidden = false;
    });
  }

  // Leaving the page closes the connection at once, so the team knows the customer has gone
  // (a reload or another open tab of the same conversation reconnects within a second).
  window.addEventListener("pagehide", function () { if (socket) socket.disconnect(); });
  window.addEventListener("pageshow", function (event) {
    if (event.persisted && socket && !socket.connected) socket.connect();
  });

  function start() {
    if (!sessionId) renderTranscript([]);
    if (window.io) { connect(); return; }
    var loader = el("script", { src: base + "vendor/socket.io.min.js", async: "" });
    loader.addEventListener("load", connect);
    document.head.appendChild(loader);
  }
  start();
})();
