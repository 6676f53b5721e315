// Loading onnxruntime-web (WebAssembly, one thread) and the two networks, once per visit:
// the model files are kept in the browser's Cache Storage, so a second visit downloads nothing.
const CACHE = "utk-cnn-models-v1";

/** onnxruntime-web's WebAssembly build, from the page's vendored copy. */
export async function loadRuntime(vendor) {
  if (typeof WebAssembly !== "object") throw new Error("this browser has no WebAssembly");
  const ort = await import(`${vendor}/ort.wasm.min.mjs`);
  ort.env.wasm.numThreads = 1;         // no worker threads: needs no cross-origin isolation
  ort.env.wasm.wasmPaths = `${vendor}/`;
  ort.env.logLevel = "error";
  return ort;
}

/** A file's bytes, from the cache when it is there, else downloaded with progress reports. */
export async function fetchBytes(url, onBytes = () => {}) {
  const cache = typeof caches === "object" ? await caches.open(CACHE).catch(() => null) : null;
  const cached = cache && await cache.match(url);
  if (cached) {
    const bytes = new Uint8Array(await cached.arrayBuffer());
    onBytes(bytes.length, bytes.length, true);
    return bytes;
  }
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url.split("/").pop()}: HTTP ${response.status}`);
  const total = Number(response.headers.get("content-length")) || 0;
  const reader = response.body.getReader();
  const parts = [];
  let received = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    parts.push(value);
    received += value.length;
    onBytes(received, total, false);
  }
  const bytes = new Uint8Array(received);
  let offset = 0;
  for (const part of parts) { bytes.set(part, offset); offset += part.length; }
  if (cache) await cache.put(url, new Response(bytes)).catch(() => {});
  return bytes;
}

/** Both sessions, with one progress line for the whole download: (received MB, total MB). */
export async function loadSessions(ort, urls, onProgress = () => {}) {
  const names = Object.keys(urls), seen = Object.fromEntries(names.map((n) => [n, [0, 0]]));
  const report = () => {
    const got = names.reduce((s, n) => s + seen[n][0], 0), all = names.reduce((s, n) => s + seen[n][1], 0);
    onProgress(got / 1e6, all / 1e6);
  };
  const bytes = await Promise.all(names.map((name) => fetchBytes(urls[name], (got, total) => {
    seen[name] = [got, total || got];
    report();
  })));
  const options = { executionProviders: ["wasm"], graphOptimizationLevel: "all" };
  const sessions = {};
  for (let i = 0; i < names.length; i++) sessions[names[i]] = await ort.InferenceSession.create(bytes[i], options);
  return sessions;
}
