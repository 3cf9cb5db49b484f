// The admin page itself: one HTML document, a stylesheet and a script, served from memory (no build
// step). The script builds the DOM with textContent only (no HTML from data) and draws the latency
// chart as SVG. It holds no secret: a token, when one is needed, is typed in and kept in the tab's
// sessionStorage, sent as the X-Admin-Token header (never a cookie).

export const PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>xmpp-http-auth admin</title>
<link rel="stylesheet" href="/admin.css">
<script src="/admin.js" defer></script>
</head>
<body>
<header><h1>xmpp-http-auth</h1><span id="meta"></span></header>
<main>
<form id="token-form" hidden>
  <label>Admin token <input id="token" type="password" autocomplete="off" required></label>
  <button type="submit">Open</button>
  <p class="note">The token is <code>admin.token</code> in the server's configuration.</p>
</form>
<p id="status" role="status"></p>
<section id="hosts" aria-label="Hosts"></section>
<section id="workers" hidden>
  <h2>Workers</h2>
  <p id="workers-note" class="note"></p>
  <table id="worker-table"><thead><tr><th>node</th><th>status</th><th>sessions</th><th>auth API calls</th><th>API failures</th></tr></thead><tbody></tbody></table>
</section>
<section id="accounts" hidden>
  <h2>Accounts</h2>
  <div class="row">
    <select id="domain" aria-label="Domain"></select>
    <input id="search" type="search" placeholder="search user names" aria-label="Search">
  </div>
  <form id="add-form" class="row">
    <input id="add-jid" placeholder="user@domain" aria-label="New account JID" required>
    <input id="add-password" type="password" placeholder="password" aria-label="New account password" autocomplete="new-password" required>
    <button type="submit">Add account</button>
  </form>
  <table id="account-table"><thead><tr><th>account</th><th>status</th><th>actions</th></tr></thead><tbody></tbody></table>
  <p id="account-count" class="note"></p>
  <h3>Locked out now</h3>
  <ul id="locked"></ul>
</section>
<section id="no-accounts" hidden><h2>Accounts</h2><p class="note">Accounts live behind the HTTP auth API, which offers no listing: manage them there. When it is authd, add its <code>[authd]</code> table to this server's file to manage them here.</p></section>
</main>
</body>
</html>
`;

export const PAGE_STYLE = `body{font:14px/1.4 system-ui,sans-serif;margin:0;color:#1d2330;background:#f5f6f8}
header{display:flex;gap:1em;align-items:baseline;padding:.6em 1.2em;background:#1d2330;color:#fff}
header h1{font-size:1.2em;margin:0}#meta{opacity:.8}
main{padding:1em 1.2em;max-width:1100px}
section{margin-bottom:1.5em}
.host{background:#fff;border:1px solid #d9dce3;border-radius:6px;padding:.8em 1em;margin-bottom:1em}
.host h2{margin:0 0 .4em;font-size:1.1em}
.stats{display:flex;flex-wrap:wrap;gap:1.5em;margin-bottom:.5em}
.stat b{display:block;font-size:1.3em}
.bad{color:#b3261e}.ok{color:#1e7b34}.note{color:#5b6270}
table{border-collapse:collapse;background:#fff;width:100%}
th,td{border-bottom:1px solid #e3e5ea;padding:.3em .5em;text-align:left}
.row{display:flex;gap:.5em;margin:.5em 0;flex-wrap:wrap}
button{cursor:pointer}
svg{background:#fff;border:1px solid #e3e5ea}
.legend span{margin-right:1em}
.p50{color:#1565c0}.p90{color:#ef6c00}.p99{color:#b3261e}.calls{color:#9aa3b2}
`;

export const PAGE_SCRIPT = `"use strict";
(() => {
  const $ = (id) => document.getElementById(id);
  const TOKEN_KEY = "xha-admin-token";
  let token = sessionStorage.getItem(TOKEN_KEY) || "loopback";
  let accountsShown = false;

  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
    for (const c of children) e.append(c instanceof Node ? c : document.createTextNode(String(c)));
    return e;
  }
  function svg(tag, attrs) {
    const e = document.createElementNS("http://www.w3.org/2000/svg", tag);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, String(v));
    return e;
  }
  function status(text, bad) {
    $("status").textContent = text;
    $("status").className = bad ? "bad" : "note";
  }

  async function call(path, body) {
    const init = { headers: { "X-Admin-Token": token }, cache: "no-store" };
    if (body !== undefined) {
      init.method = "POST";
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    const res = await fetch(path, init);
    const data = await res.json().catch(() => ({}));
    if (res.status === 401 && data.tokenRequired) {
      $("token-form").hidden = false;
      throw new Error(token === "loopback" ? "enter the admin token" : "wrong admin token");
    }
    if (!res.ok) throw new Error(data.error || res.statusText);
    return data;
  }

  // Latency on a log scale (0.5 ms to the slowest), so a timeout does not flatten everything else;
  // each series breaks where a minute had no calls.
  function chart(minutes) {
    const W = 640, H = 160, L = 52, B = 20, T = 8;
    const s = svg("svg", { viewBox: "0 0 " + W + " " + H, width: W, height: H, role: "img", "aria-label": "auth API latency, last hour" });
    const values = minutes.flatMap((m) => [m.p50, m.p90, m.p99]).filter((v) => v !== null);
    const lo = 0.5;
    const hi = Math.max(10, ...values);
    const maxCalls = Math.max(1, ...minutes.map((m) => m.calls));
    const x = (i) => L + (i * (W - L - 8)) / (minutes.length - 1 || 1);
    const y = (v) => T + (H - T - B) * (1 - Math.log10(v / lo) / Math.log10(hi / lo));
    for (let tick = 1; tick <= hi; tick *= 10) {
      s.append(svg("line", { x1: L, x2: W - 8, y1: y(tick), y2: y(tick), stroke: "#e3e5ea" }));
      const t = svg("text", { x: L - 4, y: y(tick) + 4, "text-anchor": "end", "font-size": 10, fill: "#5b6270" });
      t.textContent = tick >= 1000 ? tick / 1000 + " s" : tick + " ms";
      s.append(t);
    }
    minutes.forEach((m, i) => {
      if (m.calls === 0) return;
      const h = ((H - T - B) * m.calls) / maxCalls / 3;
      s.append(svg("rect", { x: x(i) - 3, y: H - B - h, width: 6, height: h, fill: m.failures > 0 ? "#f4b4ae" : "#d5d9e0" }));
    });
    for (const [key, color] of [["p50", "#1565c0"], ["p90", "#ef6c00"], ["p99", "#b3261e"]]) {
      const runs = [[]];
      minutes.forEach((m, i) => {
        if (m[key] === null) runs.push([]);
        else runs[runs.length - 1].push([x(i), y(m[key])]);
      });
      for (const run of runs.filter((r) => r.length > 0)) {
        s.append(svg("polyline", { points: run.map((p) => p.join(",")).join(" "), fill: "none", stroke: color, "stroke-width": 2, "data-series": key }));
        // A dot per minute, so a lone sample shows too.
        for (const [cx, cy] of run) s.append(svg("circle", { cx, cy, r: 2.5, fill: color }));
      }
    }
    for (const [i, label] of [[0, "-60 min"], [minutes.length - 1, "now"]]) {
      const t = svg("text", { x: x(i), y: H - 4, "text-anchor": i === 0 ? "start" : "end", "font-size": 10, fill: "#5b6270" });
      t.textContent = label;
      s.append(t);
    }
    return s;
  }

  function stat(label, value, cls) {
    return el("div", { class: "stat" }, el("b", cls ? { class: cls } : {}, value), label);
  }

  function renderHosts(data) {
    const box = $("hosts");
    box.replaceChildren();
    for (const h of data.hosts) {
      const hh = h.health;
      const failures = Object.values(hh.failures).reduce((a, b) => a + b, 0);
      const lastHour = hh.minutes.reduce((a, m) => a + m.calls, 0);
      const card = el("article", { class: "host", "data-host": h.name },
        el("h2", {}, h.name),
        el("div", { class: "stats" },
          stat("sessions online", h.sessions),
          stat("auth API calls", hh.calls),
          stat("in the last hour", lastHour),
          stat("API failures", failures, failures > 0 ? "bad" : "ok"),
          stat("passwords refused", hh.rejectedPasswords),
          stat("registrations", hh.registrations),
        ));
      const reasons = Object.entries(hh.failures);
      card.append(el("p", { class: "note" }, reasons.length === 0
        ? "No API failures since start."
        : "Failures by reason: " + reasons.map(([r, n]) => r + " " + n).join(", ")));
      card.append(chart(hh.minutes));
      const last = [...hh.minutes].reverse().find((m) => m.calls > 0);
      card.append(el("div", { class: "legend note" },
        last === undefined ? "" : el("span", {}, "latest minute with calls: p50 \u2264 " + last.p50 + " ms, p90 \u2264 " + last.p90 + " ms, p99 \u2264 " + last.p99 + " ms \u00b7"),
        el("span", { class: "p50" }, "\\u2014 p50"), el("span", { class: "p90" }, "\\u2014 p90"),
        el("span", { class: "p99" }, "\\u2014 p99"), el("span", { class: "calls" }, "\\u25ae calls per minute")));
      box.append(card);
    }
    const up = Math.round((data.now - data.startedAt) / 1000);
    $("meta").textContent = "version " + data.version + " \\u00b7 admin page up " + up + " s";
  }

  // Under serve --workers: the host cards show sums over the workers; this table, each one's share.
  function renderWorkers(data) {
    $("workers").hidden = data.workers === undefined;
    if (data.workers === undefined) return;
    const answered = data.workers.filter((w) => w.answered).length;
    $("workers-note").textContent = answered + " of " + data.workers.length + " workers answered; the figures above are their sums (latency: the slowest worker's).";
    const body = $("worker-table").tBodies[0];
    body.replaceChildren();
    for (const w of data.workers) {
      const sum = (f) => w.hosts.reduce((a, h) => a + f(h), 0);
      const failures = sum((h) => Object.values(h.health.failures).reduce((a, b) => a + b, 0));
      body.append(el("tr", { "data-node": w.node },
        el("td", {}, w.node),
        el("td", { class: w.answered ? "ok" : "bad" }, w.answered ? "answering" : "not answering"),
        el("td", {}, w.answered ? sum((h) => h.sessions) : "\u2013"),
        el("td", {}, w.answered ? sum((h) => h.health.calls) : "\u2013"),
        el("td", {}, w.answered ? failures : "\u2013")));
    }
  }

  function renderLocked(data) {
    const ul = $("locked");
    ul.replaceChildren();
    if (!data.accounts.lockoutsVisible) {
      ul.append(el("li", { class: "note" }, "Lockouts are held by the authd process and are not visible here."));
      return;
    }
    if (data.accounts.locked.length === 0) ul.append(el("li", { class: "note" }, "nobody (lockouts since start: " + data.accounts.lockoutsStarted + ")"));
    for (const row of data.accounts.locked) {
      const b = el("button", { type: "button" }, "Unlock");
      b.onclick = () => act("unlock", { jid: row.jid });
      ul.append(el("li", { "data-jid": row.jid }, row.jid + " until " + new Date(row.lockedUntil).toLocaleTimeString() + " ", b));
    }
  }

  async function searchAccounts() {
    const domain = $("domain").value;
    const q = encodeURIComponent($("search").value);
    const r = await call("/api/accounts?domain=" + encodeURIComponent(domain) + "&q=" + q);
    const body = $("account-table").tBodies[0];
    body.replaceChildren();
    for (const row of r.rows) {
      const pw = el("input", { type: "password", placeholder: "new password", "aria-label": "new password for " + row.jid, autocomplete: "new-password" });
      const reset = el("button", { type: "button" }, "Reset password");
      reset.onclick = () => pw.value === "" ? pw.focus() : act("password", { jid: row.jid, password: pw.value });
      const del = el("button", { type: "button" }, "Delete");
      del.onclick = () => confirm("Delete " + row.jid + "?") && act("delete", { jid: row.jid });
      const cells = [pw, reset, del];
      if (row.lockedUntil !== undefined) {
        const un = el("button", { type: "button" }, "Unlock");
        un.onclick = () => act("unlock", { jid: row.jid });
        cells.push(un);
      }
      body.append(el("tr", { "data-jid": row.jid }, el("td", {}, row.jid),
        el("td", {}, row.lockedUntil === undefined ? "active" : "locked out"), el("td", {}, ...cells)));
    }
    $("account-count").textContent = r.total + " account(s)" + (r.total > r.rows.length ? ", " + r.rows.length + " shown" : "");
  }

  async function act(action, body) {
    try {
      await call("/api/accounts/" + action, body);
      status(action + " " + body.jid + ": done");
      await refresh();
    } catch (e) {
      status(action + " " + body.jid + ": " + e.message, true);
    }
  }

  async function refresh(periodic) {
    const data = await call("/api/overview");
    $("token-form").hidden = true;
    renderHosts(data);
    renderWorkers(data);
    $("accounts").hidden = !data.accounts.available;
    $("no-accounts").hidden = data.accounts.available;
    if (data.accounts.available) {
      if (!accountsShown) {
        $("domain").replaceChildren(...data.accounts.domains.map((d) => el("option", { value: d }, d)));
        accountsShown = true;
      }
      renderLocked(data);
      if (!periodic || !typing()) await searchAccounts();
    }
    document.body.dataset.loaded = "true";
  }

  function safeRefresh() {
    refresh().catch((e) => status(e.message, true));
  }
  // The periodic refresh leaves the account table alone while a password is being typed into it.
  function typing() {
    return [...document.querySelectorAll("#account-table input, #add-form input")].some((i) => i.value !== "");
  }

  $("token-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    token = $("token").value;
    sessionStorage.setItem(TOKEN_KEY, token);
    status("");
    safeRefresh();
  });
  $("add-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const jid = $("add-jid").value;
    act("add", { jid, password: $("add-password").value }).then(() => { $("add-password").value = ""; });
  });
  $("search").addEventListener("input", () => searchAccounts().catch((e) => status(e.message, true)));
  $("domain").addEventListener("change", () => searchAccounts().catch((e) => status(e.message, true)));
  safeRefresh();
  setInterval(() => refresh(true).catch((e) => status(e.message, true)), 10000);
})();
`;
