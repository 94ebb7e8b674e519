// ganforge play: what both pages share: decoding, the charts of the curves, posting a control, the message line.
// Written for ganforge, with no library, so the pages work offline.
"use strict";

window.ganforgeCommon = (() => {
  const $ = (id) => document.getElementById(id);

  function decode(b64, Type) {
    const text = atob(b64);
    const bytes = new Uint8Array(text.length);
    for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
    return new Type(bytes.buffer);
  }

  // The curves: one chart for the losses, one for the accuracies, against the iteration.
  const COLORS = ["#1f5bd6", "#d6451f", "#2a9d55", "#8a3ab9"];

  function drawChart(canvas, history, keys, fixedRange, floors) {
    const ctx = canvas.getContext("2d");
    const W = canvas.width, H = canvas.height, left = 46, right = 10, top = 24, bottom = 24;
    ctx.clearRect(0, 0, W, H);
    ctx.font = "11px system-ui, sans-serif";
    const records = history;
    const series = keys.map((key) => records.filter((r) => typeof r[key] === "number").map((r) => [r.iter, r[key]]));
    const all = series.flat().concat(keys.filter((k) => floors && typeof floors[k] === "number")
      .map((k) => [records.length ? records[0].iter : 0, floors[k]]));
    if (!all.length) {
      ctx.fillStyle = "#777";
      ctx.fillText("no steps yet", left, top + 20);
      return;
    }
    let [x0, x1] = [Math.min(...all.map((p) => p[0])), Math.max(...all.map((p) => p[0]))];
    let [y0, y1] = fixedRange || [Math.min(...all.map((p) => p[1])), Math.max(...all.map((p) => p[1]))];
    if (x1 === x0) x1 = x0 + 1;
    if (y1 === y0) { y0 -= 0.5; y1 += 0.5; }
    const X = (x) => left + (x - x0) / (x1 - x0) * (W - left - right);
    const Y = (y) => H - bottom - (y - y0) / (y1 - y0) * (H - top - bottom);
    ctx.strokeStyle = "#ccc";
    ctx.fillStyle = "#555";
    ctx.lineWidth = 1;
    for (let i = 0; i <= 4; i++) {
      const y = y0 + (y1 - y0) * i / 4;
      ctx.beginPath();
      ctx.moveTo(left, Y(y));
      ctx.lineTo(W - right, Y(y));
      ctx.stroke();
      ctx.fillText(y.toPrecision(3), 2, Y(y) + 4);
    }
    ctx.fillText(`iteration ${Math.round(x0)}`, left, H - 6);
    const end = `${Math.round(x1)}`;
    ctx.fillText(end, W - right - ctx.measureText(end).width, H - 6);
    keys.forEach((key, k) => {  // what two real samples score: the dashed line a curve is read against
      if (!floors || typeof floors[key] !== "number") return;
      ctx.strokeStyle = COLORS[k % COLORS.length];
      ctx.setLineDash([4, 3]);
      ctx.beginPath();
      ctx.moveTo(left, Y(floors[key]));
      ctx.lineTo(W - right, Y(floors[key]));
      ctx.stroke();
      ctx.setLineDash([]);
    });
    series.forEach((points, k) => {
      if (!points.length) return;
      const stride = Math.max(1, Math.floor(points.length / 1500));  // at most ~1,500 points a line
      ctx.strokeStyle = COLORS[k % COLORS.length];
      ctx.lineWidth = 1.5;
      ctx.beginPath();
      for (let i = 0; i < points.length; i += stride) {
        const [x, y] = points[i];
        if (i === 0) ctx.moveTo(X(x), Y(y)); else ctx.lineTo(X(x), Y(y));
      }
      ctx.stroke();
    });
    let lx = left;
    keys.forEach((key, k) => {
      const last = series[k].length ? series[k][series[k].length - 1][1] : null;
      const text = last === null ? key : `${key} ${last.toFixed(3)}`;
      ctx.fillStyle = COLORS[k % COLORS.length];
      ctx.fillRect(lx, 8, 10, 3);
      ctx.fillStyle = "#333";
      ctx.fillText(text, lx + 14, 13);
      lx += ctx.measureText(text).width + 28;
    });
  }

  function say(text, kind) {
    const message = $("message");
    message.textContent = text;
    message.className = kind;
  }

  // POST a control; a refusal (400) is said on the page, and refused() lets the page show what stayed.
  async function post(action, values, refused) {
    let response, reply;
    try {
      response = await fetch(`api/${action}`, {
        method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify(values || {}),
      });
      reply = await response.json();
    } catch (error) {
      say(`the server did not answer (${error.message}); is ganforge play still running?`, "error");
      return null;
    }
    if (!response.ok) {
      say(`refused (${response.status}): ${reply.error}`, "error");
      if (refused) refused();  // show the setting that stayed
      return null;
    }
    return reply;
  }

  // A setting's value as sent: numbers as numbers, anything else as typed, so the server can say what it expected.
  function numeric(text) {
    const trimmed = text.trim(), number = Number(trimmed);
    return trimmed === "" || Number.isNaN(number) ? trimmed : number;
  }

  // The buttons and the stream every page has: Play/Pause, Reset with a seed, Save run, and the frames pushed by
  // the server (server-sent events); post(action, values) posts a control, onFrame(frame) draws a frame.
  function wire(state, post, onFrame) {
    $("play").addEventListener("click", () => post(state.frame && state.frame.running ? "pause" : "play"));
    $("seed").addEventListener("input", () => { $("seed").dataset.edited = "1"; });
    $("reset").addEventListener("click", async () => {
      const reply = await post("reset", {seed: numeric($("seed").value)});
      delete $("seed").dataset.edited;
      if (reply) say(`reset with seed ${reply.seed}`, "ok");
    });
    $("save").addEventListener("click", async () => {
      say("saving…", "ok");
      const reply = await post("save");
      if (reply) say(`saved ${reply.path} (${reply.iterations} iterations); score it with: ganforge eval ${reply.path}`,
                     "ok");
    });
    const source = new EventSource("api/frames");
    source.addEventListener("frame", (event) => onFrame(JSON.parse(event.data)));
    source.addEventListener("open", () => { $("connection").textContent = ""; $("connection").className = ""; });
    source.addEventListener("error", () => {
      $("connection").textContent = "reconnecting…";
      $("connection").className = "offline";
    });
  }

  return {decode, drawChart, say, post, numeric, wire};
})();
