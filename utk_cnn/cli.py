"""`utk-cnn` command line: train, evaluate, predict, export. Errors are one line on stderr."""
from __future__ import annotations

import argparse
import json
import logging
import sys

from utk_cnn import __version__
from utk_cnn.engines import DEFAULT_ENGINE, ENGINES
from utk_cnn.faces.detectors import DEFAULT_DETECTOR, DETECTORS
from utk_cnn.inference.predictor import TTA_MODES
from utk_cnn.io import quiet_tensorflow
from utk_cnn.training.config import ARCH_DEFAULTS, AUGMENT_MODES, CONDITION_SHARE, DEFAULT_ARCH, DISTILL_WEIGHT
from utk_cnn.training.export import FORMATS

log = logging.getLogger("utk_cnn")


def per_arch(option: str) -> str:
    """An option's default for each architecture, for --help: 'default: utkres 40, utknet 45, ...'."""
    values = {arch: defaults.get(option) for arch, defaults in ARCH_DEFAULTS.items()}
    if len(set(map(str, values.values()))) == 1:
        return f"default {next(iter(values.values()))}"
    ordered = [DEFAULT_ARCH] + sorted(a for a in values if a != DEFAULT_ARCH)
    return "default " + ", ".join(f"{arch} {values[arch]}" for arch in ordered)


def _add_train(sub):
    p = sub.add_parser("train", help="train a model into a run folder",
                       description="Options left out take the architecture's own defaults, listed with each.")
    p.add_argument("--data", help="UTKFace folder or .tar.gz/.zip archive (with --resume: the run's own)")
    p.add_argument("--out", required=True, help="run folder, e.g. runs/NAME")
    p.add_argument("--arch", default=DEFAULT_ARCH, metavar="ARCH",
                   help=f"{', '.join(sorted(ARCH_DEFAULTS))} (default {DEFAULT_ARCH}; writeup: the original "
                        "write-up's CNN, also called seed)")
    p.add_argument("--epochs", type=int, help=per_arch("epochs"))
    p.add_argument("--batch-size", type=int, help=per_arch("batch_size"))
    p.add_argument("--image-size", type=int, help=f"input side in pixels ({per_arch('image_size')})")
    p.add_argument("--learning-rate", "--lr", type=float, help=f"peak learning rate ({per_arch('learning_rate')})")
    p.add_argument("--optimizer", choices=["adam", "adamw"], help=f"adamw warms up then decays ({per_arch('optimizer')})")
    p.add_argument("--gender-weight", type=float, help=f"weight of the gender loss ({per_arch('gender_weight')})")
    p.add_argument("--age-dist-weight", type=float,
                   help=f"weight of the label-distribution age loss, 0: none ({per_arch('age_dist_weight')})")
    p.add_argument("--ema", type=float, dest="ema_momentum", metavar="MOMENTUM",
                   help=f"keep a moving average of the weights, validate and ship it; 0: off ({per_arch('ema_momentum')})")
    p.add_argument("--race-weight", type=float, metavar="W",
                   help="utkres, resnet18: an auxiliary race head's loss weight, never shipped; 0: none "
                        f"({per_arch('race_weight')})")
    p.add_argument("--patience", type=int, help=f"epochs without a better validation loss before stopping "
                                                f"({per_arch('patience')})")
    p.add_argument("--augment", choices=list(AUGMENT_MODES), help=per_arch("augment"))
    p.add_argument("--condition-share", type=float, default=CONDITION_SHARE, metavar="F",
                   help="robust, robust_wide: share of each batch put under a webcam or phone condition "
                        "(default %(default)s)")
    p.add_argument("--precision", choices=["auto", "float32", "mixed_bfloat16", "mixed_float16"],
                   help=per_arch("precision"))
    p.add_argument("--seed", type=int, default=0, help="weight initialisation, shuffling and augmentation (default 0)")
    p.add_argument("--split-seed", type=int, default=0, help="the train/validation/test split (default 0)")
    p.add_argument("--limit", type=int, help="use only N images, for quick runs (default: all)")
    p.add_argument("--time-limit", type=float, dest="time_limit_min", metavar="MINUTES",
                   help="wall-clock budget: no epoch starts that would end past it (default: none)")
    p.add_argument("--train-on-val", action="store_true",
                   help="final refit: train on the training and validation splits, keep the last epoch")
    p.add_argument("--teacher", nargs="+", dest="teachers", default=[], metavar="RUN",
                   help="distil from these trained runs (or .keras files): their averaged outputs join the labels "
                        "as targets")
    p.add_argument("--distill-weight", type=float, default=DISTILL_WEIGHT, metavar="W",
                   help="with --teacher: the teachers' share of each target, 0-1 (default %(default)s)")
    p.add_argument("--init-from", metavar="RUN",
                   help="start from this trained run's weights (fine-tuning; same split, a refit only for a refit)")
    p.add_argument("--strategy", default="default", choices=["default", "mirrored", "multiworker"],
                   help="tf.distribute strategy (default %(default)s; multiworker reads TF_CONFIG)")
    p.add_argument("--resume", action="store_true",
                   help="continue the interrupted run in --out with its saved options; only --data, --epochs "
                        "and --time-limit may change")


def _add_evaluate(sub):
    p = sub.add_parser("evaluate", help="metrics of a model on a dataset")
    p.add_argument("--model", nargs="+", metavar="MODEL",
                   help=".keras file or run folder (default: the shipped model); several: scored as one ensemble, "
                        "their outputs averaged")
    p.add_argument("--data", required=True, help="UTKFace folder or archive")
    p.add_argument("--split", choices=["test", "val", "all"], default="test",
                   help="test (or val): the run's saved test (validation) split; all: every valid image")
    p.add_argument("--tta", choices=TTA_MODES, default="flip",
                   help="views averaged per face: flip (default, 2), shifts (10, slower) or none")
    p.add_argument("--no-flip", action="store_const", const="none", dest="tta", help="same as --tta none")
    p.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    p.add_argument("--reliability", metavar="PNG", help="also draw the gender confidence's reliability diagram")
    p.add_argument("--corrupt", metavar="all|NAME,...",
                   help="also under webcam- and phone-like conditions (jpeg, blur, low_resolution, dim, noise, tilt, "
                        "misaligned, loose_crop, grayscale, mask): one row each beside clean")


def _add_calibrate(sub):
    p = sub.add_parser("calibrate", help="fit the age-range and gender-confidence temperatures, and pick the age "
                                         "read-out, on validation faces")
    p.add_argument("--model", help=".keras file or run folder whose validation split is used (default: shipped)")
    p.add_argument("--data", required=True, help="UTKFace folder or archive")
    p.add_argument("--split", choices=["val", "test", "all"], default="val", help="faces to fit on (default val)")
    p.add_argument("--tta", choices=TTA_MODES, default="flip", help="views averaged per face, as when predicting")
    p.add_argument("--into", help="save the temperatures beside this model instead (a final refit of the same "
                                  "recipe, which has trained on its validation faces)")


def _add_predict(sub):
    p = sub.add_parser("predict", help="age and gender of every face in photos, videos or folders of them")
    p.add_argument("inputs", nargs="+", metavar="PHOTO_VIDEO_OR_FOLDER")
    p.add_argument("--model", help=".keras file or run folder (default: the shipped model)")
    p.add_argument("--detector", default=DEFAULT_DETECTOR, choices=list(DETECTORS),
                   help="; ".join(f"{name}: {spec.use}" for name, spec in DETECTORS.items()))
    p.add_argument("--detect-every", type=int, default=1, metavar="N",
                   help="videos: detect faces on every Nth frame and track them in between (default 1)")
    p.add_argument("--json", action="store_true", help="print a JSON list, one object per file")
    p.add_argument("--out", help="folder for annotated copies (photos: .annotated.jpg, videos: .annotated.webm)")
    p.add_argument("--engine", default=DEFAULT_ENGINE, choices=list(ENGINES),
                   help="local (default: one file after another here) or ray (a Ray Data job: pip install -e .[ray])")
    p.add_argument("--ray-address", help="ray: the cluster to run on (default: start a local Ray)")
    p.add_argument("--workers", type=int, help="ray: model copies working in parallel (default: one per CPU)")


def _add_export(sub):
    p = sub.add_parser("export", help="export a model as ONNX (servers, browsers), TFLite (phones) or a SavedModel")
    p.add_argument("--model", help=".keras file or run folder (default: the shipped model)")
    p.add_argument("--format", required=True, choices=list(FORMATS))
    p.add_argument("--out", required=True, help="file (onnx, tflite) or folder (savedmodel)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="utk-cnn", description="Age and gender estimation trained on UTKFace.")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug messages on stderr")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    _add_train(sub)
    _add_evaluate(sub)
    _add_calibrate(sub)
    _add_predict(sub)
    _add_export(sub)
    return parser


def cmd_train(args) -> int:
    quiet_tensorflow()
    from utk_cnn.training.config import TrainConfig
    from utk_cnn.training.train import train
    if not args.data and not args.resume:
        raise ValueError("--data is required (except with --resume)")
    fields = {k: v for k, v in vars(args).items() if k not in ("command", "resume", "verbose")}
    fields["data"] = fields["data"] or ""
    train(TrainConfig(**fields), resume=args.resume)
    return 0


def cmd_evaluate(args) -> int:
    quiet_tensorflow()
    from utk_cnn.evaluation.evaluate import evaluate_corrupted, evaluate_model, format_corruption_report, format_report
    if args.corrupt:
        result = evaluate_corrupted(args.model, args.data, split=args.split, tta=args.tta, corruptions=args.corrupt)
        print(json.dumps(result) if args.json else format_corruption_report(result))
        return 0
    metrics = evaluate_model(args.model, args.data, split=args.split, tta=args.tta, reliability=args.reliability)
    print(json.dumps(metrics) if args.json else format_report(metrics))
    return 0


def cmd_calibrate(args) -> int:
    quiet_tensorflow()
    from utk_cnn.evaluation.evaluate import calibrate_model
    calibration, path = calibrate_model(args.model, args.data, split=args.split, tta=args.tta, into=args.into)
    r = calibration.report
    log.info("age temperature %.3f, gender temperature %.3f (on %d faces) -> %s", calibration.age_temperature,
             calibration.gender_temperature, r["n"], path)
    if "age_range_coverage_before" in r:
        log.info("80%% age range holds %.1f%% of true ages before, %.1f%% after", 100 * r["age_range_coverage_before"],
                 100 * r["age_range_coverage_after"])
    log.info("gender ECE %.3f before, %.3f after", r["gender_ece_before"], r["gender_ece_after"])
    if "age_mae_by_readout" in r:
        log.info("age read-out: %s (MAE %s)", calibration.age_readout,
                 ", ".join(f"{k} {v:.3f}" for k, v in r["age_mae_by_readout"].items()))
    return 0


def cmd_predict(args) -> int:
    from utk_cnn.engines import predict_files
    from utk_cnn.faces.drawing import face_label
    if args.engine != "ray" and (args.ray_address or args.workers):
        raise ValueError("--ray-address and --workers go with --engine ray")
    ray_options = {"address": args.ray_address, "workers": args.workers} if args.engine == "ray" else {}
    results = predict_files(args.inputs, engine=args.engine, model=args.model, detector=args.detector, out=args.out,
                            detect_every=args.detect_every, **ray_options)
    if args.json:
        print(json.dumps(results, indent=2))
    else:
        for item in results:
            if "error" in item:
                print(f"{item['path']}: error: {item['error']}")
            elif "tracks" in item:
                people = "; ".join(map(face_label, item["tracks"])) or "no face"
                print(f"{item['path']}: {item['frames']} frames, {people}")
            else:
                print(f"{item['path']}: {'; '.join(map(face_label, item['faces'])) or 'no face'}")
    return 1 if any("error" in item for item in results) else 0


def cmd_export(args) -> int:
    quiet_tensorflow()
    from utk_cnn.training.export import export_model
    path = export_model(args.model, args.format, args.out)
    log.info("exported %s to %s", args.format, path)
    return 0


COMMANDS = {"train": cmd_train, "evaluate": cmd_evaluate, "calibrate": cmd_calibrate, "predict": cmd_predict,
            "export": cmd_export}


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO, stream=sys.stderr,
                        format="%(message)s")
    try:
        return COMMANDS[args.command](args)
    except KeyboardInterrupt:
        print("utk-cnn: interrupted", file=sys.stderr)
        return 130
    except (ValueError, FileNotFoundError, FileExistsError, OSError) as err:
        print(f"utk-cnn {args.command}: error: {err}", file=sys.stderr)
        return 2
