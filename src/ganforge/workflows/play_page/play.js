// ganforge play: draws the frames the server pushes (server-sent events) and posts the controls as JSON.
// Written for ganforge, with no library: canvas 2-D drawing, EventSource and fetch, so the page works offline.
"use strict";

(() => {
  const $ = (id) => document.getElementById(id);
  const {decode, drawChart, say, numeric} = window.ganforgeCommon;
  const post = (action, values) => window.ganforgeCommon.post(action, values, () => state.frame && syncControls(state.frame));

  // What the page knows; window.ganforgePlay lets a test (or a curious student) read it.
  const state = {
    frame: null,        // the latest frame as sent (base64 arrays undecoded)
    history: [],        // the curves' records: {iter, epoch, <statistic>: value}
    generation: null,   // resets seen: the curves start again at each
    real: null,         // Float32Array (N_REAL * 2)
    fake: null,         // Float32Array (N_FAKE * 2)
    arrows: null,       // Float32Array (ARROWS * 2): the first ARROWS generated points' arrows
    heat: null,         // Uint8Array (R * R), row 0 at y = -extent
    manifold: null,     // Float32Array (rows * cols * 2): the noise grid through G
    mass: null,         // Float32Array ((rows - 1) * (cols - 1)): each noise cell's share of the noise
    drawing: false,     // drawing a distribution on the plane
    drawn: [],          // its points, [x, y] in the plane's units
    noticeNumber: 0,
    frames: 0,          // frames received
  };
  window.ganforgePlay = state;


  // D's output to a colour: pale blue (0, judged fake) through white (0.5) to pale red (1, judged real),
  // pale enough that the saturated red and blue points stay visible on it.
  const FAKE_RGB = [120, 160, 222], MID_RGB = [250, 250, 250], REAL_RGB = [236, 140, 120];
  const LUT = new Uint8ClampedArray(256 * 3);
  for (let v = 0; v < 256; v++) {
    const t = v / 255;
    const [a, b, u] = t < 0.5 ? [FAKE_RGB, MID_RGB, t * 2] : [MID_RGB, REAL_RGB, (t - 0.5) * 2];
    for (let c = 0; c < 3; c++) LUT[v * 3 + c] = a[c] + (b[c] - a[c]) * u;
  }
  $("colorbar").querySelector("i").style.background =
    `linear-gradient(to right, rgb(${FAKE_RGB}), rgb(${MID_RGB}), rgb(${REAL_RGB}))`;

  // The plane.
  const heatCanvas = $("heatmap"), pointCanvas = $("points");
  const SIZE = heatCanvas.width;
  const scratch = document.createElement("canvas");

  function toPixel(x, y, extent) {
    return [(x + extent) / (2 * extent) * SIZE, (extent - y) / (2 * extent) * SIZE];
  }

  function toPlane(px, py, extent) {
    return [px / SIZE * 2 * extent - extent, extent - py / SIZE * 2 * extent];
  }

  // The generator's manifold: each cell of the noise grid where G puts it, shaded by the density of G's
  // points there (the cell's share of the noise over its area on the plane); 1-D noise draws a curve.
  function drawManifold(ctx, frame) {
    const [rows, cols] = frame.manifold_shape, m = state.manifold, mass = state.mass, extent = frame.extent;
    if (!m || !mass || !rows) return;
    const at = (r, c) => toPixel(m[(r * cols + c) * 2], m[(r * cols + c) * 2 + 1], extent);
    if (rows === 1) {
      for (let c = 0; c + 1 < cols; c++) {
        const [x0, y0] = at(0, c), [x1, y1] = at(0, c + 1);
        const density = mass[c] / Math.max(Math.hypot(x1 - x0, y1 - y0), 0.05);
        ctx.strokeStyle = `rgba(110, 40, 160, ${Math.min(0.9, 0.15 + 40 * density)})`;
        ctx.lineWidth = 2.5;
        ctx.beginPath(); ctx.moveTo(x0, y0); ctx.lineTo(x1, y1); ctx.stroke();
      }
      return;
    }
    const densities = [];
    for (let r = 0; r + 1 < rows; r++) {
      for (let c = 0; c + 1 < cols; c++) {
        const [a, b, d, e] = [at(r, c), at(r, c + 1), at(r + 1, c + 1), at(r + 1, c)];
        const area = Math.abs((a[0] * b[1] - b[0] * a[1]) + (b[0] * d[1] - d[0] * b[1]) + (d[0] * e[1] - e[0] * d[1])
                              + (e[0] * a[1] - a[0] * e[1])) / 2;
        densities.push([mass[r * (cols - 1) + c] / Math.max(area, 0.5), a, b, d, e]);
      }
    }
    const sorted = densities.map((x) => x[0]).sort((p, q) => p - q);
    const top = sorted[Math.floor(0.95 * (sorted.length - 1))] || 1;
    ctx.strokeStyle = "rgba(110, 40, 160, 0.35)";
    ctx.lineWidth = 0.6;
    for (const [density, a, b, d, e] of densities) {
      ctx.fillStyle = `rgba(110, 40, 160, ${Math.min(0.6, 0.6 * density / top)})`;
      ctx.beginPath(); ctx.moveTo(...a); ctx.lineTo(...b); ctx.lineTo(...d); ctx.lineTo(...e); ctx.closePath();
      ctx.fill(); ctx.stroke();
    }
  }

  function drawHeatmap(frame) {
    const res = frame.heatmap.resolution;
    scratch.width = res;
    scratch.height = res;
    const sctx = scratch.getContext("2d");
    const image = sctx.createImageData(res, res);
    for (let row = 0; row < res; row++) {
      const target = res - 1 - row;  // row 0 of the grid is the bottom of the plane
      for (let col = 0; col < res; col++) {
        const v = state.heat[row * res + col], o = (target * res + col) * 4;
        image.data[o] = LUT[v * 3];
        image.data[o + 1] = LUT[v * 3 + 1];
        image.data[o + 2] = LUT[v * 3 + 2];
        image.data[o + 3] = 255;
      }
    }
    sctx.putImageData(image, 0, 0);
    const ctx = heatCanvas.getContext("2d");
    ctx.imageSmoothingEnabled = true;
    ctx.imageSmoothingQuality = "high";
    // Grid values sit at cell centres from -extent to +extent: stretch so the first and last centres meet the edges.
    const cell = SIZE / (res - 1);
    ctx.drawImage(scratch, -cell / 2, -cell / 2, SIZE + cell, SIZE + cell);
  }

  function drawPoints(frame) {
    const ctx = pointCanvas.getContext("2d");
    const extent = frame.extent;
    ctx.clearRect(0, 0, SIZE, SIZE);
    if ($("show-manifold").checked) drawManifold(ctx, frame);
    if ($("show-real").checked && state.real) {
      ctx.fillStyle = "rgba(200, 30, 30, 0.35)";
      for (let i = 0; i < state.real.length; i += 2) {
        const [px, py] = toPixel(state.real[i], state.real[i + 1], extent);
        ctx.fillRect(px - 1.5, py - 1.5, 3, 3);
      }
    }
    const fake = state.fake, arrows = state.arrows;
    if ($("show-arrows").checked) {
      // Lengths are relative within a frame: the 90th-percentile arrow is 6% of the plane wide.
      const lengths = [];
      for (let i = 0; i < arrows.length; i += 2) lengths.push(Math.hypot(arrows[i], arrows[i + 1]));
      const sorted = lengths.slice().sort((a, b) => a - b);
      const typical = sorted[Math.floor(0.9 * (sorted.length - 1))] || 0;
      const scale = typical > 0 ? 0.06 * 2 * extent / typical : 0;
      ctx.strokeStyle = "rgba(20, 40, 90, 0.55)";
      ctx.lineWidth = 1;
      ctx.beginPath();
      for (let i = 0, k = 0; i < arrows.length; i += 2, k++) {  // the first points carry arrows
        const f = Math.min(1, 2 * typical / (lengths[k] || 1));  // the longest arrows are capped at twice the typical
        const dx = arrows[i] * scale * f, dy = arrows[i + 1] * scale * f;
        const [x0, y0] = toPixel(fake[i], fake[i + 1], extent);
        const [x1, y1] = toPixel(fake[i] + dx, fake[i + 1] + dy, extent);
        ctx.moveTo(x0, y0);
        ctx.lineTo(x1, y1);
        const angle = Math.atan2(y1 - y0, x1 - x0), head = Math.min(4, Math.hypot(x1 - x0, y1 - y0) / 2);
        ctx.lineTo(x1 - head * Math.cos(angle - 0.5), y1 - head * Math.sin(angle - 0.5));
        ctx.moveTo(x1, y1);
        ctx.lineTo(x1 - head * Math.cos(angle + 0.5), y1 - head * Math.sin(angle + 0.5));
      }
      ctx.stroke();
    }
    if ($("show-fake").checked) {
      ctx.fillStyle = "rgba(25, 60, 220, 0.85)";
      for (let i = 0; i < fake.length; i += 2) {
        const [px, py] = toPixel(fake[i], fake[i + 1], extent);
        ctx.beginPath();
        ctx.arc(px, py, 2.2, 0, 2 * Math.PI);
        ctx.fill();
      }
    }
    if (state.drawing || state.drawn.length) {  // the drawing under way, in black
      ctx.fillStyle = "rgba(0, 0, 0, 0.8)";
      for (const [x, y] of state.drawn) {
        const [px, py] = toPixel(x, y, extent);
        ctx.fillRect(px - 2, py - 2, 4, 4);
      }
    }
  }


  function drawCurves(frame) {
    const keys = (part) => {
      const names = new Set(frame.stat_names);
      state.history.forEach((r) => Object.keys(r).forEach((k) => names.add(k)));
      return [...names].filter((k) => k !== "iter" && k !== "epoch" && k.includes(part));
    };
    drawChart($("loss-chart"), state.history, keys("loss"), null);
    drawChart($("acc-chart"), state.history, keys("acc"), [0, 1]);
    const floors = {};
    Object.entries(frame.floors || {}).forEach(([k, v]) => { floors[`div_${k}`] = v; });
    drawChart($("div-chart"), state.history, ["div_grid_kl", "div_grid_js", "div_mmd2_biased"], null, floors);
    drawChart($("pr-chart"), state.history, ["div_precision", "div_recall"], [0, 1], floors);
  }

  // Controls follow the session's settings (another tab may change them), except the one being edited.
  function syncControls(frame) {
    const settings = frame.settings;
    document.querySelectorAll("[data-setting]").forEach((el) => {
      if (document.activeElement === el) return;
      if ("bool" in el.dataset) {
        el.checked = Boolean(settings[el.dataset.setting]);
        return;
      }
      const value = String(settings[el.dataset.setting]);
      if (el.value !== value) el.value = value;
      const trainers = el.dataset.trainers;
      el.classList.toggle("inactive", Boolean(trainers) && !trainers.split(" ").includes(settings.trainer));
    });
    if (document.activeElement !== $("seed") && !$("seed").dataset.edited) $("seed").value = String(settings.seed);
    $("play").textContent = frame.running ? "Pause" : "Play";
    $("play").classList.toggle("running", frame.running);
    $("step").textContent = String(frame.iteration);
    $("epoch").textContent = frame.epoch.toFixed(2);
    $("rate").textContent = frame.running ? `${frame.rate.toFixed(0)} iterations/s` : "";
    $("state").textContent = frame.running ? "training" : "paused";
    $("state").className = frame.running ? "running" : "paused";
  }

  function onFrame(frame) {
    if (frame.generation !== state.generation) {
      state.generation = frame.generation;
      state.history = [];
    }
    if (frame.real) state.real = decode(frame.real, Float32Array);
    if (frame.history_from === 0) state.history = frame.history.slice();
    else state.history.push(...frame.history);
    state.fake = decode(frame.fake, Float32Array);
    state.arrows = decode(frame.arrows, Float32Array);
    state.heat = decode(frame.heatmap.data, Uint8Array);
    state.manifold = frame.manifold ? decode(frame.manifold, Float32Array) : null;
    if (frame.manifold_mass) state.mass = decode(frame.manifold_mass, Float32Array);
    $("phase").textContent = frame.phase ? `slow motion: ${frame.phase}` : "";
    state.frame = frame;
    state.frames += 1;
    drawHeatmap(frame);
    drawPoints(frame);
    drawCurves(frame);
    syncControls(frame);
    if (frame.notice_number !== state.noticeNumber) {
      state.noticeNumber = frame.notice_number;
      $("notice").textContent = frame.notice;
    }
  }


  const settingValue = (el) => ("bool" in el.dataset ? el.checked : "number" in el.dataset ? numeric(el.value)
    : el.value);

  document.querySelectorAll("[data-setting]").forEach((el) => {
    el.addEventListener("change", async () => {
      const name = el.dataset.setting;
      const reply = await post("settings", {[name]: settingValue(el)});
      if (reply) say(reply.reset ? `${name} is now ${reply.settings[name]}: new networks from the seed`
                                 : `${name} is now ${reply.settings[name]}`, "ok");
      el.blur();
    });
    if (el.tagName === "INPUT") {
      el.addEventListener("keydown", (event) => { if (event.key === "Enter") el.blur(); });
    }
  });

  for (const what of ["both", "disc", "gen"]) {
    $(`step-${what}`).addEventListener("click", () => post("step", {what}));
  }
  $("pretrained").addEventListener("click", async () => {
    say("loading a trained model (trained once on this machine the first time: about a minute)…", "ok");
    const reply = await post("pretrained");
    if (reply) say(`loaded ${reply.path} (iteration ${reply.iteration})`, "ok");
  });

  // Drawing a distribution: drag on the plane; points every few pixels along the stroke.
  function drawCount() {
    $("draw-count").textContent = state.drawn.length ? `${state.drawn.length} points` : "";
    $("draw-use").disabled = $("draw-clear").disabled = !state.drawn.length;
  }
  $("draw").addEventListener("click", () => {
    state.drawing = !state.drawing;
    $("draw").textContent = state.drawing ? "Stop drawing" : "Draw";
    $("plane").classList.toggle("drawing", state.drawing);
  });
  $("draw-clear").addEventListener("click", () => {
    state.drawn = [];
    drawCount();
    if (state.frame) drawPoints(state.frame);
  });
  $("draw-use").addEventListener("click", async () => {
    const reply = await post("settings", {dataset: "drawn", points: state.drawn});
    if (reply) {
      say(`training on the ${state.drawn.length} drawn points: new networks from the seed`, "ok");
      state.drawing = false;
      $("draw").textContent = "Draw";
      $("plane").classList.remove("drawing");
    }
  });
  let stroke = null;
  const planeXY = (event) => {
    const box = pointCanvas.getBoundingClientRect();
    return toPlane(event.clientX - box.left, event.clientY - box.top, state.frame ? state.frame.extent : 2.5);
  };
  pointCanvas.addEventListener("pointerdown", (event) => {
    if (!state.drawing) return;
    stroke = planeXY(event);
    state.drawn.push(stroke);
    drawCount();
  });
  pointCanvas.addEventListener("pointermove", (event) => {
    if (!state.drawing || !stroke) return;
    const here = planeXY(event);
    if (Math.hypot(here[0] - stroke[0], here[1] - stroke[1]) < 0.04) return;  // a point every 0.04 units
    stroke = here;
    state.drawn.push(here);
    drawCount();
    if (state.frame) drawPoints(state.frame);
  });
  window.addEventListener("pointerup", () => { stroke = null; });

  for (const id of ["show-real", "show-fake", "show-arrows", "show-manifold"]) {
    $(id).addEventListener("change", () => { if (state.frame) drawPoints(state.frame); });
  }

  window.ganforgeCommon.wire(state, post, onFrame);
})();
