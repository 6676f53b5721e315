"""utk-cnn demo: a thin Gradio layer over the `utk_cnn` library.

    python app.py [--data UTKFace.tar.gz] [--run runs/NAME] [--model MODEL] [--webcam-streams N] [--no-mcp]

The Webcam tab's page code lives in static/ (webcam.html, webcam.js, webcam.css).

Serves on 127.0.0.1:7860 unless GRADIO_SERVER_NAME / GRADIO_SERVER_PORT say otherwise.
"""
from __future__ import annotations

import argparse
import html
import json
import mimetypes
import os
import tempfile
from pathlib import Path

import cv2
import gradio as gr
import pandas as pd

from utk_cnn import Predictor
from utk_cnn.evaluation.browse import ALL, BANDS
from utk_cnn.evaluation.evaluate import format_report
from utk_cnn.evaluation.plots import PANELS, series_label
from utk_cnn.examples import example_clip, example_photo
from utk_cnn.faces.detectors import DEFAULT_DETECTOR, available_detectors
from utk_cnn.faces.drawing import draw_faces
from utk_cnn.faces.images import ImageError, read_image
from utk_cnn.io import read_json
from utk_cnn.labels import GENDERS, RACES
from utk_cnn.live.routes import PREFIX as LIVE_PREFIX
from utk_cnn.live.routes import live_routes
from utk_cnn.live.sessions import LiveSessions
from utk_cnn.live.video import VideoError, annotated_name, predict_video
from utk_cnn.paths import ASSETS

STATIC = Path(__file__).resolve().parent / "static"
mimetypes.add_type("text/javascript", ".mjs")  # the page's modules must be served as JavaScript to load
mimetypes.add_type("application/wasm", ".wasm")
DISPLAY_SIDE = 1280  # annotated images are shrunk to this for the browser
WEBCAM_DETECT_EVERY = 1  # faces found on every frame the page sends (1 in N, tracked in between)
WEBCAM_DETECTOR = "yunet-fast"  # the page sends 320 px frames: a webcam face is large in them
WEBCAM_STREAMS = 6  # live webcam visitors at once; more are told the webcam is busy
WEBCAM_TIME_LIMIT_S = 300  # one stream's length; the visitor presses Start to go on
THREADS = 1  # cores one request's model and detector use: visitors run side by side, one core each
FACE_COLUMNS = ["face", "age", "age range (80%)", "gender", "gender confidence", "detection confidence", "box (x, y, w, h)"]
TRACK_COLUMNS = ["person", "age", "age range (80%)", "gender", "gender confidence", "first frame", "last frame",
                 "first box (x, y, w, h)"]
SAMPLE_COLUMNS = ["file", "true age", "predicted age", "error", "true gender", "predicted gender", "race"]


class Handlers:
    """State shared by the handlers: one loaded model, the optional dataset browser."""

    def __init__(self, model=None, data=None, run=None, webcam_detect_every: int = WEBCAM_DETECT_EVERY,
                 webcam_streams: int = WEBCAM_STREAMS, webcam_time_limit_s: float = WEBCAM_TIME_LIMIT_S,
                 threads: int | None = None):
        self.predictor = Predictor.load(model, threads=threads)
        self.data, self.run = data or os.environ.get("UTK_DATA"), run
        self.live = LiveSessions(self.predictor, detector=WEBCAM_DETECTOR, detect_every=webcam_detect_every,
                                 max_streams=webcam_streams, time_limit_s=webcam_time_limit_s)
        self.browser = None  # a SampleBrowser once the split is loaded

    # --- Photo ---------------------------------------------------------------------------
    def predict(self, path: str | None):
        """Estimate the age and gender of every face in a photo.

        Args:
            path: the photo (JPEG, PNG, WebP, HEIC, AVIF, ...; up to 25 MB).

        Returns:
            The photo with a box and an "age (80% range), gender" label on each face, and one
            entry per face: `box` [x, y, width, height] in the photo's pixels, `age` (years),
            `age_range` [low, high] (the true age falls inside it about 80% of the time),
            `gender` ("female" or "male"), `gender_confidence` (0.5-1, calibrated: faces stated
            at 0.9 are right about 90% of the time) and `detection_confidence` (0-1).
        """
        # The photo reaches `read_image` as a plain file (PhotoInput does not decode it), so a
        # non-image or broken one gets the library's one-line message.
        if not path:
            raise gr.Error("Upload, paste or pick a photo first.", print_exception=False)
        try:
            image = read_image(path)
        except ImageError as err:
            raise gr.Error(str(err).replace(str(path), Path(path).name), print_exception=False) from None
        faces = self.predictor.predict_image(image)
        return draw_faces(image, faces, max_side=DISPLAY_SIDE), faces

    @staticmethod
    def face_table(faces) -> pd.DataFrame:
        rows = [[i + 1, f["age"], age_range_text(f), f["gender"], f["gender_confidence"], f["detection_confidence"],
                 str(f["box"])] for i, f in enumerate(faces or [])]
        return pd.DataFrame(rows, columns=FACE_COLUMNS)

    def photo(self, path):
        annotated, faces = self.predict(path)
        return annotated, faces, self.face_table(faces), faces_note(faces)

    # --- Webcam ----------------------------------------------------------------------------
    def webcam_html(self) -> str:
        """The Webcam tab's markup, told where the page finds its runtime, both networks and the calibration."""
        from utk_cnn.faces.detectors.yunet import MODEL_PATH
        network = self.network_file()
        calibration = {key: getattr(self.predictor.calibration, key)
                       for key in ("age_temperature", "gender_temperature", "age_readout")}
        fields = {"live": file_url(STATIC / "live"), "vendor": file_url(STATIC / "vendor" / "onnxruntime-web"),
                  "detector_url": file_url(MODEL_PATH), "network_url": file_url(network) if network else "",
                  "input_size": str(self.predictor.image_size), "calibration": json.dumps(calibration),
                  "live_routes": LIVE_PREFIX.lstrip("/")}
        page = (STATIC / "webcam.html").read_text()
        for key, value in fields.items():
            page = page.replace("{" + key + "}", html.escape(value, quote=True))
        return page

    def network_file(self) -> Path | None:
        """The .onnx file the server runs, which the page runs too; None when the server runs no ONNX file."""
        return getattr(self.predictor.runner, "source", None)

    def served_files(self) -> list[Path]:
        """What the page may load besides Gradio's own: the page code, the runtime and both networks."""
        from utk_cnn.faces.detectors.yunet import MODEL_PATH
        return [STATIC, MODEL_PATH, *filter(None, [self.network_file()])]

    # --- Video -----------------------------------------------------------------------------
    def video(self, path: str | None, detector: str):
        """An uploaded clip: its annotated WebM copy and one row per tracked person."""
        if not path:
            raise gr.Error("Upload a video first.", print_exception=False)
        out = tempfile.mkdtemp(prefix="utk-video-")
        try:
            result = predict_video(path, self.predictor, out=out, detector=detector, progress=False)
        except VideoError as err:
            raise gr.Error(str(err).replace(str(path), Path(path).name), print_exception=False) from None
        rows = [[t["id"], t["age"], age_range_text(t), t["gender"], t["gender_confidence"], t["first_frame"],
                 t["last_frame"], str(t["box"])] for t in result["tracks"]]
        note = (f"{result['frames']} frames at {result['fps']:g} fps; {len(rows)} person(s) tracked. "
                "Each estimate is per person, averaged over their recent frames.")
        return str(Path(out) / annotated_name(path)), pd.DataFrame(rows, columns=TRACK_COLUMNS), note

    # --- Validation samples ----------------------------------------------------------------
    @staticmethod
    def no_dataset_text() -> str:
        """What the test-samples tab says where no dataset is configured (always, on a Space)."""
        shipped = ASSETS / "metrics.json"
        text = ("No dataset is configured here, so there are no faces to browse: UTKFace may not be "
                "redistributed. Start the app with `--data path/to/UTKFace.tar.gz` (or a folder), or set "
                "`UTK_DATA`, to browse the test split with true and predicted labels.")
        if shipped.exists():
            text += "\n\nThe shipped model on its test split:\n\n```\n" + format_report(read_json(shipped)) + "\n```"
        return text

    def load_samples(self):
        if not self.data:
            return [], pd.DataFrame(columns=SAMPLE_COLUMNS), self.no_dataset_text()
        if self.browser is None:
            from utk_cnn.evaluation.browse import SampleBrowser  # decodes the dataset (tf.data): only once asked for
            self.browser = SampleBrowser(self.data, self.predictor)
        return self.filter_samples("largest error", ALL, ALL, ALL)

    def filter_samples(self, sort, band, gender, race):
        if self.browser is None:
            return self.load_samples()
        gallery, rows = self.browser.query(sort, band, gender, race)
        report = f"{len(self.browser)} faces in the split.\n\n```\n{format_report(self.browser.metrics)}\n```"
        return gallery, pd.DataFrame(rows, columns=SAMPLE_COLUMNS), report

    # --- Training curves -------------------------------------------------------------------
    @staticmethod
    def curves(history_path: Path) -> list[pd.DataFrame]:
        history = read_json(history_path) if Path(history_path).exists() else {}
        config = Path(history_path).with_name("config.json")
        refit = config.exists() and read_json(config).get("train_on_val", False)
        frames = []
        for key, _ in PANELS:
            rows = [(epoch + 1, value, series_label(prefix, refit))
                    for prefix in ("", "val_") for epoch, value in enumerate(history.get(prefix + key, []))]
            frames.append(pd.DataFrame(rows, columns=["epoch", "value", "series"]))
        return frames


class PhotoInput(gr.Image):
    """gr.Image (upload, paste, webcam snapshot, with a preview) that hands the file over undecoded.

    gr.Image opens an upload with Pillow before the handler runs, so a broken file would fail
    there with a generic error; this passes its path on and lets the library judge it.
    """

    is_template = True  # drawn by gr.Image's own page component

    def preprocess(self, payload):
        if payload is None or (payload.url and payload.url.startswith("data:")):
            return super().preprocess(payload)
        return str(payload.path)


def age_range_text(face: dict) -> str:
    return "" if not face.get("age_range") else f"{face['age_range'][0]:.0f}-{face['age_range'][1]:.0f}"


def faces_note(faces) -> str:
    return f"{len(faces)} face(s) found." if faces else "No face found: try a larger, frontal, well-lit face."


def curve_plots(frames):
    with gr.Row():
        for frame, (_, title) in zip(frames[:2], PANELS[:2]):
            gr.LinePlot(frame, x="epoch", y="value", color="series", title=title, height=260)
    with gr.Row():
        for frame, (_, title) in zip(frames[2:], PANELS[2:]):
            gr.LinePlot(frame, x="epoch", y="value", color="series", title=title, height=260)


QUEUE_POLL_S = 0.004  # how often Gradio's queue looks for work when it has none
PROGRESS_POLL_S = 0.05  # and for progress to report (the app reports none)


def quieter_queue(demo: gr.Blocks) -> None:
    """Gradio's queue looks for work every millisecond and for progress every 10 ms, even with nobody
    there: 5% of a core on a 2-vCPU machine. Every 4 and 50 ms cost about half that, and a request
    waits at most 4 ms more to start."""
    queue = getattr(demo, "_queue", None)
    for name, seconds in (("sleep_when_free", QUEUE_POLL_S), ("progress_update_sleep_when_free", PROGRESS_POLL_S)):
        if queue is not None and getattr(queue, name, seconds) < seconds:
            setattr(queue, name, seconds)


def file_url(path: Path) -> str:
    """Where the page fetches a file that `gr.set_static_paths` serves."""
    return f"/gradio_api/file={Path(path).resolve()}"


def ready(value):
    """The tab's button, pressable once there is something to estimate."""
    return gr.Button(interactive=value is not None)


def test_samples(handlers: Handlers) -> None:
    """The test split with true and predicted labels, sorted and filtered (needs --data)."""
    gr.Markdown("Faces of the test split, which the model never trained on, with their true and predicted labels.")
    with gr.Row():
        sort = gr.Dropdown(["largest error", "smallest error", "age"], value="largest error", label="Sort by")
        band = gr.Dropdown([ALL, *BANDS], value=ALL, label="Age band")
        gender = gr.Dropdown([ALL, *GENDERS], value=ALL, label="Gender")
        race = gr.Dropdown([ALL, *RACES], value=ALL, label="Race")
    load = gr.Button("Load the test split", variant="primary")
    with gr.Row():
        gallery = gr.Gallery(label="Faces", columns=6, height=520)
        report = gr.Markdown("Press the button to predict every face of the split (a minute on a CPU).")
    samples = gr.Dataframe(headers=SAMPLE_COLUMNS, label="Predictions", interactive=False)
    load.click(handlers.load_samples, None, [gallery, samples, report], api_visibility="private")
    for control in (sort, band, gender, race):
        control.change(handlers.filter_samples, [sort, band, gender, race], [gallery, samples, report],
                       api_visibility="private")


def build_app(handlers: Handlers) -> gr.Blocks:
    with gr.Blocks(title="utk-cnn: age and gender") as demo:
        gr.Markdown("# utk-cnn\nAge and gender estimation from faces, trained on UTKFace. "
                    "Estimates only: see the About tab for what the model can and cannot do.")
        with gr.Tab("Photo"):
            with gr.Row():
                photo_in = PhotoInput(label="Photo (JPEG, PNG, WebP, HEIC, AVIF, ...): upload, paste or snapshot",
                                      type="filepath", sources=["upload", "clipboard", "webcam"], elem_id="photo-upload")
                photo_out = gr.Image(label="Faces found", interactive=False)
            photo_btn = gr.Button("Estimate age and gender", variant="primary", interactive=False)
            photo_note = gr.Markdown("Upload, paste or snapshot a photo, or pick the example below, then press the button.")
            faces_table = gr.Dataframe(headers=FACE_COLUMNS, label="Faces", interactive=False)
            faces_json = gr.JSON(label="Faces (JSON)")
            gr.Examples([[example_photo()]], inputs=photo_in, label="Example (public domain)")
            photo_in.change(ready, photo_in, photo_btn, api_visibility="private")
            photo_btn.click(handlers.predict, photo_in, [photo_out, faces_json], api_name="predict").then(
                lambda faces: (handlers.face_table(faces), faces_note(faces)),
                faces_json, [faces_table, photo_note], api_visibility="private")
        with gr.Tab("Webcam"):
            gr.Markdown("Press **Start camera**. Each person gets an id and a steady estimate. **Run on this "
                        "device** (the default where the browser can): both networks run in this page, and no frame "
                        "leaves it; the models (about 22 MB) download once. **Run on the server**: a 320-pixel copy "
                        "of each frame goes to the server, which sends back only the boxes and estimates and stores "
                        f"nothing; a stream lasts up to {WEBCAM_TIME_LIMIT_S // 60} minutes.")
            gr.HTML(handlers.webcam_html(), js_on_load=(STATIC / "webcam.js").read_text(),
                    elem_id="webcam-live")
        with gr.Tab("Video"):
            with gr.Row():
                video_in = gr.File(label="Video (mp4, webm, mov, avi, mkv)", type="filepath", elem_id="video-upload")
                video_out = gr.Video(label="Annotated video", interactive=False)
            with gr.Row():
                video_detector = gr.Radio(available_detectors(), value=DEFAULT_DETECTOR, label="Face detector")
                video_btn = gr.Button("Track and estimate", variant="primary", interactive=False)
            video_note = gr.Markdown("Upload a clip, or pick the example below, then press the button.")
            tracks = gr.Dataframe(headers=TRACK_COLUMNS, label="People", interactive=False)
            gr.Examples([[example_clip()]], inputs=video_in, label="Example (made from a public-domain photo)")
            video_in.change(ready, video_in, video_btn, api_visibility="private")
            video_btn.click(handlers.video, [video_in, video_detector], [video_out, tracks, video_note], api_name="video")
        with gr.Tab("Test samples"):
            if handlers.data:
                test_samples(handlers)
            else:
                gr.Markdown(handlers.no_dataset_text())
        with gr.Tab("Training curves"):
            gr.Markdown("### Shipped model")
            curve_plots(handlers.curves(ASSETS / "history.json"))
            if handlers.run:
                gr.Markdown(f"### Run `{handlers.run}`")
                curve_plots(handlers.curves(Path(handlers.run) / "history.json"))
        with gr.Tab("About"):
            card = ASSETS / "MODEL_CARD.md"
            gr.Markdown(card.read_text() if card.exists() else "The model card is missing from assets/.")
            if (ASSETS / "reliability.png").exists():
                gr.Image(str(ASSETS / "reliability.png"), label="Reliability of the gender confidence (test split)",
                         interactive=False)
    return demo


def main(argv=None):
    parser = argparse.ArgumentParser(description="utk-cnn demo")
    parser.add_argument("--model", help=".keras file or run folder (default: the shipped model)")
    parser.add_argument("--data", help="UTKFace folder or archive to browse (or set UTK_DATA)")
    parser.add_argument("--run", help="a run folder whose training curves to show")
    parser.add_argument("--webcam-detect-every", type=int, default=WEBCAM_DETECT_EVERY, metavar="N",
                        help=f"webcam: find faces on every Nth frame, track in between (default {WEBCAM_DETECT_EVERY})")
    parser.add_argument("--webcam-streams", type=int, default=WEBCAM_STREAMS, metavar="N",
                        help=f"webcam: visitors streaming at once; more are asked to wait (default {WEBCAM_STREAMS})")
    parser.add_argument("--webcam-time-limit", type=float, default=WEBCAM_TIME_LIMIT_S, metavar="S",
                        help=f"webcam: seconds one stream lasts (default {WEBCAM_TIME_LIMIT_S})")
    parser.add_argument("--threads", type=int, default=THREADS, metavar="N",
                        help=f"cores one request may use (default {THREADS}: many visitors side by side)")
    parser.add_argument("--no-mcp", action="store_true", help="do not serve the photo estimate as an MCP tool")
    args = parser.parse_args(argv)
    cv2.setNumThreads(args.threads)  # OpenCV's detector and warps; the model's share is the Predictor's
    handlers = Handlers(args.model, args.data, args.run, args.webcam_detect_every, args.webcam_streams,
                        args.webcam_time_limit, args.threads)
    gr.set_static_paths(handlers.served_files())
    demo = build_app(handlers)
    demo.queue(max_size=32, default_concurrency_limit=2)
    quieter_queue(demo)
    demo.launch(server_name=os.environ.get("GRADIO_SERVER_NAME", "127.0.0.1"),
               server_port=int(os.environ.get("GRADIO_SERVER_PORT", "7860")), max_file_size="25mb",
               css_paths=[STATIC / "webcam.css"], mcp_server=not args.no_mcp,
               app_kwargs={"routes": live_routes(handlers.live)})  # live frames skip Gradio's component server


if __name__ == "__main__":
    main()
