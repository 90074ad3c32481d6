// Playing an agent: the start form, then the live battle drawn from /api/play/ID (the
// person's side only). Every string shown is set with textContent; nothing here builds
// HTML from data.
"use strict";

const POLL_MS = 500;

async function postJson(url, body) {
  const response = await fetch(url, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
  const answer = await response.json().catch(() => ({ error: `HTTP ${response.status}` }));
  return { ok: response.ok, answer };
}

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function startForm() {
  const form = document.getElementById("start-form");
  if (!form) return;
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const value = (id) => document.getElementById(id).value;
    const error = document.getElementById("start-error");
    error.textContent = "";
    document.getElementById("start").disabled = true;
    const { ok, answer } = await postJson("/api/play", {
      agent: value("agent"), name: value("name"), team: value("team") || null, pasted: value("pasted") || null,
    });
    if (ok) {
      window.location.assign(answer.url);
      return;
    }
    error.textContent = answer.error;
    document.getElementById("start").disabled = false;
  });
}

function mon(m) {
  const row = element("div", "mon" + (m.active ? " active" : "") + (m.fainted ? " fainted" : ""));
  row.dataset.species = m.species;
  row.append(element("span", "mon-name", m.species));
  const bar = element("span", "hp");
  const fill = element("span", "hp-fill");
  fill.style.width = `${Math.round(100 * m.hp)}%`;
  bar.append(fill);
  row.append(bar, element("span", "hp-text", m.hp_text), element("span", "status", m.status));
  return row;
}

function optionButton(option, choose) {
  const button = element("button", `option option-${option.kind}`);
  button.type = "button";
  button.dataset.key = option.key;
  button.append(element("span", "option-name", option.name));
  const detail = option.kind === "move"
    ? `${option.type} · power ${option.power || "—"} · accuracy ${option.accuracy}% · PP ${option.pp}/${option.max_pp}`
    : `${Math.round(100 * option.hp)}% HP${option.status ? " · " + option.status : ""}`;
  button.append(element("span", "detail", detail));
  button.addEventListener("click", () => choose(option.key));
  return button;
}

function playGame() {
  const root = document.getElementById("game");
  if (!root) return;
  const id = root.dataset.id;
  let shownRequest = null; // the rqid whose buttons are on the page
  let deadline = null;
  const clock = document.getElementById("clock");

  async function choose(key) {
    const rqid = shownRequest;
    document.querySelectorAll(".options button").forEach((b) => { b.disabled = true; });
    const { ok, answer } = await postJson(`/api/play/${id}/choice`, { rqid, choice: key });
    document.getElementById("choice-error").textContent = ok ? "" : answer.error;
    if (!ok) document.querySelectorAll(".options button").forEach((b) => { b.disabled = false; });
  }

  function draw(view) {
    document.getElementById("heading").textContent = `${view.you} against ${view.agent}`;
    document.getElementById("facts").textContent = `${view.format} · turn ${view.turn} · your team: ${view.team || "—"}`;
    document.getElementById("theirs-heading").textContent = view.agent;
    document.getElementById("yours").replaceChildren(...view.yours.map(mon));
    document.getElementById("theirs").replaceChildren(...view.theirs.map(mon));
    const narration = document.getElementById("narration");
    const text = view.narration.join("\n");
    if (narration.textContent !== text) {
      narration.textContent = text;
      narration.scrollTop = narration.scrollHeight;
    }
    document.getElementById("choices").replaceChildren(...view.choices.map((c) => element("li", "", c)));
    const request = view.request;
    const waiting = document.getElementById("waiting");
    if (!request) {
      shownRequest = null;
      deadline = null;
      document.getElementById("moves").replaceChildren();
      document.getElementById("switches").replaceChildren();
      waiting.textContent = view.result ? "the battle is over" : (view.failure || `waiting for ${view.agent}…`);
    } else if (request.rqid !== shownRequest) {
      shownRequest = request.rqid;
      deadline = Date.now() + 1000 * request.seconds_left;
      waiting.textContent = "";
      const buttons = (kind) => request.options.filter((o) => o.kind === kind).map((o) => optionButton(o, choose));
      document.getElementById("moves").replaceChildren(...buttons("move"));
      document.getElementById("switches").replaceChildren(...buttons("switch"));
    }
    if (view.result) {
      const result = document.getElementById("result");
      result.hidden = false;
      document.getElementById("winner").textContent = view.result.winner ? `${view.result.winner} wins` : "no winner";
      document.getElementById("end-reason").textContent = view.result.end_reason;
      document.getElementById("result-turns").textContent = String(view.result.turns);
      const stored = document.getElementById("stored");
      if (view.result.battle_id !== null) stored.href = `/battles/${view.result.battle_id}`;
      root.dataset.over = "yes";
      root.dataset.battle = String(view.result.battle_id);
    }
  }

  function tick() {
    if (deadline === null) {
      clock.textContent = "";
      return;
    }
    const left = Math.max(0, Math.round((deadline - Date.now()) / 1000));
    clock.textContent = `${left} s left`;
    clock.classList.toggle("short", left <= 10);
  }

  async function poll() {
    const response = await fetch(`/api/play/${id}`);
    if (response.ok) {
      const view = await response.json();
      draw(view);
      if (view.result || view.failure) {
        tick();
        return;
      }
    }
    setTimeout(poll, POLL_MS);
  }
  setInterval(tick, 250);
  poll();
}

document.addEventListener("DOMContentLoaded", () => {
  startForm();
  playGame();
});
