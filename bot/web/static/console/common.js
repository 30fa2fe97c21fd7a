/*
 * What the console's lead pages share (review inbox, dashboard): building elements with text
 * only (customer text is never markup), calling the API with the console's cookie session and
 * CSRF header, and the sign-in notice.
 */
(function () {
  "use strict";

  var csrf = "";
  var $ = function (id) { return document.getElementById(id); };

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function showSignIn(why) {
    $("app").hidden = true;
    $("signin").hidden = false;
    if (why) $("signin-why").textContent = why;
    var link = el("a", null, "Go to the support console");
    link.href = "/console";
    $("signin-why").appendChild(document.createTextNode(" "));
    $("signin-why").appendChild(link);
  }

  function api(method, path, body, signInWhy) {
    var options = { method: method, credentials: "same-origin", headers: {} };
    if (method !== "GET") options.headers["X-CSRF-Token"] = csrf;
    if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    return fetch(path, options).then(function (reply) {
      return reply.json().catch(function () { return {}; }).then(function (data) {
        if (reply.status === 401) showSignIn(signInWhy || null);
        if (!reply.ok) throw new Error(data.error || ("request failed (" + reply.status + ")"));
        return data;
      });
    });
  }

  /* Signs in with the console's session; ``start(me)`` runs for leads and admins only. */
  function forLeads(page, start) {
    api("GET", "/api/me").then(function (me) {
      // A password made for them is replaced on the console's own page first.
      if (me.must_change_password) { location.assign("/console"); return; }
      if (me.role !== "lead" && me.role !== "admin") {
        showSignIn("The " + page + " is for support leads (you are signed in as " + me.agent + ", " + me.role + ").");
        return;
      }
      csrf = me.csrf_token;
      $("me").textContent = me.agent + " (" + me.role + ")";
      $("signin").hidden = true;
      $("app").hidden = false;
      start(me);
    }).catch(function () { showSignIn(null); });
  }

  // Languages by name (others show their code): the server's list, bot.language.NAMES, served
  // as /console/language-names.js before this file.
  var LANGUAGE_NAMES = window.SupportLanguageNames || {};
  function languageName(code) { return LANGUAGE_NAMES[code] || code; }

  window.SupportConsole = {
    $: $, el: el, api: api, showSignIn: showSignIn, forLeads: forLeads, languageName: languageName
  };
})();
