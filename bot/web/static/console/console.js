/*
 * supportbot's agent console: the live queue, one conversation at a time, replies in real time.
 *
 * Everything goes through the agent API (/api, cookie session + CSRF header) and its
 * WebSocket feed (/api/live). Every text from customers, the bot or agents is shown with
 * textContent (or built as elements: bold and links in what the bot and agents wrote, as the
 * widget shows them): markup in a message is shown as text, never run.
 */
(function () {
  "use strict";

  var state = { me: null, csrf: "", openId: null, open: null, agents: [], socket: null, missed: false, notify: false, customers: {}, drafts: {}, languages: ["en"], searching: false, shown: {} };
  var $ = function (id) { return document.getElementById(id); };

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function api(method, path, body) {
    var options = { method: method, credentials: "same-origin", headers: {} };
    if (method !== "GET") options.headers["X-CSRF-Token"] = state.csrf;
    if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    return fetch(path, options).then(function (reply) {
      return reply.json().catch(function () { return {}; }).then(function (data) {
        if (reply.status === 401 && path !== "/api/login") { showSignIn(); }
        if (!reply.ok) throw new Error(data.error || ("request failed (" + reply.status + ")"));
        return data;
      });
    });
  }

  function showError(error) { $("error").textContent = error ? error.message || String(error) : ""; }

  // ---- Signing in ----
  function showSignIn() {
    $("app").hidden = true;
    $("own-password").hidden = true;
    $("signin").hidden = false;
    if (state.socket) { state.socket.onclose = null; state.socket.close(); state.socket = null; }
    // Whoever signs in next starts afresh (not in the last agent's conversation); the open
    // conversation's unsent reply is kept for the same agent (see start).
    if (state.openId) switchDraft(state.openId, null);
    state.openId = state.open = null;
    state.customers = {};
    state.missed = false;
    $("open").hidden = true;
    $("nothing-open").hidden = false;
  }

  $("signin-form").addEventListener("submit", function (event) {
    event.preventDefault();
    $("signin-error").textContent = "";
    api("POST", "/api/login", { username: $("username").value, password: $("password").value })
      .then(function (data) {
        start({ agent: data.agent, role: data.role, csrf_token: data.csrf_token,
                must_change_password: data.must_change_password });
      })
      .catch(function (error) { $("signin-error").textContent = error.message; });
  });

  $("signout").addEventListener("click", function () {
    api("POST", "/api/logout").finally(showSignIn);
  });

  // A password made for this user (the first admin's, printed once): replaced before anything.
  $("own-password-form").addEventListener("submit", function (event) {
    event.preventDefault();
    $("own-password-error").textContent = "";
    if ($("new-password").value !== $("new-password-again").value) {
      $("own-password-error").textContent = "The two new passwords differ.";
      return;
    }
    api("POST", "/api/password", {
      current_password: $("current-password").value, new_password: $("new-password").value
    }).then(function () {
      $("own-password-form").reset();
      return api("GET", "/api/me");
    }).then(start).catch(function (error) { $("own-password-error").textContent = error.message; });
  });

  function start(me) {
    // Unsent replies survive signing in again after a session ran out; another agent's do not.
    if (state.me !== me.agent) { state.drafts = {}; $("reply").value = ""; }
    state.me = me.agent;
    state.csrf = me.csrf_token;
    if (me.must_change_password) {
      $("signin").hidden = true;
      $("app").hidden = true;
      $("own-password").hidden = false;
      return;
    }
    $("own-password").hidden = true;
    $("me").textContent = me.agent + " (" + me.role + ")";
    state.languages = me.languages || ["en"];
    $("languages").value = state.languages.join(", ");
    $("review-link").hidden = me.role !== "lead" && me.role !== "admin";
    $("dashboard-link").hidden = $("review-link").hidden;
    $("signin").hidden = true;
    $("app").hidden = false;
    connect();
    refreshLists();
    api("GET", "/api/canned").then(fillCanned).catch(showError);
  }

  // ---- Live feed ----
  function connect() {
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    var socket = new WebSocket(scheme + location.host + "/api/live");
    state.socket = socket;
    socket.onopen = function () {
      $("connection").textContent = "live";
      $("connection").className = "connection live";
      // Back after a break: what changed meanwhile was not pushed to this page. The feed
      // tells a new connection again what customers are doing; the rest is read afresh.
      if (state.missed) {
        state.missed = false;
        state.customers = {};
        refreshLists();
        if (state.openId) openConversation(state.openId);
      }
    };
    socket.onclose = function (event) {
      // 4401: this session ended (signed out elsewhere, password changed, user removed).
      if (event.code === 4401) { showSignIn(); return; }
      state.missed = true;
      $("connection").textContent = "reconnecting…";
      $("connection").className = "connection";
      setTimeout(function () { if (state.socket === socket) connect(); }, 2000);
    };
    socket.onmessage = function (frame) {
      var message = JSON.parse(frame.data);
      if (message.type === "change") onChange(message);
      if (message.type === "event" && message.handoff_id === state.openId) {
        addEntry(message.entry, false);
        var entry = message.entry;
        if (entry.kind === "message" && entry.from === "customer" && !$("reply-form").hidden) {
          clearTimeout(state.suggesting);
          state.suggesting = setTimeout(function () { loadSuggestions(message.handoff_id); }, 400);
        }
      }
      if (message.type === "customer") {
        state.customers[message.handoff_id] = message;
        if (message.handoff_id === state.openId) showCustomer();
      }
    };
  }

  // What the open conversation's customer is doing: typing, or gone from the chat page.
  function showCustomer() {
    var handoff = state.open;
    var doing = (handoff && state.customers[handoff.id]) || {};
    var live = handoff && (handoff.status === "queued" || handoff.status === "assigned");
    $("customer-typing").hidden = !(live && doing.typing);
    var text = "";
    if (handoff && handoff.status === "abandoned") text = "The customer left the conversation.";
    else if (live && doing.page_closed) {
      text = "The customer closed the chat page. If they don't come back";
      text += doing.ends_in_seconds > 0 ? " within " + doing.ends_in_seconds + " s," : ",";
      text += " the conversation ends.";
    }
    $("customer-left").hidden = !text;
    $("customer-left").textContent = text;
  }

  function onChange(message) {
    refreshLists();
    var change = message.change;
    if (change.action === "request") alertNewConversation(message.handoff);
    if (message.handoff.id === state.openId) openConversation(state.openId);
  }

  // A new conversation waits: a short sound, and a desktop notification when allowed.
  function alertNewConversation(handoff) {
    try {
      var audio = new (window.AudioContext || window.webkitAudioContext)();
      var tone = audio.createOscillator();
      var gain = audio.createGain();
      tone.frequency.value = 880;
      gain.gain.value = 0.1;
      tone.connect(gain); gain.connect(audio.destination);
      tone.start(); tone.stop(audio.currentTime + 0.25);
    } catch (e) { /* no audio: the list still updates */ }
    if (state.notify && window.Notification && Notification.permission === "granted") {
      new Notification("A customer is waiting", { body: handoff.reason + " (" + handoff.priority + " priority)" });
    }
  }

  $("notify").addEventListener("click", function () {
    if (!window.Notification) { $("notify").textContent = "Notifications not supported"; return; }
    Notification.requestPermission().then(function (permission) {
      state.notify = permission === "granted";
      $("notify").textContent = state.notify ? "Notifications on" : "Notifications blocked";
    });
  });

  $("presence").addEventListener("change", function () {
    api("POST", "/api/presence", { presence: $("presence").value }).catch(showError);
  });

  $("languages").addEventListener("change", function () {
    api("POST", "/api/languages", { languages: $("languages").value }).then(function (saved) {
      state.languages = saved.languages;
      $("languages").value = saved.languages.join(", ");
      showError(null);
      refreshLists();
    }).catch(function (error) {
      $("languages").value = (state.languages || ["en"]).join(", ");
      showError(error);
    });
  });

  var languageName = window.SupportConsole.languageName;

  // ---- Lists ----
  function since(iso) {
    var seconds = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000));
    if (seconds < 60) return seconds + " s";
    var minutes = Math.floor(seconds / 60);
    return minutes < 60 ? minutes + " min" : Math.floor(minutes / 60) + " h " + (minutes % 60) + " min";
  }

  function item(handoff, extra) {
    var node = el("li", "item" + (handoff.id === state.openId ? " selected" : ""));
    node.dataset.id = handoff.id;
    node.setAttribute("data-testid", "handoff");
    node.tabIndex = 0;
    var line = el("div", "line");
    if (handoff.position) line.appendChild(el("strong", null, "#" + handoff.position));
    line.appendChild(el("span", "badge" + (handoff.priority === "high" ? " high" : ""), handoff.priority));
    line.appendChild(el("span", "badge", handoff.channel));
    if (handoff.language) {
      var mine = (state.languages || ["en"]).indexOf(handoff.language) !== -1;
      var language = el("span", "badge language" + (mine ? "" : " foreign"), languageName(handoff.language));
      language.title = mine ? "You chat in this language" : "Not one of the languages you chat in";
      language.setAttribute("data-testid", "language");
      line.appendChild(language);
    }
    var trend = handoff.summary && handoff.summary.sentiment && handoff.summary.sentiment.trend;
    if (trend === "upset" || trend === "getting more upset") line.appendChild(el("span", "badge high", trend));
    line.appendChild(el("span", "waited", extra));
    node.appendChild(line);
    node.appendChild(el("div", "reason", handoff.reason));
    if (handoff.last_message) {
      var preview = el("div", "preview", "“" + handoff.last_message.text + "”");
      preview.setAttribute("data-testid", "preview");
      node.appendChild(preview);
    }
    var about = [handoff.contact, handoff.page && (handoff.page.title || handoff.page.url)]
      .filter(Boolean).join(" · ");
    if (about) node.appendChild(el("div", "about", about));
    node.addEventListener("click", function () { openConversation(handoff.id); });
    node.addEventListener("keydown", function (event) {
      if (event.key === "Enter") openConversation(handoff.id);
    });
    return node;
  }

  function fill(list, handoffs, extra) {
    list.textContent = "";
    handoffs.forEach(function (h) { list.appendChild(item(h, extra(h))); });
  }

  function refreshLists() {
    api("GET", "/api/handoffs?status=queued").then(function (waiting) {
      $("waiting-count").textContent = waiting.length;
      fill($("waiting"), waiting, function (h) { return "waiting " + since(h.waiting_since); });
    }).catch(showError);
    api("GET", "/api/handoffs?status=assigned").then(function (assigned) {
      fill($("assigned"), assigned, function (h) { return h.agent + " · " + since(h.assigned_at); });
    }).catch(showError);
    api("GET", "/api/handoffs?status=message_left").then(function (left) {
      fill($("messages-left"), left.slice(0, 20), function (h) { return h.contact || ""; });
    }).catch(showError);
    api("GET", "/api/agents").then(function (agents) { state.agents = agents; fillAgents(); }).catch(showError);
    if (!state.searching) {
      api("GET", "/api/handoffs?status=closed").then(function (closed) {
        fill($("ended"), closed.slice(0, 20), endedLabel);
        $("search-note").textContent = closed.length ? "The latest closed:" : "None closed yet.";
      }).catch(showError);
    }
  }

  function endedLabel(h) {
    return h.status.replace("_", " ") + (h.agent ? " · " + h.agent : "") + " · " + h.reference;
  }

  // Search: every conversation the team had, by customer, words, reference, agent or note.
  $("search-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var text = $("search").value.trim();
    state.searching = !!text;
    if (!text) { refreshLists(); return; }
    $("search-note").textContent = "Searching…";
    api("GET", "/api/handoffs?q=" + encodeURIComponent(text)).then(function (found) {
      fill($("ended"), found, endedLabel);
      $("search-note").textContent = found.length ? found.length + " found for “" + text + "”:" : "Nothing found for “" + text + "”.";
    }).catch(function (error) { $("search-note").textContent = error.message; });
  });
  $("search").addEventListener("search", function () {
    if (!$("search").value) { state.searching = false; refreshLists(); }
  });
  setInterval(function () { if (state.me) refreshLists(); }, 15000); // waiting times tick on

  function fillAgents() {
    var select = $("transfer-to");
    select.textContent = "";
    var others = state.agents.filter(function (a) { return a.name !== state.me && a.presence === "online"; });
    others.forEach(function (a) {
      var option = el("option", null, a.name + " (" + a.load + "/" + a.capacity + ")");
      option.value = a.name;
      select.appendChild(option);
    });
    if (!others.length) {
      var none = el("option", null, "nobody else online");
      none.value = "";
      select.appendChild(none);
    }
  }

  function fillCanned(replies) {
    var select = $("canned");
    replies.forEach(function (reply) {
      var option = el("option", null, reply.title);
      option.value = reply.text;
      select.appendChild(option);
    });
  }

  // Agent assist: the knowledge-base articles for the customer's latest question, from the
  // bot's own search; one click puts the article's answer in the reply box, to edit and send.
  function loadSuggestions(id) {
    var box = $("suggestions");
    api("GET", "/api/handoffs/" + encodeURIComponent(id) + "/suggestions").then(function (found) {
      if (state.openId !== id) return;
      var following = atLatest();  // the reply area grows: the latest message stays in view
      box.textContent = "";
      if (!found.articles.length) return;
      box.appendChild(el("span", null, "Articles for “" + found.for + "”:"));
      found.articles.forEach(function (article) {
        var use = el("button", null, article.question);
        use.type = "button";
        use.title = article.answer;
        use.setAttribute("data-testid", "suggestion");
        use.addEventListener("click", function () {
          var reply = $("reply");
          var text = article.answer + (article.link ? "\n" + article.link : "");
          reply.value = reply.value.trim() ? reply.value.replace(/\s*$/, "") + "\n\n" + text : text;
          reply.focus();
        });
        box.appendChild(use);
      });
      if (following) toLatest();
    }).catch(function (error) {
      if (state.openId === id) box.textContent = "Articles unavailable: " + error.message;
    });
  }

  $("canned").addEventListener("change", function () {
    if ($("canned").value) $("reply").value = $("canned").value;
    $("canned").value = "";
    $("reply").focus();
  });

  // ---- One conversation ----
  function openConversation(id) {
    if (state.openId !== id) switchDraft(state.openId, id);
    state.openId = id;
    Array.prototype.forEach.call(document.querySelectorAll(".item"), function (node) {
      node.classList.toggle("selected", node.dataset.id === id);
    });
    return api("GET", "/api/handoffs/" + encodeURIComponent(id)).then(function (handoff) {
      if (state.openId !== id) return;
      state.open = handoff;
      $("nothing-open").hidden = true;
      $("open").hidden = false;
      $("conv-title").textContent = "Conversation " + handoff.conversation_id.slice(0, 12) + " (" + handoff.channel + ") · " + handoff.reference;
      var meta = handoff.status + " · " + handoff.priority + " priority · reason: " + handoff.reason;
      if (handoff.position) meta += " · #" + handoff.position + " in the queue";
      if (handoff.agent) meta += " · with " + handoff.agent;
      if (handoff.contact) meta += " · contact: " + handoff.contact;
      if (handoff.note) meta += " · note: " + handoff.note;
      $("conv-meta").textContent = meta;
      showContext(handoff);
      $("transcript").textContent = "";
      state.shown = {};
      handoff.transcript.forEach(function (entry) { addEntry(entry, true); });
      if (handoff.message) addEntry({ kind: "left", text: handoff.message, at: Date.parse(handoff.ended_at) / 1000 }, true);
      toLatest();
      var mine = handoff.status === "assigned" && handoff.agent === state.me;
      if (mine) loadSuggestions(id); else $("suggestions").textContent = "";
      $("claim").hidden = handoff.status !== "queued";
      $("transfer").hidden = $("transfer-to").hidden = $("release").hidden = !mine;
      $("reply-form").hidden = $("close-form").hidden = !mine;
      showCustomer();
      showError(null);
    }).catch(showError);
  }

  // Why the customer came, before the transcript: what they said, what the bot tried, how
  // they feel, how to reach them, and the conversation's other handoffs (a message left).
  function showContext(handoff) {
    var summary = handoff.summary || {};
    var box = $("context-summary");
    box.textContent = "";
    (summary.customer_said || []).forEach(function (said) { box.appendChild(el("q", null, said)); box.appendChild(document.createTextNode(" ")); });
    var lines = [];
    if ((summary.bot_tried || []).length) lines.push("Bot: " + summary.bot_tried.join("; ") + ".");
    else lines.push("Bot: nothing answered.");
    if ((summary.failed || []).length) lines.push("Failed: " + summary.failed.join("; ") + ".");
    lines.forEach(function (line) { box.appendChild(el("span", "context-line", line + " ")); });
    var trend = summary.sentiment && summary.sentiment.trend;
    if (trend && trend !== "unknown") {
      box.appendChild(el("span", /upset/.test(trend) ? "trend-upset" : null, "Sentiment: " + trend + "."));
    }
    var customer = [];
    if (handoff.contact) customer.push("Contact: " + handoff.contact);
    if (handoff.language) customer.push("Language: " + languageName(handoff.language));
    var where = $("context-customer");
    where.textContent = customer.join(" · ");
    if (handoff.page) {
      // The link says where it goes (the customer's page reported its own title: shown as
      // text beside it, never as what a link claims to be).
      if (customer.length) where.appendChild(document.createTextNode(" · "));
      where.appendChild(document.createTextNode("Page: "));
      var address = handoff.page.url;
      try { var parsed = new URL(address); address = parsed.host + parsed.pathname; } catch (e) { /* shown whole */ }
      var link = el("a", null, address);
      link.href = handoff.page.url;  // the API gives http(s) addresses only
      link.target = "_blank";
      link.rel = "noopener noreferrer";
      where.appendChild(link);
      if (handoff.page.title) where.appendChild(document.createTextNode(" (“" + handoff.page.title + "”)"));
    }
    var others = $("other-handoffs");
    others.textContent = "";
    (handoff.other_handoffs || []).forEach(function (other) {
      var row = el("li");
      var open = el("button", null, other.reference);
      open.type = "button";
      open.addEventListener("click", function () { openConversation(other.id); });
      row.appendChild(open);
      var what = " " + other.status.replace("_", " ") + " · " + new Date(other.requested_at).toLocaleString();
      if (other.message) what += " · left: “" + other.message + "”";
      row.appendChild(document.createTextNode(what));
      others.appendChild(row);
    });
  }

  var CHANGES = {
    request: "asked for a person", claim: "joined", assign: "was given the conversation",
    transfer: "transferred it", requeue: "back in the queue", close: "closed it",
    release: "handed back to the bot", cancel: "went back to the bot", abandon: "left",
    leave_message: "left a message for the team"
  };

  function describe(entry) {
    if (entry.kind === "action") return "The bot ran " + entry.name;
    if (entry.kind === "escalation") {
      var r = entry.record;
      var what = r.level === "handover" ? "The bot handed over" : r.level === "offer" ? "The bot offered a person" : "Escalation";
      return what + " (" + r.priority + " priority): " + r.reason;
    }
    if (entry.kind === "handoff") {
      var c = entry.change;
      var who = (c.actor || "").replace(/^agent:/, "");
      who = who === "customer" ? "The customer" : who === "bot" ? "The bot" : who === "system" ? "The desk" : who;
      var why = c.action === "claim" || c.action === "assign" || !c.reason ? "" : c.action === "close" ? " (" + c.reason + ")" : ": " + c.reason;
      return who + " " + (CHANGES[c.action] || c.action) + why;
    }
    return "";
  }

  // Times as the agent's clock shows them; the whole date on hover.
  function stamp(seconds) {
    if (!seconds) return null;
    var when = new Date(seconds * 1000);
    var node = el("time", null, when.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" }));
    node.dateTime = when.toISOString();
    node.title = when.toLocaleString();
    return node;
  }

  // What the customer saw of a bot's or agent's message: **bold** and http(s) links, as the
  // widget renders them; everything else stays text (built as elements, never as markup).
  var LINK = /(https?:\/\/[^\s<>"')\]]+[^\s<>"')\].,;:!?])/g;
  function rendered(text) {
    var box = el("span", "text");
    String(text).split(/(\*\*[^*\n]+\*\*)/g).forEach(function (part) {
      if (/^\*\*[^*\n]+\*\*$/.test(part)) { box.appendChild(el("strong", null, part.slice(2, -2))); return; }
      var last = 0;
      part.replace(LINK, function (url, _group, offset) {
        box.appendChild(document.createTextNode(part.slice(last, offset)));
        var link = el("a", null, url);
        link.href = url;
        link.target = "_blank";
        link.rel = "noopener noreferrer";
        box.appendChild(link);
        last = offset + url.length;
        return url;
      });
      box.appendChild(document.createTextNode(part.slice(last)));
    });
    return box;
  }

  function atLatest() {
    var list = $("transcript");
    return list.scrollHeight - list.scrollTop - list.clientHeight < 40;
  }

  function toLatest() { var list = $("transcript"); list.scrollTop = list.scrollHeight; }

  // One transcript entry. Intents, sentiment scores and the bot's actions are details for
  // whoever wants them ("Show details"); a new entry scrolls into view only when the agent is
  // at the latest (not while they read further up).
  function addEntry(entry, opening) {
    // The feed may bring an entry the conversation's fresh reading already has: shown once.
    var key = [entry.kind, entry.at, entry.from, entry.text, entry.name, JSON.stringify(entry.change || entry.record || null)].join("|");
    if (state.shown[key]) return;
    state.shown[key] = true;
    var list = $("transcript");
    var following = opening || atLatest();
    var node;
    if (entry.kind === "message") {
      node = el("li", "entry " + entry.from);
      node.setAttribute("data-testid", "entry-" + entry.from);
      var who = el("span", "who", entry.from === "agent" ? entry.agent : entry.from === "bot" ? "Bot" : "Customer");
      var time = stamp(entry.at);
      if (time) who.appendChild(time);
      node.appendChild(who);
      var fileOnly = entry.file && String(entry.text).trim() === "📎 " + entry.file.name;
      if (!fileOnly) node.appendChild(entry.from === "customer" ? el("span", "text", entry.text) : rendered(entry.text));
      if (entry.file) node.appendChild(fileLink(entry.file));
      if (entry.from === "customer") {
        var tags = el("span", "tags");
        if (entry.intent) tags.appendChild(el("span", "detail", "intent " + entry.intent + " " + (entry.confidence || 0).toFixed(2) + " · "));
        if (entry.sentiment) {
          var negative = entry.negative !== null && entry.negative !== undefined ? " " + entry.negative.toFixed(2) : "";
          tags.appendChild(el("span", entry.sentiment === "negative" ? "sentiment-negative" : null, entry.sentiment));
          tags.appendChild(el("span", "detail", negative));
        }
        node.appendChild(tags);
      }
      if (entry.buttons && entry.buttons.length) node.appendChild(el("span", "tags", "Buttons: " + entry.buttons.join(" | ")));
    } else if (entry.kind === "left") {
      node = el("li", "entry customer");
      var left = el("span", "who", "Message left for the team");
      var leftAt = stamp(entry.at);
      if (leftAt) left.appendChild(leftAt);
      node.appendChild(left);
      node.appendChild(el("span", "text", entry.text));
    } else {
      node = el("li", "event " + entry.kind + (entry.kind === "action" ? " detail" : ""), describe(entry));
      node.setAttribute("data-testid", "event-" + entry.kind);
    }
    list.appendChild(node);
    if (following) toLatest();
  }

  // A file sent in the chat, read through the agent API with the console's session: an image
  // is shown (it opens full size), a PDF is a download.
  function fileLink(file) {
    var url = "/api/handoffs/" + encodeURIComponent(state.openId) + "/attachments/" + encodeURIComponent(file.id);
    var link = el("a", "file");
    link.href = url;
    link.target = "_blank";
    link.rel = "noopener";
    link.setAttribute("data-testid", "file");
    if (/^image\//.test(file.type)) {
      var image = el("img");
      image.src = url;
      image.alt = file.name;
      image.loading = "lazy";
      link.appendChild(image);
    } else {
      link.download = file.name;
      link.textContent = (file.type === "application/pdf" ? "PDF: " : "File: ") + file.name + " (" + Math.max(1, Math.round(file.size / 1024)) + " KB)";
    }
    return link;
  }

  // Details (intents, scores, the bot's actions) shown or not, remembered on this computer.
  function showDetails(on) {
    $("show-details").checked = on;
    $("transcript").classList.toggle("details", on);
    try { localStorage.setItem("supportbot.details", on ? "1" : ""); } catch (e) { /* private mode */ }
  }
  $("show-details").addEventListener("change", function () { showDetails($("show-details").checked); });
  try { showDetails(localStorage.getItem("supportbot.details") === "1"); } catch (e) { showDetails(false); }

  function act(path, body) {
    showError(null);
    return api("POST", "/api/handoffs/" + encodeURIComponent(state.openId) + path, body)
      .then(function () { refreshLists(); return openConversation(state.openId); })
      .catch(showError);
  }

  // Claimed: the reply box is where the agent goes next.
  $("claim").addEventListener("click", function () {
    act("/claim").then(function () { if (!$("reply-form").hidden) $("reply").focus(); });
  });
  $("release").addEventListener("click", function () { act("/release"); });
  $("transfer").addEventListener("click", function () {
    if (!$("transfer-to").value) { showError(new Error("nobody else is online to take it")); return; }
    act("/transfer", { agent: $("transfer-to").value });
  });
  // The reply box holds the next message: it is emptied when a message is sent, not when the
  // send completes (that wiped what the agent had typed meanwhile). A message that could not
  // be sent comes back into its conversation's box, ahead of anything typed since.
  $("reply-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var id = state.openId, text = $("reply").value;
    if (!text.trim()) return;
    showError(null);
    $("reply").value = "";
    api("POST", "/api/handoffs/" + encodeURIComponent(id) + "/messages", { text: text })
      .catch(function (error) {
        restoreUnsent(id, text);
        showError(new Error("Not sent: " + error.message + ". The message is back in the reply box: press Send to try again."));
      });
  });

  // A file for the customer goes at once, on its own (what is typed stays in the box).
  $("attach").addEventListener("click", function () { $("attach-file").click(); });
  $("attach-file").addEventListener("change", function () {
    var chosen = $("attach-file").files[0], id = state.openId;
    $("attach-file").value = "";
    if (!chosen || !id) return;
    if (chosen.size > 5 * 1024 * 1024) { showError(new Error("Not sent: files can be up to 5 MB.")); return; }
    showError(null);
    $("attach-note").textContent = "Sending " + chosen.name + "…";
    var body = new FormData();
    body.append("file", chosen, chosen.name);
    fetch("/api/handoffs/" + encodeURIComponent(id) + "/attachments", {
      method: "POST", body: body, credentials: "same-origin", headers: { "X-CSRF-Token": state.csrf },
    }).then(function (reply) {
      return reply.json().catch(function () { return {}; }).then(function (data) {
        if (!reply.ok) throw new Error(data.error || ("request failed (" + reply.status + ")"));
        $("attach-note").textContent = data.delivered ? "" : "Kept: the customer gets it as soon as the chat server is back.";
      });
    }).catch(function (error) {
      $("attach-note").textContent = "";
      showError(new Error("File not sent: " + error.message));
    });
  });

  function restoreUnsent(id, text) {
    if (state.openId === id) {
      var box = $("reply");
      box.value = box.value ? text + "\n" + box.value : text;
      box.focus();
    } else {
      state.drafts[id] = state.drafts[id] ? text + "\n" + state.drafts[id] : text;
    }
  }

  // Each conversation keeps its own unsent reply: switching never carries text to another
  // customer.
  function switchDraft(fromId, toId) {
    var box = $("reply");
    if (fromId && box.value) state.drafts[fromId] = box.value;
    else if (fromId) delete state.drafts[fromId];
    box.value = state.drafts[toId] || "";
    delete state.drafts[toId];
  }
  // The customer sees the agent typing: told at most every 2 s while the agent types.
  var typingSent = 0;
  $("reply").addEventListener("input", function () {
    if (!state.openId || $("reply-form").hidden || !$("reply").value.trim()) return;
    if (Date.now() - typingSent < 2000) return;
    typingSent = Date.now();
    api("POST", "/api/handoffs/" + encodeURIComponent(state.openId) + "/typing").catch(function () { /* a courtesy */ });
  });
  $("reply").addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey) { event.preventDefault(); $("reply-form").requestSubmit(); }
  });
  $("close-form").addEventListener("submit", function (event) {
    event.preventDefault();
    if (!$("note").value.trim()) { showError(new Error("write a resolution note to close")); return; }
    act("/close", { note: $("note").value }).then(function () { $("note").value = ""; });
  });

  // Keys for the common actions; Alt+ so they work while typing a reply.
  document.addEventListener("keydown", function (event) {
    if (!event.altKey || event.ctrlKey || event.metaKey || $("app").hidden) return;
    var visible = function (id) { return !$("open").hidden && !$(id).hidden; };
    var done = true;
    switch (event.code) {
      case "KeyN": {
        var next = document.querySelector("#waiting .item");
        if (next) { openConversation(next.dataset.id); next.focus(); }
        break;
      }
      case "KeyC": if (visible("claim")) $("claim").click(); break;
      case "KeyR": if (visible("reply-form")) $("reply").focus(); break;
      case "KeyK": if (visible("reply-form")) $("canned").focus(); break;
      case "KeyX": if (visible("close-form")) $("note").focus(); break;
      case "KeyD": showDetails(!$("show-details").checked); break;
      default: done = false;
    }
    if (done) event.preventDefault();
  });

  // Already signed in (cookie)? Otherwise the sign-in form.
  api("GET", "/api/me").then(start).catch(showSignIn);
})();
