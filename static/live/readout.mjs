// Reading the model's outputs as people read them, as utk_cnn/inference (calibration,
// distribution, predictor.describe) does: calibrated age distribution, its median or mean,
// the central 80% range, the calibrated probability of "female", and the label text.
export const AGE_RANGE_SHARE = 0.8;

/** The age below which a share q of a distribution over whole years lies, interpolated within its bin. */
export function quantile(dist, q) {
  let cdf = 0;
  for (let k = 0; k < dist.length; k++) {
    const before = cdf;
    cdf += dist[k];
    if (cdf >= q) return k - 0.5 + (q - before) / Math.max(dist[k], 1e-7);
  }
  return dist.length - 0.5;
}

/** A softmax distribution as if its logits were divided by `temperature`. */
export function sharpen(dist, temperature) {
  if (temperature === 1) return Array.from(dist);
  const logs = Array.from(dist, (p) => Math.log(Math.max(p, 1e-12)) / temperature);
  const top = Math.max(...logs);
  const exps = logs.map((v) => Math.exp(v - top));
  const total = exps.reduce((s, v) => s + v, 0);
  return exps.map((v) => v / total);
}

export function calibratedFemale(p, temperature) {
  if (temperature === 1) return p;
  const q = Math.min(Math.max(p, 1e-6), 1 - 1e-6);
  return 1 / (1 + Math.exp(-(Math.log(q) - Math.log1p(-q)) / temperature));
}

/** {age, age_range, gender, gender_confidence} of one face (or one person's averaged outputs). */
export function describe(ageDist, pFemale, calibration) {
  const dist = sharpen(ageDist, calibration.age_temperature ?? 1);
  const tail = (1 - AGE_RANGE_SHARE) / 2;
  const age = (calibration.age_readout ?? "median") === "mean"
    ? dist.reduce((s, p, k) => s + p * k, 0) : quantile(dist, 0.5);
  const p = calibratedFemale(pFemale, calibration.gender_temperature ?? 1);
  return {
    age: round(age, 1),
    age_range: [round(Math.max(quantile(dist, tail), 0), 1), round(quantile(dist, 1 - tail), 1)],
    gender: p >= 0.5 ? "female" : "male",
    gender_confidence: round(Math.max(p, 1 - p), 4),
  };
}

function round(value, digits) {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** A number as Python's f"{x:.0f}" writes it: to the nearest whole number, halves to the even one. */
export function whole(value) {
  const down = Math.floor(value), rest = value - down;
  if (rest !== 0.5) return String(Math.round(value));
  return String(down % 2 === 0 ? down : down + 1);
}

/** '#1 34 (29-41), female', as utk_cnn.faces.drawing.face_label writes it. */
export function label(person) {
  let text = `#${person.id} ${whole(person.age)}`;
  if (person.age_range) text += ` (${whole(person.age_range[0])}-${whole(person.age_range[1])})`;
  return `${text}, ${person.gender}`;
}

/** The live list, one line per person, as utk_cnn.live.annotator.people_text writes it. */
export function peopleText(people) {
  if (!people.length) return "No face in view.";
  return people.map((p) => `${label(p)}, ${whole(100 * p.gender_confidence)}% sure`).join("\n");
}
