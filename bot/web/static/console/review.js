/*
 * supportbot's review inbox (support leads): groups of messages the bot misunderstood, with
 * personal data already masked by the server, and a decision form per group.
 *
 * Everything goes through /api/review (cookie session + CSRF header, like the console).
 * Every customer text is shown with textContent: markup in a message is never run.
 *
 * A message the bot answered outright from the knowledge base shows the article ("answered
 * with ..."); a group it answered wrongly can mark that article as needing work, and the
 * articles marked so are listed with their wrong answers.
 */
(function () {
  "use strict";

  var C = window.SupportConsole, $ = C.$, el = C.el;
  // articles: id -> question. A Map, not an object: an id such as "constructor" must not
  // find an inherited property.
  var state = { openId: null, open: null, articles: new Map() };

  function api(method, path, body) {
    return C.api(method, path, body, "Sign in to the support console first, as a support lead.");
  }

  function showError(error) { $("error").textContent = error ? error.message || String(error) : ""; }
  function say(text) { $("status-line").textContent = text; $("status-line").hidden = !text; }

  function start() {
    // The choices first: the list names articles by their questions.
    api("GET", "/api/review/choices").then(fillChoices, showError).then(refresh);
  }

  // An article as a lead knows it: its question, and its id (the file name).
  function articleLabel(id) {
    var question = state.articles.get(id);
    return question ? "\u201c" + question + "\u201d (" + id + ")" : id;
  }

  function fillChoices(choices) {
    $("intent").textContent = "";
    choices.intents.forEach(function (name) {
      var option = el("option", null, name);
      option.value = name;
      $("intent").appendChild(option);
    });
    ["article", "needs-work-article"].forEach(function (select) {
      $(select).textContent = "";
      choices.articles.forEach(function (article) {
        var option = el("option", null, article.id + " — " + article.question);
        option.value = article.id;
        $(select).appendChild(option);
      });
    });
    state.articles = new Map(choices.articles.map(function (article) { return [article.id, article.question]; }));
  }

  // ---- The list ----
  function refresh() {
    showError(null);
    var language = $("language").value;
    api("GET", "/api/review/items?status=" + encodeURIComponent($("status").value) +
      (language ? "&language=" + encodeURIComponent(language) : ""))
      .then(renderItems).catch(showError);
    api("GET", "/api/review/audit").then(renderAudit).catch(showError);
    api("GET", "/api/review/articles").then(renderArticles).catch(showError);
  }

  var SIGNALS = {
    fallback: "unsure", low_confidence: "low confidence", rejected_choices: "choices rejected",
    negative_feedback: "didn't help", before_handoff: "before a handoff",
    answered_wrongly: "answered wrongly"
  };

  function renderItems(data) {
    var list = $("items");
    list.textContent = "";
    $("count").textContent = String(data.items.length);
    if (!data.items.length) list.appendChild(el("li", "empty", "Nothing here. Look for new messages?"));
    data.items.forEach(function (item) {
      var li = el("li", "item" + (item.id === state.openId ? " selected" : ""));
      li.dataset.testid = "review-item";
      li.dataset.id = String(item.id);
      li.appendChild(maskedText("div", item.text));
      var line = el("div", "line");
      line.appendChild(el("span", "badge", item.size + (item.size === 1 ? " message" : " messages")));
      if (item.language) {
        var language = el("span", "badge", C.languageName(item.language));
        language.setAttribute("data-testid", "review-item-language");
        line.appendChild(language);
      }
      line.appendChild(el("span", "reason", "impact " + item.score.toFixed(2)));
      Object.keys(item.signals).forEach(function (signal) {
        line.appendChild(el("span", "badge", SIGNALS[signal] || signal));
      });
      if (item.asked_for_person) line.appendChild(el("span", "badge high", item.asked_for_person + " then asked for a person"));
      Object.keys(item.wrong_answers || {}).sort().forEach(function (id) {
        line.appendChild(el("span", "badge high", "answered wrongly with " + articleLabel(id) + " \u00d7" + item.wrong_answers[id]));
      });
      li.appendChild(line);
      li.addEventListener("click", function () { openItem(item.id); });
      list.appendChild(li);
    });
  }

  // Masks like [EMAIL] are shown as tags; everything else as plain text.
  function maskedText(tag, text) {
    var node = el(tag);
    String(text).split(/(\[(?:EMAIL|PHONE|CARD|IBAN|ORDER|ADDRESS|NAME)\])/).forEach(function (part, index) {
      if (!part) return;
      node.appendChild(index % 2 ? el("span", "mask", part) : document.createTextNode(part));
    });
    return node;
  }

  function renderArticles(data) {
    var list = $("articles");
    list.textContent = "";
    if (!data.articles.length) list.appendChild(el("li", "empty", "None marked."));
    data.articles.forEach(function (article) {
      var li = el("li", "item");
      li.dataset.testid = "review-article-needing-work";
      li.appendChild(el("div", null, article.question ? "\u201c" + article.question + "\u201d (" + article.article + ")" : article.article));
      var line = el("div", "line");
      line.appendChild(el("span", "badge high", article.wrong_answers + (article.wrong_answers === 1 ? " wrong answer" : " wrong answers")));
      line.appendChild(el("span", "reason", "marked by " + article.marked_by + ", " + new Date(article.marked_at).toLocaleString()));
      if (article.reviewed_since_marked) line.appendChild(el("span", "badge", "reviewed since (" + article.last_reviewed + ")"));
      li.appendChild(line);
      list.appendChild(li);
    });
  }

  function renderAudit(data) {
    var list = $("audit");
    list.textContent = "";
    data.audit.slice(0, 20).forEach(function (record) {
      var detail = record.detail || {};
      var decision = detail.decision || {};
      var what = decision.intent || decision.article || "";
      var li = el("li", "item");
      li.appendChild(el("div", "reason", new Date(record.at).toLocaleString() + " · " + record.actor + " · " + record.action + (what ? " " + what : "")));
      li.appendChild(maskedText("div", detail.text || ""));
      list.appendChild(li);
    });
  }

  // ---- One group ----
  function openItem(id) {
    state.openId = id;
    showError(null);
    $("decided").hidden = true;
    api("GET", "/api/review/items/" + id).then(renderItem).catch(showError);
    Array.prototype.forEach.call(document.querySelectorAll("#items .item"), function (node) {
      node.classList.toggle("selected", node.dataset.id === String(id));
    });
  }

  function renderItem(item) {
    state.open = item;
    $("nothing-open").hidden = true;
    $("open").hidden = false;
    $("item-title").textContent = "";
    $("item-title").appendChild(maskedText("span", item.text));
    $("item-meta").textContent = item.size + " message(s) from " + item.conversations + " conversation(s); impact " +
      item.score.toFixed(2) + "; last " + new Date(item.last_seen).toLocaleString() + "; status " + item.status;
    var s = item.suggestion || {};
    var parts = [];
    if (item.predicted_intent) parts.push("The bot guessed " + item.predicted_intent + (item.confidence !== null ? " (" + item.confidence.toFixed(2) + ")" : ""));
    if (s.intent) parts.push("nearest intent: " + s.intent + " (" + s.intent_similarity + ", \"" + s.intent_example + "\")");
    // The article the bot answered the group wrongly with most often (the server says which).
    var wrong = item.wrongly_answered_with || null;
    if (wrong) parts.push("the bot answered it wrongly with " + articleLabel(wrong));
    if (s.article) parts.push("nearest " + (wrong ? "other " : "") + "article: " + s.article + " (" + s.article_similarity + ")");
    if (s.proposal === "new") parts.push("it fits nothing well: a new intent such as " + s.new_intent_name + ", or a new help article if the help centre does not cover it");
    $("item-suggestion").textContent = parts.join("; ");
    var list = $("messages");
    list.textContent = "";
    item.messages.forEach(function (message) {
      var li = el("li", "entry customer");
      li.dataset.testid = "review-message";
      li.appendChild(maskedText("span", message.text));
      var tags = (message.intent || "-") + " " + message.confidence.toFixed(2) + " · " +
        message.signals.map(function (x) { return SIGNALS[x] || x; }).join(", ") +
        " · " + new Date(message.sent_at).toLocaleString();
      li.appendChild(el("span", "tags", tags));
      if (message.answered_article) {
        var answered = el("span", "tags", "answered with " + articleLabel(message.answered_article));
        answered.dataset.testid = "review-answered";
        li.appendChild(answered);
      }
      // What went wrong and what happened next (masked as the message is).
      [["Bot replied: ", message.bot_reply, "review-bot-reply"], ["Then the customer: ", message.next_message, "review-next"]]
        .forEach(function (part) {
          if (!part[1]) return;
          var line = el("span", "followed");
          line.dataset.testid = part[2];
          line.appendChild(el("strong", null, part[0]));
          line.appendChild(maskedText("span", part[1]));
          li.appendChild(line);
        });
      list.appendChild(li);
    });
    $("guess").textContent = item.predicted_intent || "(no guess)";
    $("decision").hidden = item.status !== "open";
    // Only an article still in the knowledge base can be marked as needing work.
    var markable = wrong !== null && state.articles.has(wrong);
    $("needs-work-choice").hidden = !markable;
    if (markable) $("needs-work-article").value = wrong;
    var proposal = { accept: "accept", intent: "intent", faq_variant: "faq_variant", "new": "new_intent", article_needs_work: "article_needs_work" }[s.proposal] || "intent";
    if (proposal === "article_needs_work" && !markable) proposal = "intent";
    if (proposal === "accept" && !item.predicted_intent) proposal = "intent";
    document.querySelector('input[name=action][value="' + proposal + '"]').checked = true;
    if (s.intent) $("intent").value = s.intent;
    if (s.article) $("article").value = s.article;
    $("new-intent").value = s.new_intent_name || "";
    if (item.decision) {
      $("decided").hidden = false;
      $("decided").textContent = "Decided by " + item.decided_by + ": " + JSON.stringify(item.decision);
    }
  }

  $("decision").addEventListener("submit", function (event) {
    event.preventDefault();
    var checked = document.querySelector("input[name=action]:checked");
    if (!checked || !state.open) return;
    var body = { action: checked.value };
    if (body.action === "intent") body.intent = $("intent").value;
    if (body.action === "new_intent") { body.intent = $("new-intent").value.trim(); body.topic = $("topic").value.trim(); }
    if (body.action === "faq_variant") body.article = $("article").value;
    if (body.action === "article_needs_work") body.article = $("needs-work-article").value;
    api("POST", "/api/review/items/" + state.open.id + "/decision", body).then(function (detail) {
      var written = Object.keys(detail.written || {}).map(function (path) {
        return path + " (+" + detail.written[path].length + ")";
      });
      var decision = detail.decision || {};
      if (decision.action === "article_needs_work") {
        say("Saved. " + articleLabel(decision.article) + " is marked as needing work (" + detail.wrong_answers + " wrong answer(s) in this group).");
      } else {
        say("Saved. " + (written.length ? "Written to " + written.join(", ") + ". Run supportbot retrain to train and check a model with it." : "Ignored."));
      }
      $("decision").hidden = true;
      refresh();
      openItem(state.open.id);
    }).catch(showError);
  });

  $("mine").addEventListener("click", function () {
    $("mine").disabled = true;
    say("Looking for new messages (the first time loads the models: up to a minute) …");
    api("POST", "/api/review/mine").then(function (result) {
      say(result.new_messages + " new message(s): " + result.new_items + " new group(s), " + result.updated_items + " grown." +
        (result.late_wrong_answers ? " " + result.late_wrong_answers + " answered wrongly after their group was decided: to review again." : ""));
      refresh();
    }).catch(function (error) { say(""); showError(error); })
      .finally(function () { $("mine").disabled = false; });
  });

  $("status").addEventListener("change", refresh);
  $("language").addEventListener("change", refresh);

  C.forLeads("review inbox", start);
})();
