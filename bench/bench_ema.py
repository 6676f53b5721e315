"""What the moving average of the weights buys: a run's kept average against its own last raw weights.

    python bench/bench_ema.py --run runs/NAME --data ../shared/data/UTKFace.tar.gz [--split val] [--corrupt all]

A run trained with `--ema` keeps (and ships) the optimizer's moving average; its `checkpoint.keras`
holds the raw weights of the last epoch. Both are scored on the run's validation split, clean
and under the corruption suite, with the default flip averaging and no calibration, so the two
tables differ only in the weights (the kept average is the best epoch's by validation loss,
normally the last). Prints one table per set of weights.
"""
import argparse
import os
import shutil
import tempfile
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run", required=True, help="run folder trained with --ema")
    parser.add_argument("--data", required=True, help="UTKFace folder or archive the run was trained on")
    parser.add_argument("--split", default="val", choices=["val", "test"])
    parser.add_argument("--corrupt", default="all", help="conditions, as `utk-cnn evaluate --corrupt`")
    args = parser.parse_args()

    import keras

    from utk_cnn.evaluation.evaluate import evaluate_corrupted, format_corruption_report
    from utk_cnn.training.config import TrainConfig
    from utk_cnn.training.train import save_inference_model

    run = Path(args.run)
    cfg = TrainConfig.load(run / "config.json")
    if not cfg.ema_momentum:
        raise SystemExit(f"{run}: trained without --ema, nothing to compare")
    with tempfile.TemporaryDirectory() as tmp:
        kept, raw = Path(tmp, "kept"), Path(tmp, "raw")
        for folder in (kept, raw):  # the same saved split, and no calibration.json: only the weights differ
            folder.mkdir()
            shutil.copy(run / "config.json", folder / "config.json")
        shutil.copy(run / "model.keras", kept / "model.keras")
        save_inference_model(keras.models.load_model(run / "checkpoint.keras"), cfg, raw / "model.keras")
        for label, folder in ((f"moving average ({cfg.ema_momentum}), kept", kept),
                              ("raw weights of the last epoch", raw)):
            result = evaluate_corrupted(str(folder / "model.keras"), args.data, split=args.split,
                                        corruptions=args.corrupt)
            print(f"\n{label}, {args.split} split:")
            print(format_corruption_report(result))


if __name__ == "__main__":
    main()
