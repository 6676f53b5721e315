"""utk-cnn demo: a thin Gradio layer over the `utk_cnn` library.

    python app.py [--data UTKFace.tar.gz] [--run runs/NAME] [--model MODEL] [--webcam-detect-every N]

Serves on 127.0.0.1:7860 unless GRADIO_SERVER_NAME / GRADIO_SERVER_PORT say otherwise.
"""
from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import gradio as gr
import pandas as pd

from utk_cnn import Predictor
from utk_cnn.browse import ALL, BANDS, SampleBrowser
from utk_cnn.config import GENDERS, RACES
from utk_cnn.evaluate import format_report
from utk_cnn.detectors import DEFAULT_DETECTOR, DETECTORS
from utk_cnn.drawing import draw_faces
from utk_cnn.images import ImageError, read_image
from utk_cnn.io import read_json
from utk_cnn.live import FrameAnnotator, people_text
from utk_cnn.plots import PANELS, series_label
from utk_cnn.predict import ASSETS
from utk_cnn.video import VideoError, annotated_name, predict_video

DISPLAY_SIDE = 1280  # annotated images are shrunk to this for the browser
WEBCAM_DETECT_EVERY = 2  # the webcam finds faces on every other frame and tracks them in between
WEBCAM_DETECTOR = "yunet-fast"  # a webcam face is large in a 640x480 frame: 320 px is enough to find it
FPS_WINDOW = 30  # the webcam's frame rate is averaged over this many frames
FACE_COLUMNS = ["face", "age", "age range (80%)", "gender", "gender confidence", "detection confidence",
                "box (x, y, w, h)"]
TRACK_COLUMNS = ["person", "age", "age range (80%)", "gender", "gender confidence", "first frame", "last frame",
                 "first box (x, y, w, h)"]
SAMPLE_COLUMNS = ["file", "true age", "predicted age", "error", "true gender", "predicted gender", "race"]


def example_photo() -> str:
    import matplotlib.cbook
    return str(matplotlib.cbook.get_sample_data("grace_hopper.jpg", asfileobj=False))


class Demo:
    """State shared by the handlers: one loaded model, the optional dataset browser."""

    def __init__(self, model=None, data=None, run=None, webcam_detect_every: int = WEBCAM_DETECT_EVERY):
        self.predictor = Predictor.load(model)
        self.data, self.run = data or os.environ.get("UTK_DATA"), run
        self.webcam_detect_every = webcam_detect_every
        self.browser: SampleBrowser | None = None

    # --- Photo ---------------------------------------------------------------------------
    def predict(self, path: str | None):
        """Annotated image and faces as JSON; this is also the `predict` API endpoint.

        The upload arrives as a plain file, so a non-image or broken one reaches `read_image`,
        which names the problem, instead of failing in Gradio's own image decoding.
        """
        if not path:
            raise gr.Error("Upload, paste or pick a photo first.")
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
    def webcam(self, frame, detector, annotator, stamps):
        """One streamed frame: annotated, the tracked people as text, the frame rate over the last frames;
        the session's tracker and frame times live in State."""
        if frame is None:
            return None, "Waiting for the camera.", "", annotator, stamps
        if annotator is None or annotator.detector != detector:
            annotator = FrameAnnotator(self.predictor, detector=detector, detect_every=self.webcam_detect_every,
                                       max_side=DISPLAY_SIDE)
        annotated, people = annotator.annotate(frame)
        stamps = ((stamps or []) + [time.perf_counter()])[-FPS_WINDOW:]
        fps = (f"{(len(stamps) - 1) / (stamps[-1] - stamps[0]):.1f} frames per second (last {len(stamps)} frames)"
               if len(stamps) > 1 else "")
        return annotated, people_text(people), fps, annotator, stamps

    # --- Video -----------------------------------------------------------------------------
    def video(self, path: str | None, detector: str):
        """An uploaded clip: its annotated WebM copy and one row per tracked person."""
        if not path:
            raise gr.Error("Upload a video first.")
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
    def load_samples(self):
        if not self.data:
            shipped = ASSETS / "metrics.json"
            text = ("No dataset configured. Start the app with `--data path/to/UTKFace.tar.gz` (or a folder), "
                    "or set `UTK_DATA`, to browse its test split.")
            if shipped.exists():
                text += "\n\nShipped model on its own test split:\n\n```\n" + format_report(read_json(shipped)) + "\n```"
            return [], pd.DataFrame(columns=SAMPLE_COLUMNS), text
        if self.browser is None:
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


def build_app(demo: Demo) -> gr.Blocks:
    with gr.Blocks(title="utk-cnn: age and gender") as app:
        gr.Markdown("# utk-cnn\nAge and gender estimation from faces, trained on UTKFace. "
                    "Estimates only: see the About tab for what the model can and cannot do.")
        with gr.Tab("Photo"):
            with gr.Row():
                photo_in = gr.File(label="Photo (JPEG, PNG, WebP, HEIC, AVIF, ...)", type="filepath",
                                   elem_id="photo-upload")
                photo_out = gr.Image(label="Faces found", interactive=False)
            photo_btn = gr.Button("Estimate age and gender", variant="primary")
            photo_note = gr.Markdown()
            faces_table = gr.Dataframe(headers=FACE_COLUMNS, label="Faces", interactive=False)
            faces_json = gr.JSON(label="Faces (JSON)")
            gr.Examples([[example_photo()]], inputs=photo_in, label="Example (public domain)")
            photo_btn.click(demo.predict, photo_in, [photo_out, faces_json], api_name="predict").then(
                lambda faces: (demo.face_table(faces), faces_note(faces)),
                faces_json, [faces_table, photo_note], api_visibility="private")
        with gr.Tab("Webcam"):
            with gr.Row():
                cam = gr.Image(sources=["webcam"], streaming=True, type="numpy", label="Camera",
                               webcam_options=gr.WebcamOptions(constraints={"video": {"width": 640, "height": 480}}))
                cam_out = gr.Image(label="Live estimate", interactive=False, format="jpeg", elem_id="live-estimate")
            with gr.Row():
                people = gr.Textbox(label="People (steady estimates: id, age (80% range), gender, confidence)",
                                    lines=3, interactive=False, elem_id="live-faces")
                with gr.Column():
                    detector = gr.Radio(list(DETECTORS), value=WEBCAM_DETECTOR,
                                        label="Face detector (yunet also finds smaller faces; haar only frontal ones)")
                    fps = gr.Markdown()
            annotator, stamps = gr.State(None), gr.State(None)
            cam.stream(demo.webcam, [cam, detector, annotator, stamps], [cam_out, people, fps, annotator, stamps],
                       stream_every=0.04, time_limit=300, concurrency_limit=4, api_visibility="private")
            snap = gr.Image(sources=["webcam"], type="filepath", label="Snapshot (where streaming is unavailable)")
            snap_out = gr.Image(label="Snapshot estimate", interactive=False)
            snap.change(lambda p: demo.predict(p)[0] if p else None, snap, snap_out, api_visibility="private")
        with gr.Tab("Video"):
            with gr.Row():
                video_in = gr.File(label="Video (mp4, webm, mov, avi, mkv)", type="filepath", elem_id="video-upload")
                video_out = gr.Video(label="Annotated video", interactive=False)
            with gr.Row():
                video_detector = gr.Radio(list(DETECTORS), value=DEFAULT_DETECTOR, label="Face detector")
                video_btn = gr.Button("Track and estimate", variant="primary")
            video_note = gr.Markdown()
            tracks = gr.Dataframe(headers=TRACK_COLUMNS, label="People", interactive=False)
            video_btn.click(demo.video, [video_in, video_detector], [video_out, tracks, video_note], api_name="video")
        with gr.Tab("Validation samples"):
            with gr.Row():
                sort = gr.Dropdown(["largest error", "smallest error", "age"], value="largest error", label="Sort by")
                band = gr.Dropdown([ALL, *BANDS], value=ALL, label="Age band")
                gender = gr.Dropdown([ALL, *GENDERS], value=ALL, label="Gender")
                race = gr.Dropdown([ALL, *RACES], value=ALL, label="Race")
            load = gr.Button("Load the test split")
            with gr.Row():
                gallery = gr.Gallery(label="Faces", columns=6, height=520)
                report = gr.Markdown()
            samples = gr.Dataframe(headers=SAMPLE_COLUMNS, label="Predictions", interactive=False)
            load.click(demo.load_samples, None, [gallery, samples, report], api_visibility="private")
            for control in (sort, band, gender, race):
                control.change(demo.filter_samples, [sort, band, gender, race], [gallery, samples, report],
                               api_visibility="private")
        with gr.Tab("Training curves"):
            gr.Markdown("### Shipped model")
            curve_plots(demo.curves(ASSETS / "history.json"))
            if (ASSETS / "curves.png").exists():
                gr.Image(str(ASSETS / "curves.png"), label="curves.png", interactive=False)
            if demo.run:
                gr.Markdown(f"### Run `{demo.run}`")
                curve_plots(demo.curves(Path(demo.run) / "history.json"))
        with gr.Tab("About"):
            card = ASSETS / "MODEL_CARD.md"
            gr.Markdown(card.read_text() if card.exists() else "The model card is missing from assets/.")
            if (ASSETS / "reliability.png").exists():
                gr.Image(str(ASSETS / "reliability.png"), label="Reliability of the gender confidence (test split)",
                         interactive=False)
    return app


def main(argv=None):
    parser = argparse.ArgumentParser(description="utk-cnn demo")
    parser.add_argument("--model", help=".keras file or run folder (default: the shipped model)")
    parser.add_argument("--data", help="UTKFace folder or archive to browse (or set UTK_DATA)")
    parser.add_argument("--run", help="a run folder whose training curves to show")
    parser.add_argument("--webcam-detect-every", type=int, default=WEBCAM_DETECT_EVERY, metavar="N",
                        help=f"webcam: find faces on every Nth frame, track in between (default {WEBCAM_DETECT_EVERY})")
    args = parser.parse_args(argv)
    app = build_app(Demo(args.model, args.data, args.run, args.webcam_detect_every))
    app.queue(max_size=32, default_concurrency_limit=2)
    app.launch(server_name=os.environ.get("GRADIO_SERVER_NAME", "127.0.0.1"),
               server_port=int(os.environ.get("GRADIO_SERVER_PORT", "7860")), max_file_size="25mb")


if __name__ == "__main__":
    main()
