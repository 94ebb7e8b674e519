// ganforge play for image methods: the grids the server draws (samples, or translations in every direction the
// networks translate), the curves, and the controls. What the grids are comes with each frame: one page for every
// image method. Written for ganforge, with no library.
"use strict";

(() => {
  const $ = (id) => document.getElementById(id);
  const {drawChart, say, numeric} = window.ganforgeCommon;
  const post = (action, values) => window.ganforgeCommon.post(action, values, () => state.frame && sync(state.frame));
  const state = {frame: null, history: [], generation: null, frames: 0, noticeNumber: 0};
  window.ganforgePlay = state;

  // One learning-rate field per rate the method has (lr, or lr_gen and lr_disc), made when the first frame says.
  function makeRateFields(settings) {
    const speed = $("speed").previousElementSibling;
    Object.keys(settings).filter((k) => k === "lr" || k.startsWith("lr_")).forEach((name) => {
      if ($(name)) return;
      const label = document.createElement("label");
      label.htmlFor = name;
      label.textContent = {lr: "learning rate", lr_gen: "G learning rate", lr_disc: "D learning rate"}[name] || name;
      const input = document.createElement("input");
      Object.assign(input, {id: name, type: "text", inputMode: "decimal"});
      input.dataset.setting = name;
      input.dataset.number = "";
      $("fields").insertBefore(label, speed);
      $("fields").insertBefore(input, speed);
      listen(input);
    });
  }

  function drawGrids(frame) {
    frame.grids.forEach((grid) => {
      let figure = document.getElementById(`grid-${grid.name}`);
      if (!figure) {
        figure = document.createElement("figure");
        figure.id = `grid-${grid.name}`;
        figure.innerHTML = "<img alt=''><figcaption></figcaption>";
        $("grids").appendChild(figure);
      }
      figure.querySelector("img").src = `data:image/png;base64,${grid.png}`;
      figure.querySelector("img").alt = grid.label;
      figure.querySelector("figcaption").textContent = `${grid.label}, iteration ${frame.iteration}`;
    });
  }

  function sync(frame) {
    document.querySelectorAll("[data-setting]").forEach((el) => {
      if (document.activeElement === el) return;
      const value = String(frame.settings[el.dataset.setting]);
      if (el.value !== value) el.value = value;
    });
    if (document.activeElement !== $("seed") && !$("seed").dataset.edited) $("seed").value = String(frame.settings.seed);
    $("play").textContent = frame.running ? "Pause" : "Play";
    $("play").classList.toggle("running", frame.running);
    $("step").textContent = String(frame.iteration);
    $("rate").textContent = frame.running ? `${frame.rate.toFixed(1)} iterations/s` : "";
    $("state").textContent = frame.running ? "training" : "paused";
    $("state").className = frame.running ? "running" : "paused";
  }

  function onFrame(frame) {
    if (frame.generation !== state.generation) {
      state.generation = frame.generation;
      state.history = [];
    }
    if (frame.history_from === 0) state.history = frame.history.slice();
    else state.history.push(...frame.history);
    state.frame = frame;
    state.frames += 1;
    $("title").textContent = `${frame.title}, trained live by the PyTorch models and steps of ganforge train`;
    document.title = `ganforge play · ${frame.title}`;
    makeRateFields(frame.settings);
    drawGrids(frame);
    const names = new Set(frame.stat_names);
    state.history.forEach((r) => Object.keys(r).forEach((k) => names.add(k)));
    const keys = (part) => [...names].filter((k) => k !== "iter" && k.includes(part));
    drawChart($("loss-chart"), state.history, keys("loss"), null);
    drawChart($("acc-chart"), state.history, keys("acc"), [0, 1]);
    sync(frame);
    if (frame.notice_number !== state.noticeNumber) {
      state.noticeNumber = frame.notice_number;
      $("notice").textContent = frame.notice;
    }
  }

  function listen(el) {
    el.addEventListener("change", async () => {
      const name = el.dataset.setting;
      const reply = await post("settings", {[name]: numeric(el.value)});
      if (reply) say(`${name} is now ${reply.settings[name]}`, "ok");
      el.blur();
    });
    if (el.tagName === "INPUT") el.addEventListener("keydown", (event) => { if (event.key === "Enter") el.blur(); });
  }
  listen($("speed"));

  $("step-both").addEventListener("click", () => post("step"));
  window.ganforgeCommon.wire(state, post, onFrame);
})();
