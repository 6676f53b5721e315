// YuNet's raw outputs to faces, as utk_cnn/faces/detectors/yunet_decode.py decodes them (and
// cv2.FaceDetectorYN before it): the page's copy of that one rule set, tested against it.
export const STRIDES = [8, 16, 32];
export const DIVISOR = 32;
export const OUTPUT_NAMES = ["cls", "obj", "bbox", "kps"].flatMap((kind) => STRIDES.map((s) => `${kind}_${s}`));

/** The input size the network runs at: each side rounded up to a multiple of 32. */
export function paddedSize(width, height) {
  return [Math.floor((width - 1) / DIVISOR) * DIVISOR + DIVISOR, Math.floor((height - 1) / DIVISOR) * DIVISOR + DIVISOR];
}

/** RGBA pixels (ImageData.data, width x height) as the network's float32 NCHW BGR input, zero-padded. */
export function inputBlob(rgba, width, height) {
  const [padW, padH] = paddedSize(width, height);
  const plane = padW * padH;
  const blob = new Float32Array(3 * plane);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 4, o = y * padW + x;
      blob[o] = rgba[i + 2];              // B
      blob[plane + o] = rgba[i + 1];      // G
      blob[2 * plane + o] = rgba[i];      // R
    }
  }
  return { blob, padW, padH };
}

/** Faces as rows [x, y, w, h, five landmarks (x, y), score], most confident first after suppression. */
export function decode(outputs, padW, padH, scoreThreshold, nmsThreshold, topK = 5000) {
  const rows = [];
  for (const stride of STRIDES) {
    const cols = Math.floor(padW / stride), count = cols * Math.floor(padH / stride);
    const cls = outputs[`cls_${stride}`], obj = outputs[`obj_${stride}`];
    const bbox = outputs[`bbox_${stride}`], kps = outputs[`kps_${stride}`];
    for (let idx = 0; idx < count; idx++) {
      const score = Math.sqrt(clamp01(cls[idx]) * clamp01(obj[idx]));
      if (score < scoreThreshold) continue;
      const c = idx % cols, r = Math.floor(idx / cols);
      const w = Math.exp(bbox[idx * 4 + 2]) * stride, h = Math.exp(bbox[idx * 4 + 3]) * stride;
      const cx = (c + bbox[idx * 4]) * stride, cy = (r + bbox[idx * 4 + 1]) * stride;
      const row = [cx - w / 2, cy - h / 2, w, h];
      for (let n = 0; n < 5; n++) {
        row.push((kps[idx * 10 + 2 * n] + c) * stride, (kps[idx * 10 + 2 * n + 1] + r) * stride);
      }
      row.push(score);
      rows.push(row.map(Math.fround));
    }
  }
  if (rows.length < 2) return rows;
  return suppress(rows, scoreThreshold, nmsThreshold, topK);
}

function clamp01(v) {
  return Math.min(Math.max(v, 0), 1);
}

/** OpenCV's NMSBoxes on whole-pixel boxes (FaceDetectorYN truncates them): greedy, best score first. */
export function suppress(rows, scoreThreshold, nmsThreshold, topK = 5000) {
  const order = rows.map((row, i) => i).filter((i) => rows[i][14] > scoreThreshold)
    .sort((a, b) => rows[b][14] - rows[a][14] || a - b).slice(0, topK);
  const boxes = rows.map((row) => row.slice(0, 4).map(Math.trunc));
  const kept = [];
  for (const i of order) {
    if (kept.every((k) => rectIou(boxes[i], boxes[k]) <= nmsThreshold)) kept.push(i);
  }
  return kept.map((i) => rows[i]);
}

/** Intersection over union of two x, y, w, h rectangles, as cv::Rect computes it. */
export function rectIou(a, b) {
  const x0 = Math.max(a[0], b[0]), y0 = Math.max(a[1], b[1]);
  const x1 = Math.min(a[0] + a[2], b[0] + b[2]), y1 = Math.min(a[1] + a[3], b[1] + b[3]);
  const inter = x1 > x0 && y1 > y0 ? (x1 - x0) * (y1 - y0) : 0;
  const union = a[2] * a[3] + b[2] * b[3] - inter;
  return union > 0 ? inter / union : 0;
}
