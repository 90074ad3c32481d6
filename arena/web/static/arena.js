// The dashboard's behaviour: live refresh of a running tournament, replay stepping and
// charts. Every string shown comes from the server already escaped (HTML) or is set
// with textContent (uPlot's labels); nothing here builds HTML from data.
"use strict";

function refreshLive() {
  const live = document.getElementById("live");
  if (!live || !live.dataset.live) return;
  const period = Number(document.body.dataset.poll || 3000);
  setInterval(async () => {
    if (!live.dataset.live) return;
    const response = await fetch(window.location.href, { headers: { "Accept": "text/html" } });
    if (!response.ok) return;
    const page = new DOMParser().parseFromString(await response.text(), "text/html");
    const fresh = page.getElementById("live");
    if (fresh) {
      live.replaceChildren(...fresh.childNodes);
      live.dataset.live = fresh.dataset.live;
    }
  }, period);
}

function replay() {
  const root = document.getElementById("replay");
  if (!root) return;
  const turns = Array.from(root.querySelectorAll(".turn"));
  const label = document.getElementById("turn-label");
  let current = -1; // -1: every turn shown
  function show(index) {
    current = index;
    turns.forEach((turn, i) => { turn.hidden = index >= 0 && i !== index; });
    const heading = index >= 0 ? turns[index].querySelector("h3").textContent : "all turns";
    label.textContent = heading;
  }
  const step = (delta) => show(Math.min(turns.length - 1, Math.max(0, (current < 0 ? -1 : current) + delta)));
  document.getElementById("first").addEventListener("click", () => show(0));
  document.getElementById("previous").addEventListener("click", () => step(-1));
  document.getElementById("next").addEventListener("click", () => step(1));
  document.getElementById("last").addEventListener("click", () => show(turns.length - 1));
  document.getElementById("all").addEventListener("click", () => show(-1));
}

function jsonData(id) {
  const node = document.getElementById(id);
  return node ? JSON.parse(node.textContent) : null;
}

function llrChart() {
  const data = jsonData("llr-data");
  if (!data || typeof uPlot === "undefined") return;
  const xs = data.trajectory.map((_, i) => i + 1);
  const flat = (v) => xs.map(() => v);
  new uPlot({
    width: 800, height: 300,
    series: [
      { label: "pairs" },
      { label: "LLR", stroke: "#1565c0", width: 2 },
      { label: "upper bound (promote)", stroke: "#2e7d32", dash: [6, 4] },
      { label: "lower bound (reject)", stroke: "#b71c1c", dash: [6, 4] },
    ],
    scales: { x: { time: false } },
  }, [xs, data.trajectory, flat(data.upper), flat(data.lower)], document.getElementById("llr-chart"));
}

function ladderChart() {
  const rows = jsonData("ladder-data");
  if (!rows || typeof uPlot === "undefined") return;
  const lines = rows.filter((r) => r.trajectory).map((r) => ({
    label: `${r.server} ${r.username || ""} ${r.agent}`,
    values: r.trajectory.split(" ").map(Number),
  }));
  if (!lines.length) return;
  const longest = Math.max(...lines.map((l) => l.values.length));
  const xs = Array.from({ length: longest }, (_, i) => i + 1);
  const colours = ["#1565c0", "#2e7d32", "#b71c1c", "#6a1b9a", "#ef6c00", "#00838f"];
  new uPlot({
    width: 800, height: 300,
    series: [{ label: "game" }, ...lines.map((l, i) => ({ label: l.label, stroke: colours[i % colours.length], width: 2 }))],
    scales: { x: { time: false } },
  }, [xs, ...lines.map((l) => xs.map((_, i) => (i < l.values.length ? l.values[i] : null)))],
  document.getElementById("ladder-chart"));
}

const COLOURS = ["#1565c0", "#2e7d32", "#b71c1c", "#6a1b9a", "#ef6c00", "#00838f"];

// Vertical lines at the epochs where the verdict changed (grey) or an alarm rose (red).
function markerPlugin(markers) {
  const state = (verdict) => (verdict || "").split(":")[0];
  const lines = [];
  markers.forEach((m, i) => {
    if (m.alarms.length) lines.push({ epoch: m.epoch, colour: "#c62828" });
    else if (i > 0 && state(m.verdict) !== state(markers[i - 1].verdict)) lines.push({ epoch: m.epoch, colour: "#90a4ae" });
  });
  return {
    hooks: {
      draw: (u) => {
        const ctx = u.ctx;
        ctx.save();
        ctx.lineWidth = 2;
        lines.forEach((line) => {
          const x = u.valToPos(line.epoch, "x", true);
          ctx.strokeStyle = line.colour;
          ctx.beginPath();
          ctx.moveTo(x, u.bbox.top);
          ctx.lineTo(x, u.bbox.top + u.bbox.height);
          ctx.stroke();
        });
        ctx.restore();
      },
    },
  };
}

function runCharts() {
  const run = jsonData("run-data");
  if (!run || typeof uPlot === "undefined") return;
  const epochAxis = { incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500] }; // whole epochs only
  const base = {
    width: 800, height: 240, scales: { x: { time: false } }, axes: [epochAxis, {}],
    plugins: [markerPlugin(run.markers)],
  };
  document.querySelectorAll(".run-chart").forEach((node) => {
    const series = run.charts[node.dataset.chart];
    const keys = Object.keys(series);
    new uPlot({
      ...base,
      series: [{ label: "epoch" }, ...keys.map((k, i) => ({ label: k, stroke: COLOURS[i % COLOURS.length], width: 2 }))],
    }, [run.epochs, ...keys.map((k) => series[k])], node);
  });
  const target = document.getElementById("win-rate-chart");
  if (!target) return;
  const opponents = Object.keys(run.win_rates);
  const series = [{ label: "epoch" }];
  const data = [run.epochs];
  const bands = [];
  opponents.forEach((name, i) => {
    const points = run.win_rates[name];
    const colour = COLOURS[i % COLOURS.length];
    const pick = (key) => points.map((p) => (p ? p[key] : null));
    series.push({ label: name, stroke: colour, width: 2 });
    series.push({ label: `${name} high`, stroke: colour, width: 1, dash: [3, 3] });
    series.push({ label: `${name} low`, stroke: colour, width: 1, dash: [3, 3] });
    data.push(pick("win_rate"), pick("high"), pick("low"));
    bands.push({ series: [series.length - 2, series.length - 1], fill: colour + "22" });
  });
  new uPlot({ ...base, height: 300, series, bands, scales: { x: { time: false }, y: { range: [0, 1] } } }, data, target);
}

document.addEventListener("DOMContentLoaded", () => {
  refreshLive();
  replay();
  llrChart();
  ladderChart();
  runCharts();
});
