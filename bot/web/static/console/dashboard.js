/*
 * supportbot's dashboard (support leads): the daily report's figures for a range of days, by
 * day or week, for one channel or agent; the conversations behind each number and their
 * transcripts; complaints past a deadline; follow-ups of unhappy customers.
 *
 * Data: /api/dashboard, /api/complaints, /api/followups. Text is set with textContent only.
 */
(function () {
  "use strict";

  var C = window.SupportConsole, $ = C.$, el = C.el, api = C.api;
  var state = { last: null, query: "" };

  /* [field, label, kind, metric behind it (drill-down) or null] */
  var ROWS = [
    ["conversations", "Conversations", "int", "all"],
    ["contained_rate", "Contained (no person needed)", "pct", "contained"],
    ["handoff_rate", "Handed to a person", "pct", "handed_off"],
    ["wait_p50_s", "Wait for an agent, median", "s", null],
    ["wait_p90_s", "Wait for an agent, 90th pct", "s", null],
    ["abandoned_rate", "Left while waiting", "pct", "abandoned"],
    ["first_agent_response_p50_s", "First agent reply, median", "s", null],
    ["csat_asked", "Asked how satisfied", "int", null],
    ["csat_responses", "Answered", "int", "rated"],
    ["csat_response_rate", "Response rate", "pct", null],
    ["csat_avg", "CSAT average (1-5)", "num", "rated"],
    ["csat_satisfied_rate", "Satisfied (4-5)", "pct", "satisfied"],
    ["followups", "Unhappy: follow-ups opened", "int", "unhappy"],
    ["estimated_satisfaction", "Estimated satisfaction (not rated)", "pct", "estimated_unsatisfied"],
    ["complaints", "Complaints", "int", "complaints"],
    ["complaints_sla_breached", "Complaints past their SLA", "int", "complaints"],
    ["sentiment_start_negative", "Negativity, first messages", "num", null],
    ["sentiment_end_negative", "Negativity, last messages", "num", null]
  ];
  var TILES = [
    ["conversations", "conversations", "int"],
    ["contained_rate", "contained", "pct"],
    ["csat_avg", "CSAT average", "num"],
    ["csat_satisfied_rate", "satisfied (4-5)", "pct"],
    ["csat_response_rate", "answered the survey", "pct"],
    ["estimated_satisfaction", "estimated satisfied (not rated)", "pct"],
    ["complaints", "complaints", "int"],
    ["complaints_sla_breached", "complaints past SLA", "int", true]
  ];

  function show(value, kind) {
    if (value === null || value === undefined) return "–";
    if (kind === "pct") return (value * 100).toFixed(1) + "%";
    if (kind === "s") return Math.round(value) + " s";
    if (kind === "num") return Number(value).toFixed(2);
    return String(value);
  }

  function showError(error) { $("error").textContent = error ? error.message || String(error) : ""; }

  function params(extra) {
    var query = new URLSearchParams();
    ["from", "to", "by", "channel", "agent"].forEach(function (name) {
      if ($(name).value) query.set(name, $(name).value);
    });
    Object.keys(extra || {}).forEach(function (name) { query.set(name, extra[name]); });
    return query.toString();
  }

  function load() {
    showError(null);
    $("loading").textContent = "loading…";
    var started = performance.now();
    return api("GET", "/api/dashboard?" + params()).then(function (data) {
      state.last = data;
      render(data);
      $("loading").textContent = "loaded in " + Math.round(performance.now() - started) + " ms";
      document.body.setAttribute("data-loaded", "yes");
    }).catch(function (error) { $("loading").textContent = ""; showError(error); });
  }

  function fillChoices(select, values, chosen) {
    while (select.options.length > 1) select.remove(1);
    values.forEach(function (value) {
      var option = el("option", null, value);
      option.value = value;
      select.appendChild(option);
    });
    select.value = chosen || "";
  }

  function render(data) {
    $("from").value = data.from;
    $("to").value = data.to;
    $("by-label").textContent = data.by;
    fillChoices($("channel"), data.channels, data.channel);
    fillChoices($("agent"), data.agents, data.agent);
    renderTiles(data.total);
    renderChart(data.periods);
    renderTable(data);
    renderFails(data.total);
    // The latest period (today) in view: a long range scrolls, the newest column shows.
    var scroll = $("figures-scroll");
    scroll.scrollLeft = scroll.scrollWidth;
  }

  // Bars: one row per entry, its length against the largest.
  function bars(list, entries, empty) {
    list.textContent = "";
    if (!entries.length) { list.appendChild(el("li", "empty", empty)); return; }
    var most = Math.max.apply(null, entries.map(function (e) { return e.value; }).concat([1]));
    entries.forEach(function (entry) {
      var row = el("li");
      row.appendChild(el("span", "label", entry.label));
      row.appendChild(el("span", "value", entry.shown));
      var bar = el("span", "bar");
      bar.style.width = Math.max(2, Math.round((entry.value / most) * 100)) + "%";
      bar.setAttribute("aria-hidden", "true");
      row.appendChild(bar);
      list.appendChild(row);
    });
  }

  function renderFails(total) {
    var unanswered = total.top_unanswered;
    bars($("unanswered"), (unanswered || []).map(function (q) {
      return { label: "“" + q.text + "”", value: q.count, shown: q.count + "×" };
    }), unanswered === null || unanswered === undefined ? "Not available." : "None: every question got an answer.");
    bars($("weak-articles"), (total.weakest_articles || []).map(function (a) {
      return { label: a.name, value: a.unhelpful, shown: describeWeak(a.unhelpful, a.answers, a.rate) };
    }), "None.");
    bars($("weak-intents"), (total.weakest_intents || []).map(function (w) {
      return { label: w.name, value: w.failed, shown: describeWeak(w.failed, w.conversations, w.rate) };
    }), "None.");
    var reasons = total.handoff_reasons || {};
    bars($("reasons"), Object.keys(reasons).map(function (reason) {
      return { label: reason, value: reasons[reason], shown: String(reasons[reason]) };
    }), "Nobody was handed over.");
    bars($("waits"), (total.wait_distribution || []).filter(function (b) { return b.count; }).map(function (b) {
      return { label: b.label, value: b.count, shown: String(b.count) };
    }), "Nobody waited for an agent.");
    var hours = [];
    (total.by_hour || []).forEach(function (count, hour) {
      if (count) hours.push({ label: (hour < 10 ? "0" : "") + hour + ":00", value: count, shown: String(count) });
    });
    bars($("hours"), hours, "No conversations.");
    var languages = total.by_language || {};
    bars($("languages"), Object.keys(languages).map(function (code) {
      var figures = languages[code];
      return {
        label: code === "unknown" ? "not clear" : SupportConsole.languageName(code),
        value: figures.conversations,
        shown: figures.conversations + " · " + show(figures.contained_rate, "pct") + " · " +
          show(figures.handoff_rate, "pct") + " · " + show(figures.csat_avg, "num")
      };
    }), "No conversations.");
  }

  function describeWeak(failed, seen, rate) {
    return failed + " of " + seen + (rate !== null && rate !== undefined ? " (" + show(rate, "pct") + ")" : "");
  }

  function renderTiles(total) {
    var tiles = $("tiles");
    tiles.textContent = "";
    TILES.forEach(function (tile) {
      var box = el("div", "tile");
      box.setAttribute("data-testid", "tile-" + tile[0]);
      if (tile[3] && total[tile[0]]) box.classList.add("bad");
      box.appendChild(el("span", "value", show(total[tile[0]], tile[2])));
      box.appendChild(el("span", "label", tile[1]));
      tiles.appendChild(box);
    });
  }

  function renderChart(periods) {
    /* Conversations per period (bars) and the CSAT average (dots, right scale 1-5). */
    var width = Math.max(320, periods.length * 44), height = 150, ns = "http://www.w3.org/2000/svg";
    var most = Math.max.apply(null, periods.map(function (p) { return p.conversations; }).concat([1]));
    var svg = document.createElementNS(ns, "svg");
    svg.setAttribute("width", width);
    svg.setAttribute("height", height + 24);
    svg.setAttribute("role", "img");
    svg.setAttribute("aria-label", "Conversations per period, and the CSAT average");
    periods.forEach(function (period, index) {
      var x = 10 + index * 44, bar = (period.conversations / most) * (height - 20);
      var rect = document.createElementNS(ns, "rect");
      rect.setAttribute("x", x); rect.setAttribute("width", 30);
      rect.setAttribute("y", height - bar); rect.setAttribute("height", bar);
      rect.setAttribute("fill", "#2f6f4f");
      var title = document.createElementNS(ns, "title");
      title.textContent = period.date + ": " + period.conversations + " conversations, CSAT " + show(period.csat_avg, "num");
      rect.appendChild(title);
      svg.appendChild(rect);
      if (period.csat_avg !== null) {
        var dot = document.createElementNS(ns, "circle");
        dot.setAttribute("cx", x + 15); dot.setAttribute("r", 4); dot.setAttribute("fill", "#d08a00");
        dot.setAttribute("cy", height - ((period.csat_avg - 1) / 4) * (height - 20));
        svg.appendChild(dot);
      }
      var label = document.createElementNS(ns, "text");
      label.setAttribute("x", x); label.setAttribute("y", height + 16); label.setAttribute("font-size", "10");
      label.textContent = period.date.slice(5);
      svg.appendChild(label);
    });
    $("chart").textContent = "";
    $("chart").appendChild(svg);
  }

  function renderTable(data) {
    var table = $("figures");
    table.textContent = "";
    var head = el("tr");
    head.appendChild(el("th", null, ""));
    data.periods.forEach(function (p) {
      head.appendChild(el("th", null, p.date === p.until ? p.date : p.date + " – " + p.until));
    });
    head.appendChild(el("th", null, "all"));
    table.appendChild(head);
    ROWS.forEach(function (row) {
      var line = el("tr");
      line.setAttribute("data-testid", "row-" + row[0]);
      line.appendChild(el("th", null, row[1]));
      data.periods.concat([data.total]).forEach(function (period) {
        var cell = el("td");
        var text = show(period[row[0]], row[2]);
        if (row[3] && period[row[0]] !== null && period[row[0]] !== undefined) {
          var button = el("button", null, text);
          button.type = "button";
          button.addEventListener("click", function () { drill(row[3], period.date, period.until); });
          cell.appendChild(button);
        } else {
          cell.textContent = text;
        }
        line.appendChild(cell);
      });
      table.appendChild(line);
    });
  }

  function drill(metric, first, last) {
    var query = params({ metric: metric, from: first, to: last });
    api("GET", "/api/dashboard/conversations?" + query).then(function (found) {
      $("drill-title").textContent = found.label + " (" + found.count + "), " + first + (first === last ? "" : " – " + last);
      $("transcript-title").hidden = true;
      $("transcript").textContent = "";
      $("drill-title").scrollIntoView({ block: "start" });  // beside the figures, or below them
      $("drill-title").focus({ preventScroll: true });
      $("drill-empty").hidden = found.count > 0;
      $("drill-empty").textContent = "None.";
      var list = $("drill");
      list.textContent = "";
      found.conversations.forEach(function (c) {
        var item = el("li", "item");
        item.setAttribute("data-testid", "drill-item");
        var line = el("div", "line");
        line.appendChild(el("strong", null, c.conversation_id));
        line.appendChild(el("span", "badge", c.channel || "?"));
        line.appendChild(el("span", "badge", c.stage + (c.agent ? ": " + c.agent : "")));
        if (c.csat_score !== null) line.appendChild(el("span", "badge" + (c.csat_score <= 2 ? " high" : ""), "CSAT " + c.csat_score));
        item.appendChild(line);
        var bits = [new Date(c.started_at).toLocaleString(), c.messages + " messages"];
        if (c.topics.length) bits.push(c.topics.join(", "));
        if (c.handoff_reason) bits.push("handoff: " + c.handoff_reason);
        item.appendChild(el("div", "reason", bits.join(" · ")));
        if (c.csat_comment) item.appendChild(el("div", "reason", "“" + c.csat_comment + "”"));
        item.addEventListener("click", function () { openConversation(c.conversation_id); });
        list.appendChild(item);
      });
    }).catch(showError);
  }

  function openConversation(id) {
    api("GET", "/api/dashboard/conversations/" + encodeURIComponent(id)).then(function (found) {
      $("transcript-title").hidden = false;
      $("transcript-title").textContent = "Conversation " + found.conversation_id;
      var list = $("transcript");
      list.textContent = "";
      found.transcript.forEach(function (entry) {
        if (entry.kind === "action") return;  // the bot's internals: the console shows them on request
        if (entry.kind !== "message") {
          var text = entry.kind === "handoff" ? "handoff: " + entry.change.action + " (" + entry.change.reason + ")"
            : "escalation (" + entry.record.level + ", " + entry.record.priority + " priority): " + entry.record.reason;
          list.appendChild(el("li", "event" + (entry.kind === "escalation" ? " escalation" : ""), text));
          return;
        }
        var item = el("li", "entry " + entry.from);
        item.appendChild(el("span", "who", entry.from === "agent" ? entry.agent : entry.from));
        item.appendChild(document.createTextNode(entry.text));
        if (entry.intent) item.appendChild(el("span", "tags", entry.intent + (entry.sentiment ? " · " + entry.sentiment : "")));
        list.appendChild(item);
      });
      $("transcript-title").scrollIntoView({ block: "start" });  // the transcript, not the list above it
      $("transcript-title").focus({ preventScroll: true });
    }).catch(showError);
  }

  function loadLate() {
    /* Every unresolved complaint, the late ones flagged, with what a person can do about it. */
    api("GET", "/api/complaints").then(function (found) {
      var list = $("late");
      list.textContent = "";
      if (!found.complaints.length) list.appendChild(el("li", "empty", "None open."));
      found.complaints.forEach(function (c) {
        var late = c.first_response_late || c.resolution_late;
        var item = el("li", "item");
        item.setAttribute("data-testid", late ? "late-item" : "complaint-item");
        var line = el("div", "line");
        line.appendChild(el("strong", null, c.reference));
        if (c.first_response_late) line.appendChild(el("span", "badge high", "first response late"));
        if (c.resolution_late) line.appendChild(el("span", "badge high", "resolution late"));
        line.appendChild(el("span", "badge", c.status));
        item.appendChild(line);
        item.appendChild(el("div", "reason", c.message));
        item.appendChild(el("div", "reason", "reply due " + new Date(c.first_response_due).toLocaleString() +
          " · resolve by " + new Date(c.resolution_due).toLocaleString()));
        var form = el("form", "close");
        var note = el("input");
        note.placeholder = "How it was resolved";
        form.appendChild(note);
        if (c.status === "open") {
          var answered = el("button", null, "Answered");
          answered.type = "button";
          answered.title = "A person answered by email or phone";
          answered.addEventListener("click", function () {
            api("POST", "/api/complaints/" + c.reference + "/responded").then(loadLate).catch(showError);
          });
          form.appendChild(answered);
        }
        form.appendChild(el("button", null, "Resolve"));
        form.addEventListener("submit", function (event) {
          event.preventDefault();
          api("POST", "/api/complaints/" + c.reference + "/resolve", { note: note.value })
            .then(loadLate).catch(showError);
        });
        item.appendChild(form);
        item.addEventListener("click", function (event) {
          if (event.target === item || event.target.parentNode === item) openConversation(c.conversation_id);
        });
        list.appendChild(item);
      });
    }).catch(showError);
  }

  function loadFollowups() {
    api("GET", "/api/followups").then(function (found) {
      var list = $("followups");
      list.textContent = "";
      if (!found.followups.length) list.appendChild(el("li", "empty", "None open."));
      found.followups.forEach(function (f) {
        var item = el("li", "item");
        item.setAttribute("data-testid", "followup-item");
        var line = el("div", "line");
        line.appendChild(el("strong", null, (f.score ? "Scored " + f.score + "/5" : "Unhappy comment") + " · " + new Date(f.opened_at).toLocaleString()));
        line.appendChild(el("span", "badge", f.channel + " · " + f.stage + (f.agent ? ": " + f.agent : "")));
        item.appendChild(line);
        if (f.comment) item.appendChild(el("div", "reason", "“" + f.comment + "”"));
        var form = el("form", "close");
        var note = el("input");
        note.placeholder = "What was done";
        note.required = true;
        form.appendChild(note);
        form.appendChild(el("button", null, "Done"));
        form.addEventListener("submit", function (event) {
          event.preventDefault();
          api("POST", "/api/followups/" + encodeURIComponent(f.id) + "/done", { note: note.value })
            .then(loadFollowups).catch(showError);
        });
        item.appendChild(form);
        item.addEventListener("click", function (event) {
          if (event.target === item || event.target.parentNode === item) openConversation(f.conversation_id);
        });
        list.appendChild(item);
      });
    }).catch(showError);
  }

  $("filters").addEventListener("submit", function (event) { event.preventDefault(); load(); });

  C.forLeads("dashboard", function () {
    load();
    loadLate();
    loadFollowups();
  });
})();
