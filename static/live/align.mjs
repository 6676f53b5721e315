// A face onto the UTKFace chip geometry the model learned from, as utk_cnn/faces/alignment.py does:
// the similarity transform (scale, rotation, shift) that takes the face's five landmarks closest,
// in least squares, to where YuNet finds them on real chips.
export const CHIP_SIZE = 200;
// Mean YuNet landmarks on UTKFace chips, fractions of the chip side (YunetDetector.chip_landmarks).
export const CHIP_LANDMARKS = [[0.2817, 0.2918], [0.6865, 0.2915], [0.478, 0.522], [0.3114, 0.6754], [0.6721, 0.6721]];

/** [a, b, tx, c, d, ty]: the 2x3 matrix taking image pixels (x, y) to chip pixels (a x + b y + tx, c x + d y + ty). */
export function chipTransform(landmarks, chipSize = CHIP_SIZE, chip = CHIP_LANDMARKS) {
  const n = landmarks.length;
  const target = chip.map(([x, y]) => [x * chipSize, y * chipSize]);
  const mean = (pts, k) => pts.reduce((s, p) => s + p[k], 0) / n;
  const sx = mean(landmarks, 0), sy = mean(landmarks, 1), tx = mean(target, 0), ty = mean(target, 1);
  let dot = 0, cross = 0, norm = 0;
  for (let i = 0; i < n; i++) {
    const px = landmarks[i][0] - sx, py = landmarks[i][1] - sy;
    const qx = target[i][0] - tx, qy = target[i][1] - ty;
    dot += px * qx + py * qy;
    cross += px * qy - py * qx;
    norm += px * px + py * py;
  }
  const a = dot / norm, b = cross / norm;  // scale x cos, scale x sin
  return [a, -b, tx - (a * sx - b * sy), b, a, ty - (b * sx + a * sy)];
}

/** cv2.warpAffine(image, matrix, (size, size), INTER_LINEAR, BORDER_REPLICATE) on RGBA pixels: uint8 RGB out. */
export function warpAffine(rgba, width, height, matrix, size) {
  const [a, b, tx, c, d, ty] = matrix;
  const det = a * d - b * c;  // the inverse map: chip pixel -> image pixel
  const ia = d / det, ib = -b / det, ic = -c / det, id = a / det;
  const itx = -(ia * tx + ib * ty), ity = -(ic * tx + id * ty);
  const out = new Uint8Array(size * size * 3);
  const maxX = width - 1, maxY = height - 1;
  let o = 0;
  for (let v = 0; v < size; v++) {
    for (let u = 0; u < size; u++) {
      // OpenCV places the sample on a 1/32-pixel grid (INTER_BITS = 5) before interpolating
      const sx = Math.round((ia * u + ib * v + itx) * 32) / 32, sy = Math.round((ic * u + id * v + ity) * 32) / 32;
      const x0 = Math.floor(sx), y0 = Math.floor(sy), fx = sx - x0, fy = sy - y0;
      const xa = x0 < 0 ? 0 : x0 > maxX ? maxX : x0, xb = x0 + 1 < 0 ? 0 : x0 + 1 > maxX ? maxX : x0 + 1;
      const ya = y0 < 0 ? 0 : y0 > maxY ? maxY : y0, yb = y0 + 1 < 0 ? 0 : y0 + 1 > maxY ? maxY : y0 + 1;
      const p00 = (ya * width + xa) * 4, p10 = (ya * width + xb) * 4, p01 = (yb * width + xa) * 4, p11 = (yb * width + xb) * 4;
      const w00 = (1 - fx) * (1 - fy), w10 = fx * (1 - fy), w01 = (1 - fx) * fy, w11 = fx * fy;
      out[o] = Math.round(w00 * rgba[p00] + w10 * rgba[p10] + w01 * rgba[p01] + w11 * rgba[p11]);
      out[o + 1] = Math.round(w00 * rgba[p00 + 1] + w10 * rgba[p10 + 1] + w01 * rgba[p01 + 1] + w11 * rgba[p11 + 1]);
      out[o + 2] = Math.round(w00 * rgba[p00 + 2] + w10 * rgba[p10 + 2] + w01 * rgba[p01 + 2] + w11 * rgba[p11 + 2]);
      o += 3;
    }
  }
  return out;
}

/** cv2.resize(rgb, (size, size), INTER_AREA) of a square uint8 RGB image: each output pixel averages the
 * source pixels its area covers, weighted by how much of each it covers. */
export function resizeArea(rgb, from, size) {
  const taps = areaTaps(from, size);
  const rows = new Float32Array(size * from * 3);  // first along x
  for (let y = 0; y < from; y++) {
    const src = y * from * 3, dst = y * size * 3;
    for (let u = 0; u < size; u++) {
      let r = 0, g = 0, bl = 0;
      for (const [x, w] of taps[u]) { r += w * rgb[src + x * 3]; g += w * rgb[src + x * 3 + 1]; bl += w * rgb[src + x * 3 + 2]; }
      rows[dst + u * 3] = r; rows[dst + u * 3 + 1] = g; rows[dst + u * 3 + 2] = bl;
    }
  }
  const out = new Uint8Array(size * size * 3);
  for (let v = 0; v < size; v++) {
    for (let u = 0; u < size; u++) {
      let r = 0, g = 0, bl = 0;
      for (const [y, w] of taps[v]) {
        const at = (y * size + u) * 3;
        r += w * rows[at]; g += w * rows[at + 1]; bl += w * rows[at + 2];
      }
      const o = (v * size + u) * 3;
      out[o] = Math.round(r); out[o + 1] = Math.round(g); out[o + 2] = Math.round(bl);
    }
  }
  return out;
}

const TAPS = new Map();  // (from, size) -> taps: every frame resizes its chips the same way

function areaTaps(from, size) {
  const key = `${from}:${size}`;
  if (!TAPS.has(key)) TAPS.set(key, computeTaps(from, size));
  return TAPS.get(key);
}

function computeTaps(from, size) {
  const scale = from / size;
  return Array.from({ length: size }, (_, u) => {
    const start = u * scale, end = (u + 1) * scale, taps = [];
    for (let x = Math.floor(start); x < Math.min(Math.ceil(end), from); x++) {
      const cover = Math.min(end, x + 1) - Math.max(start, x);
      if (cover > 1e-9) taps.push([x, cover / scale]);
    }
    return taps;
  });
}
