/* Live suggestions and advice beside the need form (needs/form.html).
 *
 * As the author types, the draft is sent (debounced) to POST /api/v1/suggestions/preview,
 * which scores it like a published need without storing anything; the five best results and
 * the advice replace the panel's content. The form itself never depends on this script.
 * No inline code: loaded with <script src defer>, texts come from the panel's data-* attributes
 * (translated on the server), markup from the <template> element.
 */
(function () {
  "use strict";

  var DEBOUNCE_MS = 400;
  var form = document.getElementById("need-form");
  var panel = document.getElementById("live-panel");
  if (!form || !panel || !window.fetch || !window.JSON) {
    return;
  }
  var statusLine = document.getElementById("live-status");
  var list = document.getElementById("live-results");
  var adviceList = document.getElementById("live-advice");
  var template = document.getElementById("live-result-template");
  var url = form.getAttribute("data-preview-url");
  var text = panel.dataset;
  var timer = null;
  var lastSent = null;
  var sequence = 0;
  var controller = null;

  function value(name) {
    var el = form.elements.namedItem(name);
    return el && typeof el.value === "string" ? el.value.trim() : "";
  }

  function amount(name) {
    var raw = value(name).replace(/[,，\s]/g, "");
    if (!/^\d+(\.\d{1,4})?$/.test(raw)) {
      return null;
    }
    return Number(raw) < 1000000 ? raw : null;
  }

  function draft() {
    var negotiable = form.elements.namedItem("budget_negotiable");
    var modes = [];
    Array.prototype.forEach.call(form.querySelectorAll("input[name=modes]:checked"), function (box) {
      modes.push(box.value);
    });
    var body = {
      title: value("title").slice(0, 120),
      field: value("field") || null,
      problem: value("problem").slice(0, 5000),
      indicators: value("indicators").slice(0, 3000),
      basis: value("basis").slice(0, 3000),
      keywords: value("keywords").slice(0, 300),
      modes: modes,
      province: value("province") || null,
      budget_min_wan: null,
      budget_max_wan: null
    };
    if (!(negotiable && negotiable.checked)) {
      body.budget_min_wan = amount("budget_min");
      body.budget_max_wan = amount("budget_max");
    }
    return body;
  }

  function say(message) {
    statusLine.textContent = message;
  }

  function fieldLink(name) {
    return "#" + (name === "modes" ? "modes-0" : name);
  }

  function useField(code) {
    var select = form.elements.namedItem("field");
    if (!select) {
      return;
    }
    select.value = code;
    select.dispatchEvent(new Event("change", { bubbles: true }));
    select.focus();
  }

  function renderAdvice(advice) {
    adviceList.textContent = "";
    if (!advice.length) {
      var none = document.createElement("li");
      none.className = "advice-none";
      none.textContent = text.noAdvice;
      adviceList.appendChild(none);
      return;
    }
    advice.forEach(function (item) {
      var li = document.createElement("li");
      li.className = "advice-" + item.code;
      li.appendChild(document.createTextNode(item.message + " "));
      if (item.suggested_field) {
        var button = document.createElement("button");
        button.type = "button";
        button.className = "secondary small";
        button.textContent = text.useField.replace("{label}", item.suggested_field_label);
        button.addEventListener("click", function () { useField(item.suggested_field); });
        li.appendChild(button);
      } else if (item.field) {
        var link = document.createElement("a");
        link.href = fieldLink(item.field);
        link.textContent = text.goto;
        li.appendChild(link);
      }
      adviceList.appendChild(li);
    });
  }

  function renderResults(items) {
    list.textContent = "";
    items.forEach(function (item) {
      var node = template.content.firstElementChild.cloneNode(true);
      var link = node.querySelector(".live-title");
      link.href = item.url;
      link.textContent = item.title;
      // text_score is the text match's coverage of the need; weak ones are marked, not hidden.
      node.querySelector(".live-score").textContent = Math.round(item.text_score * 100);
      node.querySelector(".live-weak").hidden = !item.weak;
      node.querySelector(".live-org").textContent = item.organization.name;
      node.querySelector(".live-trl").textContent = "TRL " + item.trl;
      var terms = node.querySelector(".live-terms");
      item.terms.forEach(function (t) {
        var tag = document.createElement("span");
        tag.className = "tag";
        tag.textContent = t.term;
        terms.appendChild(tag);
      });
      list.appendChild(node);
    });
    list.setAttribute("aria-busy", "false");
  }

  function csrfToken() {
    var input = form.querySelector("input[name=csrf_token]");
    return input ? input.value : "";
  }

  function update() {
    timer = null;
    var body = draft();
    var said = body.title + body.problem + body.indicators + body.keywords;
    var sent = JSON.stringify(body);
    if (sent === lastSent) {
      return;
    }
    if (said.length < 2) {
      lastSent = null;
      list.textContent = "";
      say(text.liveHint);
      return;
    }
    lastSent = sent;
    sequence += 1;
    var mine = sequence;
    if (controller) {
      controller.abort();
    }
    controller = window.AbortController ? new AbortController() : null;
    panel.classList.add("is-loading");
    list.setAttribute("aria-busy", "true");
    say(text.loading);
    fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "Content-Type": "application/json",
        "Accept": "application/json",
        "X-CSRFToken": csrfToken()
      },
      body: sent,
      signal: controller ? controller.signal : undefined
    }).then(function (response) {
      if (!response.ok) {
        throw new Error("HTTP " + response.status);
      }
      return response.json();
    }).then(function (answer) {
      if (mine !== sequence) {
        return;
      }
      panel.classList.remove("is-loading");
      renderResults(answer.items);
      renderAdvice(answer.advice);
      var n = answer.items.length;  // the singular has its own text (ngettext, in English)
      say(n ? (n === 1 ? text.updatedOne : text.updated.replace("{n}", n)) : text.empty);
      panel.setAttribute("data-state", "ready");
    }).catch(function (error) {
      if (mine !== sequence || (error && error.name === "AbortError")) {
        return;
      }
      panel.classList.remove("is-loading");
      list.setAttribute("aria-busy", "false");
      lastSent = null;
      say(text.failed);
      panel.setAttribute("data-state", "failed");
    });
  }

  function schedule() {
    if (timer !== null) {
      window.clearTimeout(timer);
    }
    timer = window.setTimeout(update, DEBOUNCE_MS);
  }

  form.addEventListener("input", schedule);
  form.addEventListener("change", schedule);
  say(text.liveHint);
  panel.setAttribute("data-state", "idle");
  update();
}());
