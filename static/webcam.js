// The Webcam tab's page code (Gradio's gr.HTML js_on_load: `element` is given).
// The visitor's own camera plays at its own rate in a <video>; whenever the previous estimate is
// done, a 320 px copy of the current frame is estimated, and the answer (boxes and labels) is
// drawn on a canvas over the video. Where it is estimated is the visitor's choice (#live-mode,
// or ?webcam=device|server): on this device (static/live/device.mjs: both networks in
// WebAssembly, nothing sent) or on the server (the frame is POSTed to the app's
// gradio_api/live/estimate route, utk_cnn/live/routes.py, and JSON comes back). Device
// mode is the default wherever its runtime loads; otherwise the server runs, and a line says so.
const DEFAULT_SEND_SIDE = 320;  // long side of the frame copy sent to the server (data-send-side overrides)
const JPEG_QUALITY = 0.8;
const FEMALE = "rgb(255, 105, 180)", MALE = "rgb(30, 144, 255)";

const view = element.querySelector("#live-estimate");
const video = view.querySelector("video");
const overlay = view.querySelector("canvas");
const faces = element.querySelector("#live-faces");
const note = element.querySelector(".live-note");
const rate = element.querySelector(".live-rate");
const startButton = element.querySelector(".live-start");
const stopButton = element.querySelector(".live-stop");
const modeNote = element.querySelector(".live-mode-note");
const choices = [...element.querySelectorAll("#live-mode input")];
const grab = document.createElement("canvas");
const visitor = Math.random().toString(36).slice(2) + Date.now().toString(36);
let stream = null, running = false, stamps = [], device = null, deviceFailed = null;

// --- where the estimates run ------------------------------------------------------------------
const asked = new URLSearchParams(window.location.search).get("webcam");
setMode(asked === "server" || typeof WebAssembly !== "object" ? "server" : "device");
if (typeof WebAssembly !== "object") modeNote.textContent = "This browser has no WebAssembly: the server runs the estimates.";
choices.forEach((choice) => choice.addEventListener("change", () => setMode(choice.value)));

function setMode(mode) {
  view.dataset.mode = mode;
  choices.forEach((choice) => { choice.checked = choice.value === mode; });
}

/** The device estimator, loaded once (runtime and both models), with a progress line; null if it cannot load. */
async function deviceEstimator() {
  if (device || deviceFailed) return device;
  try {
    const started = performance.now();
    const [{ loadRuntime, loadSessions }, { DeviceEstimator }] = await Promise.all([
      import(`${view.dataset.live}/runtime.mjs`), import(`${view.dataset.live}/device.mjs`)]);
    note.textContent = "Loading the runtime...";
    const ort = await loadRuntime(view.dataset.vendor);
    const sessions = await loadSessions(ort, { detector: view.dataset.detectorUrl, network: view.dataset.networkUrl },
      (got, total) => { note.textContent = `Loading the models: ${got.toFixed(1)} of ${total.toFixed(1)} MB`; });
    device = new DeviceEstimator(ort, sessions, JSON.parse(view.dataset.calibration), Number(view.dataset.inputSize));
    view.dataset.loadMs = String(Math.round(performance.now() - started));
    note.textContent = "";
    modeNote.textContent = "Running on this device: no frame leaves it.";
  } catch (error) {
    deviceFailed = error;
    setMode("server");
    modeNote.textContent = `This device could not run the models (${error.message}): the server runs the estimates.`;
  }
  return device;
}

// A person's label, as the Python side writes it (static/live/readout.mjs, tested against it).
let label = (person) => `#${person.id}`;
import(`${view.dataset.live}/readout.mjs`).then((readout) => { label = readout.label; });

function draw(result) {
  const width = video.clientWidth, height = video.clientHeight;
  overlay.width = width;
  overlay.height = height;
  const ctx = overlay.getContext("2d");
  ctx.clearRect(0, 0, width, height);
  const scale = Math.min(width / result.width, height / result.height);   // the video is letterboxed
  const left = (width - result.width * scale) / 2, top = (height - result.height * scale) / 2;
  ctx.font = "bold 15px sans-serif";
  ctx.lineWidth = 3;
  for (const person of result.people) {
    const [x, y, w, h] = person.box.map((v) => v * scale);
    const colour = person.gender === "female" ? FEMALE : MALE;
    ctx.strokeStyle = colour;
    ctx.strokeRect(left + x, top + y, w, h);
    const text = label(person), textWidth = ctx.measureText(text).width + 8;
    const ty = top + y > 22 ? top + y - 22 : top + y + h;
    const tx = Math.max(0, Math.min(left + x, width - textWidth));
    ctx.fillStyle = colour;
    ctx.fillRect(tx, ty, textWidth, 22);
    ctx.fillStyle = "white";
    ctx.fillText(text, tx + 4, ty + 16);
  }
}

function counted() {
  view.dataset.updates = String(Number(view.dataset.updates || 0) + 1);
  stamps = [...stamps, performance.now()].slice(-30);
  if (stamps.length > 1) {
    const perSecond = (stamps.length - 1) / ((stamps[stamps.length - 1] - stamps[0]) / 1000);
    rate.textContent = `${perSecond.toFixed(1)} estimates per second (last ${stamps.length})`;
  }
}

/** The app's URL for one of the webcam's routes (utk_cnn/live/routes.py), for this visitor. */
function liveUrl(action) {
  return new URL(`${view.dataset.liveRoutes}/${action}?visitor=${encodeURIComponent(visitor)}`, window.location.href);
}

/** The current frame estimated on the server: sent as a JPEG data URL, the tracked people back. */
async function serverEstimate() {
  const frame = grab.toDataURL("image/jpeg", JPEG_QUALITY);  // at once, where toBlob waits for another thread
  const response = await fetch(liveUrl("estimate"), { method: "POST", body: frame });
  const result = await response.json();
  if (!response.ok) throw new Error(result.message || `HTTP ${response.status}`);
  return result;
}

async function loop() {
  while (running) {
    // Let the page breathe between estimates: in device mode every step may resolve at once, and a
    // loop of resolved promises would keep the browser from painting or answering anything else.
    // (A message, unlike setTimeout, is not held back 4 ms when it repeats.)
    if (view.dataset.mode === "device") await new Promise((r) => { const c = new MessageChannel(); c.port1.onmessage = r; c.port2.postMessage(0); });
    if (!video.videoWidth) { await new Promise((r) => setTimeout(r, 50)); continue; }
    const side = Number(view.dataset.sendSide || DEFAULT_SEND_SIDE);
    const scale = Math.min(1, side / Math.max(video.videoWidth, video.videoHeight));
    grab.width = Math.round(video.videoWidth * scale);
    grab.height = Math.round(video.videoHeight * scale);
    grab.getContext("2d").drawImage(video, 0, 0, grab.width, grab.height);
    let result, timings = null;
    try {
      const local = view.dataset.mode === "device" ? await deviceEstimator() : null;
      result = local ? await local.estimate(grab)
        : await serverEstimate();
      if (local) timings = { ...local.timings };
    } catch (error) {
      note.textContent = view.dataset.mode === "device" ? `This device failed (${error.message}); retrying.`
        : `The server did not answer (${error.message}); retrying.`;
      await new Promise((r) => setTimeout(r, 1000));
      continue;
    }
    if (!running) break;
    if (result.status !== "ok") {
      note.textContent = result.message;
      stop(result.status);
      break;
    }
    note.textContent = "";
    const drawn = performance.now();
    draw(result);
    faces.textContent = result.text;
    if (timings) view.dataset.timings = JSON.stringify({ ...timings, draw_ms: performance.now() - drawn });
    counted();
  }
}

async function start() {
  if (running) return;
  note.textContent = "";
  try {
    stream = await navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 480 }, audio: false });
  } catch (error) {
    note.textContent = `No camera: ${error.message}. Use the Photo tab's webcam snapshot instead.`;
    return;
  }
  video.srcObject = stream;
  await video.play();
  running = true;
  view.dataset.state = "live";
  if (view.dataset.mode === "device") await deviceEstimator();
  loop();
}

function stop(state = "stopped") {
  running = false;
  view.dataset.state = state;
  if (stream) stream.getTracks().forEach((track) => track.stop());
  stream = null;
  if (view.dataset.mode === "server") fetch(liveUrl("stop"), { method: "POST" }).catch(() => {});
  if (device) device.tracker = new device.tracker.constructor();  // a new stream starts new ids
}

startButton.addEventListener("click", start);
stopButton.addEventListener("click", () => stop());
