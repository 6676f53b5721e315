// Device mode: both networks run in the page, and no frame leaves it. One call of `estimate`
// does what the server's LiveSessions.estimate does for a frame and answers in the same shape
// ({status, width, height, people, text}), so the page draws either the same way.
import { CHIP_SIZE, chipTransform, resizeArea, warpAffine } from "./align.mjs";
import { describe, peopleText } from "./readout.mjs";
import { FaceTracker, steadyOutputs } from "./tracker.mjs";
import { OUTPUT_NAMES, decode, inputBlob } from "./yunet.mjs";

export const SCORE_THRESHOLD = 0.6;   // YunetDetector's: a face is kept at this score
export const NMS_THRESHOLD = 0.3;

export class DeviceEstimator {
  /** `sessions`: {detector, network} onnxruntime-web sessions; `calibration`: model.calibration.json's fields. */
  constructor(ort, sessions, calibration, size = 96) {
    Object.assign(this, { ort, sessions, calibration, size });  // size: the network's input side
    this.tracker = new FaceTracker();
    this.frame = 0;
    this.timings = {};
  }

  /** Faces in a frame's RGBA pixels: rows [x, y, w, h, 5 landmarks, score], boxes kept inside it. */
  async detect(pixels, width, height) {
    const { blob, padW, padH } = inputBlob(pixels, width, height);
    const input = new this.ort.Tensor("float32", blob, [1, 3, padH, padW]);
    const out = await this.sessions.detector.run({ input });
    const outputs = Object.fromEntries(OUTPUT_NAMES.map((name) => [name, out[name].data]));
    return decode(outputs, padW, padH, SCORE_THRESHOLD, NMS_THRESHOLD).map((row) => clipped(row, width, height));
  }

  /** Each face aligned as a UTKFace chip (as the server aligns it: the same warp and area resize), at the
   * network's input size, mirrored where asked: uint8 RGB, one view per face. */
  align(pixels, width, height, faces, mirrored = false) {
    const plane = this.size * this.size * 3, row = this.size * 3;
    const views = new Uint8Array(faces.length * plane);
    faces.forEach((face, i) => {
      const marks = [0, 1, 2, 3, 4].map((n) => [face[4 + 2 * n], face[5 + 2 * n]]);
      const chip = resizeArea(warpAffine(pixels, width, height, chipTransform(marks), CHIP_SIZE), CHIP_SIZE, this.size);
      const view = views.subarray(i * plane, (i + 1) * plane);
      if (!mirrored) { view.set(chip); return; }
      for (let y = 0; y < this.size; y++) {
        for (let x = 0; x < this.size; x++) {
          const from = y * row + x * 3, to = y * row + (this.size - 1 - x) * 3;
          view[to] = chip[from]; view[to + 1] = chip[from + 1]; view[to + 2] = chip[from + 2];
        }
      }
    });
    return views;
  }

  /** The network on one view of every face: per face its age distribution and P(female). */
  async network(views, count) {
    const image = new this.ort.Tensor("uint8", views, [count, this.size, this.size, 3]);
    const out = await this.sessions.network.run({ [this.sessions.network.inputNames[0]]: image });
    const dist = out.age_dist.data, female = out.gender_out.data, bins = dist.length / count;
    return Array.from({ length: count }, (_, i) => ({
      age_dist: Array.from(dist.subarray(i * bins, (i + 1) * bins)),
      gender_out: [female[i]],
    }));
  }

  /** One frame (a canvas of at most 320 px a side, as the server is sent): the tracked people on it. */
  async estimate(canvas) {
    const t0 = performance.now();
    const { width, height } = canvas;
    const pixels = canvas.getContext("2d", { willReadFrequently: true }).getImageData(0, 0, width, height).data;
    const faces = await this.detect(pixels, width, height);
    const t1 = performance.now();
    // As the server does (FrameAnnotator.outputs): the mirror image on every other frame, so each
    // person's steady estimate (the mean over recent frames) averages both views at half the cost.
    const views = faces.length ? this.align(pixels, width, height, faces, this.frame % 2 === 1) : null;
    const t2 = performance.now();
    const outputs = faces.length ? await this.network(views, faces.length) : [];
    const t3 = performance.now();
    this.tracker.update(this.frame++, faces.map((row) => row.slice(0, 4)), outputs);
    const people = this.tracker.visible().map((track) => {
      const steady = steadyOutputs(track);
      return { id: track.id, box: track.box.map(Math.round), ...describe(steady.age_dist, steady.gender_out[0], this.calibration) };
    });
    this.timings = { detect_ms: t1 - t0, align_ms: t2 - t1, network_ms: t3 - t2 };
    return { status: "ok", width: canvas.width, height: canvas.height, people, text: peopleText(people) };
  }
}

function clipped(row, width, height) {
  const [x, y, w, h] = row;
  const x1 = Math.max(0, x), y1 = Math.max(0, y);
  const x2 = Math.min(width - 1, x + w), y2 = Math.min(height - 1, y + h);
  return [x1, y1, Math.max(1, x2 - x1), Math.max(1, y2 - y1), ...row.slice(4)];
}
