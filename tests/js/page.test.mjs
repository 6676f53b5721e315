// The page's copies of the Python rules (static/live/*.mjs) against golden files the Python side
// writes (tests/page_goldens.py). Run: node --test tests/js/
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";

import { chipTransform, resizeArea, warpAffine } from "../../static/live/align.mjs";
import { describe, label, peopleText, whole } from "../../static/live/readout.mjs";
import { FaceTracker } from "../../static/live/tracker.mjs";
import { decode, inputBlob, paddedSize } from "../../static/live/yunet.mjs";

const golden = (name) => JSON.parse(readFileSync(new URL(`../golden/${name}.json`, import.meta.url)));
const close = (a, b, tol, what) => assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} vs ${b}`);

test("the input is BGR planes, zero-padded to multiples of 32", () => {
  const g = golden("yunet");
  const bgr = g.tiny_bgr.flat(2);          // 3 x 5 pixels, BGR
  const rgba = [];
  for (let i = 0; i < bgr.length; i += 3) rgba.push(bgr[i + 2], bgr[i + 1], bgr[i], 255);
  const { blob, padW, padH } = inputBlob(rgba, 5, 3);
  assert.deepEqual([padW, padH], [32, 32]);
  assert.deepEqual(Array.from(blob), g.tiny_blob);
});

test("padded sizes round each side up to a multiple of 32", () => {
  assert.deepEqual(paddedSize(320, 240), [320, 256]);
  assert.deepEqual(paddedSize(150, 120), [160, 128]);
});

test("yunet's outputs decode to the faces the Python decode finds", () => {
  const g = golden("yunet");
  const faces = decode(g.outputs, g.pad_w, g.pad_h, g.score_threshold, g.nms_threshold);
  assert.equal(faces.length, g.faces.length);
  faces.forEach((row, i) => row.forEach((v, k) => close(v, g.faces[i][k], k < 14 ? 0.01 : 1e-4, `face ${i} value ${k}`)));
});

test("the chip transform matches OpenCV's fit within a hundredth of a pixel per pixel", () => {
  const g = golden("align");
  for (const { landmarks, matrix } of g.cases) {
    const ours = chipTransform(landmarks, 200, g.chip_landmarks);
    const scale = Math.hypot(matrix[0], matrix[3]);
    [0, 1, 3, 4].forEach((k) => close(ours[k], matrix[k], 0.01 * scale, `linear part ${k}`));
    [2, 5].forEach((k) => close(ours[k], matrix[k], 2, `shift ${k}`));
  }
});

test("the warp gives OpenCV's pixels (on average within a quarter level) and the area resize within one", () => {
  const g = golden("align");
  const [h, w] = [g.image.length, g.image[0].length];
  const rgba = new Uint8Array(w * h * 4);
  g.image.flat().forEach((px, i) => { rgba.set([...px, 255], i * 4); });
  const warped = warpAffine(rgba, w, h, g.warp_matrix, 64);
  const want = g.warped.flat(2);
  const worst = (got, exp) => Math.max(...Array.from(got, (v, i) => Math.abs(v - exp[i])));
  const mean = Array.from(warped, (v, i) => Math.abs(v - want[i])).reduce((a, b) => a + b, 0) / warped.length;
  assert.ok(mean <= 0.25, `warp off by ${mean} on average`);  // OpenCV's fixed-point weights differ in rare pixels
  const resized = resizeArea(Uint8Array.from(want), 64, 30);
  assert.ok(worst(resized, g.resized.flat(2)) <= 1, `resize off by ${worst(resized, g.resized.flat(2))}`);
});

test("ages, ranges, genders and labels read as the Python side reads them", () => {
  const g = golden("readout");
  for (const name of ["plain", "shipped"]) {
    const want = g[name];
    const people = g.age_dist.map((dist, i) => ({ id: i + 1, ...describe(dist, g.p_female[i], want.calibration) }));
    people.forEach((p, i) => {
      const w = want.people[i];
      close(p.age, w.age, 0.11, `${name} age ${i}`);
      close(p.age_range[0], w.age_range[0], 0.11, `${name} range low ${i}`);
      close(p.age_range[1], w.age_range[1], 0.11, `${name} range high ${i}`);
      assert.equal(p.gender, w.gender);
      close(p.gender_confidence, w.gender_confidence, 2e-4, `${name} confidence ${i}`);
    });
    assert.deepEqual(want.people.map(label), want.labels);
    assert.equal(peopleText(want.people), want.text);
  }
});

test("whole numbers round halves to the even one, as Python does", () => {
  assert.deepEqual([0.5, 1.5, 2.5, 34.4, 34.6].map(whole), ["0", "2", "2", "34", "35"]);
});

test("tracks keep the ids Python gives them as people cross, vanish and come back", () => {
  const tracker = new FaceTracker();
  golden("tracker").frames.forEach(({ boxes, ids }, t) => {
    assert.deepEqual(tracker.update(t, boxes).map((track) => track.id), ids, `frame ${t}`);
  });
});

test("device mode shows the network one view per face, the mirror image where asked", async () => {
  const { DeviceEstimator } = await import("../../static/live/device.mjs");
  const estimator = new DeviceEstimator(null, {}, {}, 8);
  const [w, h] = [64, 64];
  const rgba = new Uint8Array(w * h * 4).map((_, i) => (i % 4 === 3 ? 255 : (i * 7) % 251));
  const face = [16, 16, 32, 32, 24, 26, 40, 26, 32, 34, 26, 42, 38, 42, 0.9];
  const plain = estimator.align(rgba, w, h, [face, face]);
  const mirrored = estimator.align(rgba, w, h, [face], true);
  assert.equal(plain.length, 2 * 8 * 8 * 3);
  for (let y = 0; y < 8; y++) {
    for (let x = 0; x < 8; x++) {
      for (let c = 0; c < 3; c++) assert.equal(mirrored[(y * 8 + 7 - x) * 3 + c], plain[(y * 8 + x) * 3 + c]);
    }
  }
});
