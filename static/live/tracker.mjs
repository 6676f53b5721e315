// Following faces across frames, as utk_cnn/live/tracking.py does (the one written rule set;
// this copy is tested against golden files that it writes): greedy matching by box overlap
// after moving each track by its own velocity, and each track's recent outputs averaged.

/** Intersection over union of two x, y, w, h boxes. */
export function iou(a, b) {
  const x0 = Math.max(a[0], b[0]), y0 = Math.max(a[1], b[1]);
  const x1 = Math.min(a[0] + a[2], b[0] + b[2]), y1 = Math.min(a[1] + a[3], b[1] + b[3]);
  const inter = Math.max(x1 - x0, 0) * Math.max(y1 - y0, 0);
  return inter / Math.max(a[2] * a[3] + b[2] * b[3] - inter, 1e-9);
}

export class FaceTracker {
  constructor({ minIou = 0.2, maxMissed = 15, window = 15, smoothing = 0.5 } = {}) {
    Object.assign(this, { minIou, maxMissed, window, smoothing });
    this.tracks = [];
    this.nextId = 1;
  }

  /** Move every track one frame along its velocity (also on frames without detection). */
  advance() {
    for (const t of this.tracks) {
      t.box = t.box.map((v, i) => v + t.velocity[i]);
      t.missed += 1;
    }
  }

  /** This frame's detections (boxes, and per face its outputs): the tracks seen in it, by id. */
  update(frame, boxes, outputs = boxes.map(() => null)) {
    this.advance();
    const matches = this.match(boxes);
    for (const [det, t] of matches) {
      const lastSeen = t.box.map((v, i) => v - t.missed * t.velocity[i]);
      const step = boxes[det].map((v, i) => (v - lastSeen[i]) / t.missed);
      t.velocity = t.velocity.map((v, i) => this.smoothing * v + (1 - this.smoothing) * step[i]);
      Object.assign(t, { box: boxes[det].slice(), missed: 0, lastFrame: frame });
    }
    boxes.forEach((box, det) => {
      if (matches.has(det)) return;
      const t = { id: this.nextId++, box: box.slice(), firstFrame: frame, lastFrame: frame,
                  velocity: [0, 0, 0, 0], missed: 0, outputs: [] };
      this.tracks.push(t);
      matches.set(det, t);
    });
    for (const [det, t] of matches) {
      if (outputs[det]) t.outputs = [...t.outputs, outputs[det]].slice(-this.window);
    }
    this.tracks = this.tracks.filter((t) => t.missed <= this.maxMissed);
    return [...matches.values()].sort((a, b) => a.id - b.id);
  }

  /** Greedy matching, best overlaps first: Map(detection index -> track). */
  match(boxes) {
    const pairs = [];
    boxes.forEach((box, det) => this.tracks.forEach((t, ti) => pairs.push([iou(box, t.box), det, ti])));
    // best first; ties in the order numpy's argsort of the flattened matrix gives (row-major)
    pairs.sort((p, q) => q[0] - p[0] || p[1] - q[1] || p[2] - q[2]);
    const matches = new Map(), used = new Set();
    for (const [overlap, det, ti] of pairs) {
      if (overlap < this.minIou) break;
      if (matches.has(det) || used.has(ti)) continue;
      matches.set(det, this.tracks[ti]);
      used.add(ti);
    }
    return matches;
  }

  /** Tracks that have outputs and were seen within `within` frames: the people to draw now. */
  visible(within = 1) {
    return this.tracks.filter((t) => t.outputs.length && t.missed < within);
  }
}

/** The mean of each output over a track's recent frames. */
export function steadyOutputs(track) {
  const keys = Object.keys(track.outputs[0]);
  return Object.fromEntries(keys.map((key) => {
    const sum = new Float64Array(track.outputs[0][key].length);
    for (const o of track.outputs) o[key].forEach((v, i) => { sum[i] += v; });
    return [key, Array.from(sum, (v) => v / track.outputs.length)];
  }));
}
