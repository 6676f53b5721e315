// The Webcam tab's page code (Gradio's gr.HTML js_on_load: `element` and `server` are given).
// The visitor's own camera plays at its own rate in a <video>; a 320 px copy of the current
// frame goes to the server whenever the previous estimate has come back (one in flight), and
// each answer (boxes and labels as JSON) is drawn on a canvas over the video.
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
const grab = document.createElement("canvas");
const visitor = Math.random().toString(36).slice(2) + Date.now().toString(36);
let stream = null, running = false, stamps = [];

function label(person) {
  let text = `#${person.id} ${Math.round(person.age)}`;
  if (person.age_range) text += ` (${Math.round(person.age_range[0])}-${Math.round(person.age_range[1])})`;
  return `${text}, ${person.gender}`;
}

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

async function loop() {
  while (running) {
    if (!video.videoWidth) { await new Promise((r) => setTimeout(r, 50)); continue; }
    const side = Number(view.dataset.sendSide || DEFAULT_SEND_SIDE);
    const scale = Math.min(1, side / Math.max(video.videoWidth, video.videoHeight));
    grab.width = Math.round(video.videoWidth * scale);
    grab.height = Math.round(video.videoHeight * scale);
    grab.getContext("2d").drawImage(video, 0, 0, grab.width, grab.height);
    let result;
    try {
      result = await server.live_estimate({ visitor, frame: grab.toDataURL("image/jpeg", JPEG_QUALITY) });
    } catch (error) {
      note.textContent = "The server did not answer; retrying.";
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
    draw(result);
    faces.textContent = result.text;
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
  loop();
}

function stop(state = "stopped") {
  running = false;
  view.dataset.state = state;
  if (stream) stream.getTracks().forEach((track) => track.stop());
  stream = null;
  server.live_stop({ visitor }).catch(() => {});
}

startButton.addEventListener("click", start);
stopButton.addEventListener("click", () => stop());
