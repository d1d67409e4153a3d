// The workbench's keys and in-place updates. Plain JavaScript, no build step, nothing from the internet.
//
// Every action is a <form> the server also takes without this script; here a key presses the form's
// button, the form goes by fetch with the page's CSRF token, and the reply's server-rendered fragment
// replaces the card (or, in the queue, shows the next point). Keys wait for the previous one to finish,
// so keys typed ahead ("aaaa") each act on the point then shown. The undo list and the points skipped
// live in this tab (sessionStorage): `u` takes back this tab's last action, or else, when the list is
// empty, the reviewer's last decision on the server.
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  const body = document.body;
  const csrf = (document.querySelector('meta[name="csrf-token"]') || {}).content || "";
  const readOnly = body.dataset.readOnly === "1";
  const pageKind = body.dataset.page || "";
  const inQueue = pageKind === "queue";
  const queueQuery = body.dataset.queue || "";
  const UNDO = "review-undo";
  const SKIP = "review-skip:" + queueQuery;
  const shown = [];  // queue: points shown in this tab, for k

  // --- small helpers -------------------------------------------------------------------------------------
  function load(key) {
    try { return JSON.parse(sessionStorage.getItem(key) || "[]"); } catch (e) { return []; }
  }
  function save(key, list) { sessionStorage.setItem(key, JSON.stringify(list.slice(-500))); }
  function toast(message, isError) {
    const box = document.getElementById("toast");
    if (!box || !message) return;
    box.textContent = message;
    box.className = isError ? "error" : "";
    box.hidden = false;
    clearTimeout(toast.timer);
    toast.timer = setTimeout(function () { box.hidden = true; }, isError ? 6000 : 2500);
  }
  async function call(url, method, params) {
    const options = { method: method, credentials: "same-origin", headers: { "Accept": "application/json" } };
    if (method === "POST") {
      options.headers["X-CSRF-Token"] = csrf;
      options.headers["Content-Type"] = "application/x-www-form-urlencoded";
      options.body = params.toString();
    }
    let data;
    try {
      const response = await fetch(url, options);
      try { data = await response.json(); } catch (e) { data = { ok: false, message: "请求失败（" + response.status + "）" }; }
      data.httpStatus = response.status;
    } catch (e) {
      data = { ok: false, message: "无法连接工作台，请检查 review serve 是否仍在运行。" };
    }
    return data;
  }
  function fragment(html) {
    const template = document.createElement("template");
    template.innerHTML = html.trim();
    return template.content.firstElementChild;
  }
  function replaceById(id, html) {
    const old = document.getElementById(id);
    if (old && html) old.replaceWith(fragment(html));
  }

  // --- cards ---------------------------------------------------------------------------------------------
  function cards() { return Array.from(document.querySelectorAll("article.point")); }
  function current() { return document.querySelector("article.point.current") || cards()[0] || null; }
  function select(card, scroll) {
    cards().forEach(function (c) { c.classList.toggle("current", c === card); });
    if (!card) return;
    if (scroll !== false) card.scrollIntoView({ block: inQueue ? "nearest" : "start" });
    card.focus({ preventScroll: true });
  }
  function nextPending(after) {
    const all = cards();
    const start = all.indexOf(after);
    for (let i = 1; i <= all.length; i++) {
      const card = all[(start + i) % all.length];
      if (card.dataset.status === "pending" && card !== after) return card;
    }
    return after;
  }
  function showQueue(html) {
    const box = document.getElementById("card");
    box.innerHTML = "";
    const card = fragment(html);
    box.appendChild(card);
    if (card.matches("article.point")) {
      select(card, false);
      if (shown[shown.length - 1] !== card.dataset.point) shown.push(card.dataset.point);
    }
    window.scrollTo(0, 0);
  }

  // --- replies -------------------------------------------------------------------------------------------
  function apply(data, card) {
    if (data.need_name) {
      location.href = "/name?next=" + encodeURIComponent(location.pathname + location.search);
      return;
    }
    if (data.undo) { const list = load(UNDO); list.push(data.undo); save(UNDO, list); }
    toast(data.message, !data.ok);
    if (data.totals) replaceById("totals", data.totals);
    if (data.scorecard) replaceById("scorecard", data.scorecard);
    if (inQueue && data.next !== undefined) { showQueue(data.next); return; }
    if (data.html) {
      const old = document.getElementById("p-" + data.point) || card;
      if (!old) return;
      const fresh = fragment(data.html);
      old.replaceWith(fresh);
      const moveOn = data.ok && data.undo && data.undo.kind === "decision" && fresh.dataset.status !== "pending";
      select(moveOn ? nextPending(fresh) : fresh);
    }
  }
  function queueParams(params) {
    if (inQueue) {
      params.set("queue", queueQuery);
      params.set("skip", load(SKIP).join(","));
    }
    return params;
  }
  async function submit(form) {
    const card = form.closest("article.point");
    // getAttribute: form.action would be the <input name="action"> the form holds
    const data = await call(form.getAttribute("action"), "POST", queueParams(new URLSearchParams(new FormData(form))));
    apply(data, card);
  }

  // Actions run one after another: a key typed while the last one is on its way waits for it.
  let chain = Promise.resolve();
  function later(work) {
    chain = chain.then(work).catch(function (e) { toast(String(e), true); });
    return chain;
  }

  // --- the actions ---------------------------------------------------------------------------------------
  function press(key) {
    const card = current();
    if (!card) return;
    const form = card.querySelector('form.js-action[data-key="' + key + '"]');
    const button = form && form.querySelector("button");
    if (button && !button.disabled) return submit(form);
  }
  function open(card, selector) {
    if (!card) return;
    const form = card.querySelector(selector);
    if (!form) return;
    form.hidden = false;
    const field = form.querySelector("textarea, input[name=score]");
    if (field) {
      field.focus();
      if (field.tagName === "TEXTAREA") field.setSelectionRange(field.value.length, field.value.length);
    }
  }
  function openRowScore(row) {
    const form = document.querySelector("#scorecard form.score-form");
    if (!form) return;
    form.querySelector("select[name=row]").value = row;
    form.hidden = false;
    form.querySelector("input[name=score]").focus();
  }
  async function skip() {
    const card = current();
    if (!card) return;
    const list = load(UNDO);
    list.push({ kind: "skip", point: card.dataset.point, label: "跳过" });
    save(UNDO, list);
    if (inQueue) {
      const skipped = load(SKIP);
      skipped.push(card.dataset.point);
      save(SKIP, skipped);
      await showNext(null, "");
    } else {
      select(nextPending(card));
    }
  }
  async function showNext(focus, message) {
    const params = new URLSearchParams(queueQuery);
    params.set("skip", load(SKIP).join(","));
    if (focus) params.set("focus", focus);
    if (message) params.set("message", message);
    const data = await call("/queue/next?" + params.toString(), "GET");
    if (data.html !== undefined) showQueue(data.html); else toast(data.message, true);
  }
  async function undo() {
    const list = load(UNDO);
    const entry = list.pop();
    save(UNDO, list);  // gone either way: an undo refused now would be refused again
    if (!entry) {
      apply(await call("/undo", "POST", queueParams(new URLSearchParams())));
      return;
    }
    if (entry.kind === "skip") {
      save(SKIP, load(SKIP).filter(function (id) { return id !== entry.point; }));
      if (inQueue) await showNext(entry.point, "已撤销：跳过");
      else { select(document.getElementById("p-" + entry.point)); toast("已撤销：跳过"); }
      return;
    }
    if (entry.kind === "decision") {
      apply(await call("/decisions/" + entry.ref + "/undo", "POST", queueParams(new URLSearchParams())));
      return;
    }
    if (entry.kind === "score") {
      for (const ref of entry.ref.slice().reverse()) {
        const params = queueParams(new URLSearchParams());
        if (entry.point && document.getElementById("p-" + entry.point)) params.set("point", entry.point);
        apply(await call("/scores/" + ref + "/undo", "POST", params));
      }
    }
  }
  async function previous() {
    if (!inQueue) { move(-1); return; }
    const here = current();
    const at = here ? shown.lastIndexOf(here.dataset.point) : shown.length;
    const id = shown[at - 1];
    if (!id) { toast("这是本页看到的第一个要点"); return; }
    const data = await call("/points/" + id, "GET");
    if (data.html) {
      const box = document.getElementById("card");
      box.innerHTML = "";
      const card = fragment(data.html);
      box.appendChild(card);
      select(card, false);
    }
  }
  function move(step) {
    const all = cards();
    if (!all.length) return;
    const at = all.indexOf(current());
    select(all[Math.min(Math.max(at + step, 0), all.length - 1)]);
  }
  function moveRow(step) {
    const rows = Array.from(document.querySelectorAll("tr[data-href]"));
    if (!rows.length) return;
    const at = rows.findIndex(function (r) { return r.classList.contains("current"); });
    const next = rows[Math.min(Math.max(at + step, 0), rows.length - 1)];
    rows.forEach(function (r) { r.classList.toggle("current", r === next); });
    next.scrollIntoView({ block: "nearest" });
  }

  // --- keys ----------------------------------------------------------------------------------------------
  document.addEventListener("keydown", function (event) {
    const target = event.target;
    const typing = target.closest && target.closest("input, textarea, select");
    if (typing) {
      if (event.key === "Escape") {
        const form = target.closest("form.edit-form, form.score-form");
        if (form) { form.hidden = true; const card = form.closest("article.point"); if (card) card.focus(); }
        else target.blur();
        event.preventDefault();
      } else if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && target.tagName === "TEXTAREA") {
        event.preventDefault();
        const form = target.closest("form");
        if (form) later(function () { return submit(form); });
      }
      return;
    }
    if (event.ctrlKey || event.altKey || event.metaKey) return;
    const key = event.key;
    const acting = !readOnly && (pageKind === "queue" || pageKind === "form");
    let handled = true;
    if (key === "/") {
      const field = document.getElementById("filter-first");
      if (field) {
        const box = field.closest("details");
        if (box) box.open = true;
        field.focus();
        field.select();
      } else { location.href = "/#filters"; }
    } else if (key === "?") {
      location.href = "/help";
    } else if ((key === "j" || key === "k") && pageKind === "batch") {
      moveRow(key === "j" ? 1 : -1);
    } else if (key === "Enter" && pageKind === "batch") {
      const row = document.querySelector("tr.current[data-href]");
      if (row) location.href = row.dataset.href; else handled = false;
    } else if (key === "j" && (inQueue || pageKind === "form")) {
      if (inQueue) later(skip); else move(1);
    } else if (key === "k" && (inQueue || pageKind === "form")) {
      later(previous);
    } else if (acting && (key === "a" || key === "r")) {
      later(function () { return press(key); });
    } else if (acting && key === "e") {
      chain.then(function () { open(current(), "form.edit-form"); });
    } else if (acting && key === "g") {
      chain.then(function () { open(current(), "form.score-form"); });
    } else if (acting && key === "s") {
      later(skip);
    } else if (acting && key === "u") {
      later(undo);
    } else {
      handled = false;
    }
    if (handled) event.preventDefault();
  });

  // --- buttons -------------------------------------------------------------------------------------------
  document.addEventListener("submit", function (event) {
    const form = event.target;
    if (!form.classList.contains("js-action")) return;
    event.preventDefault();
    later(function () { return submit(form); });
  });
  document.addEventListener("click", function (event) {
    const button = event.target.closest("[data-do]");
    const card = event.target.closest("article.point");
    if (card && !event.target.closest("a, button, input, textarea, select, summary")) select(card, false);
    if (!button) return;
    const what = button.dataset.do;
    if (card) select(card, false);
    if (what === "edit") open(card, "form.edit-form");
    else if (what === "score") open(card, "form.score-form");
    else if (what === "score-row") openRowScore(button.dataset.row);
    else if (what === "skip" || what === "next") later(skip);
    else if (what === "previous") later(previous);
    else if (what === "undo") later(undo);
    else if (what === "cancel") { const form = button.closest("form"); if (form) form.hidden = true; }
  });

  // --- on load -------------------------------------------------------------------------------------------
  const first = (location.hash && document.getElementById(location.hash.slice(1))) || null;
  if (location.hash === "#filters" && document.getElementById("filter-first")) document.getElementById("filter-first").focus();
  if (inQueue) {
    const card = current();
    if (card) { shown.push(card.dataset.point); select(card, false); }
    if (card && load(SKIP).indexOf(card.dataset.point) >= 0) later(function () { return showNext(null, ""); });
  } else if (pageKind === "form") {
    const card = first && first.matches("article.point") ? first : cards().find(function (c) { return c.dataset.status === "pending"; });
    if (card) select(card, Boolean(first));
  }
})();
