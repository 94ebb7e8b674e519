"""The command line: parses options into a config and calls one function."""
from __future__ import annotations

import argparse
import dataclasses
import difflib
import json
import sys
import warnings
from importlib.metadata import version
from pathlib import Path

from . import config as config_mod
from . import methods
from .cli_data import add_data_commands
from .commands import COMMANDS, DESCRIPTION
from .errors import GanforgeError
from .hardware import set_threads
from .features import train_feature_net
from .inference import evaluate_run, sample_grid, sample_points, translate_files, translate_test_set
from .metrics import list_metrics
from .runs import Run
from .report import write_report
from .methods import Method
from .methods.moons import METHOD as MOONS
from .workflows.bench import benchmarks, main_bench
from .workflows.compare import compare
from .workflows.demo import run_demo
from .workflows.play_server import run_play
from .workflows.reproduce import reproduce
from .workflows.stego import stego_probe
from .workflows.sweep import add_sweep_arguments, options_from_args, run_sweep
from .workflows.training import check_resume_alone, resumed_config, settle_hardware, train


class Parser(argparse.ArgumentParser):
    """argparse with one-line errors ("ganforge: error: --batch-size ..."), no abbreviated options (--iter is not
    --iters), and a suggestion for a mistyped one (--lamda-cycle: did you mean --lambda-cycle?)."""

    unknown: tuple[list[str], list[str]] | None = None  # (unknown arguments, the options of the parser that met them)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("allow_abbrev", False)
        super().__init__(*args, **kwargs)

    def parse_known_args(self, args=None, namespace=None):
        parsed, extras = super().parse_known_args(args, namespace)
        if extras and Parser.unknown is None:  # the innermost parser (a subcommand's) sees them first
            Parser.unknown = (list(extras), [o for o in self._option_string_actions if o.startswith("--")])
        return parsed, extras

    def error(self, message):
        if message.startswith("unrecognized arguments") and Parser.unknown is not None:
            extras, options = Parser.unknown
            for word in extras:
                close = difflib.get_close_matches(word.split("=")[0], options, n=1, cutoff=0.75)
                if word.startswith("--") and close:
                    message = f"unrecognized option {word.split('=')[0]}: did you mean {close[0]}?"
                    break
        Parser.unknown = None
        raise GanforgeError(message)


def _number(kind: type, expected: str):
    """An argparse type that names what was expected ("a whole number") when the text is not one."""
    def parse(text):
        try:
            return kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}") from None
    return parse


def _type_for(f: dataclasses.Field):
    kind = config_mod.field_type(f)
    return {int: _number(int, "a whole number"), float: _number(float, "a number")}.get(kind, str)


def add_config_options(parser: argparse.ArgumentParser, method: Method, skip=()) -> None:
    """One option per config field of `method` (but those in `skip`); defaults are None so presets can fill them
    in, and --help says what they are."""
    for f in method.fields():
        if f.name in skip:
            continue
        meta = f.metadata
        help_text = meta.get("help", "")
        if meta.get("choices"):
            help_text += f" ({'|'.join(map(str, meta['choices']))}{'|FILE.py:Class' if meta.get('own_code') else ''})"
        help_text += f" [{method.defaults_text(f.name)}]"
        help_text = help_text.replace("%", "%%")  # argparse formats help with %: a field's own text may hold one
        flag = config_mod.option_name(f.name)
        if config_mod.field_type(f) is bool:
            parser.add_argument(flag, action=argparse.BooleanOptionalAction, default=None, help=help_text)
        else:
            parser.add_argument(flag, type=_type_for(f), default=None, help=help_text, metavar=f.name.upper())


def _add_trust_code(parser) -> None:
    parser.add_argument("--trust-code", action="store_true",
                        help="import the copy of your networks' code that a run folder carries even when it is not "
                        "byte for byte the file it was copied from on this machine (a run from elsewhere, or your "
                        "file changed since): loading such a run runs that code, so read it first")


def _add_run_options(parser, method: Method) -> None:
    parser.add_argument("--preset", default=None,
                        help=f"named settings ({', '.join(method.presets) or 'none'}) "
                        f"[default: {method.default_preset}]")
    parser.add_argument("--out", default=None, help=f"run folder [default: runs/NNNNN-{method.name}-<variant>/]")
    parser.add_argument("--resume", default=None, metavar="RUN_DIR",
                        help="continue the run in RUN_DIR from its latest checkpoint")
    parser.add_argument("--dry-run", action="store_true", help="print the resolved config and exit")
    _add_trust_code(parser)
    add_config_options(parser, method)


def _options(args, method: Method) -> dict:
    return {n: getattr(args, n) for n in method.field_names()}


def cmd_train(args) -> int:
    method = methods.get(args.kind)
    options = {k: v for k, v in _options(args, method).items() if v is not None}
    if args.dry_run and args.resume:  # what --resume would continue with, refused as it would refuse
        check_resume_alone(args.preset, args.out)
        print(json.dumps(resumed_config(args.resume, method, options), indent=2))
        return 0
    if args.dry_run:
        cfg = method.resolve(args.preset, **options)
        print(json.dumps(method.to_dict(args.preset, cfg), indent=2))
        # The options as given (as --help states their defaults); where "auto" lands is this machine's.
        here = settle_hardware(cfg, strict=False)
        print(f"on this machine: device {here.device}, precision {here.precision} (what config.json would record)",
              file=sys.stderr)
        return 0
    train(method.name, args.preset, out=args.out, resume=args.resume, trust_code=args.trust_code, **options)
    return 0


def cmd_translate(args) -> int:
    if args.scale < 1:
        raise GanforgeError(f"--scale must be >= 1, got {args.scale}")
    if args.test_set:
        if args.images:
            raise GanforgeError("--test-set translates the run's test images; give no image files with it")
        print(translate_test_set(args.run, args.direction, args.out, step=args.step, trust_code=args.trust_code))
        return 0
    if not args.images:
        raise GanforgeError("translate needs image files, or --test-set for the run's test images")
    for path in translate_files(args.run, args.direction, args.images, args.out, scale=args.scale, step=args.step,
                                trust_code=args.trust_code):
        print(path)
    return 0


def cmd_sample(args) -> int:
    if args.n < 1:
        raise GanforgeError(f"--n must be >= 1, got {args.n}")
    method = methods.of_run(Run.open(args.run).config)
    if method.data.offers == "points":
        out = args.out or f"{args.run}/samples-{args.n}{'-rejection' if args.rejection else ''}.csv"
        for path in sample_points(args.run, args.n, out, args.seed, step=args.step, rejection=args.rejection,
                                  trust_code=args.trust_code):
            print(path)
        return 0
    if args.rejection:
        raise GanforgeError(f"--rejection samples moons runs (points); --run {args.run} is a {method.name} run")
    out = args.out or f"{args.run}/samples-{args.n}.png"
    print(sample_grid(args.run, args.n, out, args.seed, step=args.step, trust_code=args.trust_code))
    return 0


def cmd_eval(args) -> int:
    if args.list:
        for m in list_metrics():
            companions = ", ".join(m.companion(b) for b in m.baselines)
            read = f"; read against {companions}" if companions else ""
            print(f"{m.name:<20} {m.scope:<12} {m.better + ' is better':<17} {m.description}{read}")
        return 0
    if not args.target:
        raise GanforgeError("eval needs a RUN_DIR, 'train-features', or --list")
    if args.threads < 0:
        raise GanforgeError(f"--threads must be >= 0, got {args.threads}")
    if args.target == "train-features":
        meta = train_feature_net(cache=args.cache, threads=args.threads)
        print(json.dumps({k: v for k, v in meta.items() if k != "categories"}, indent=2))
        return 0
    if args.target == "stego":
        if not args.run_dir:
            raise GanforgeError("eval stego needs a cyclegan RUN_DIR")
        for direction, probe in stego_probe(args.run_dir).items():
            print(f"{direction}: {probe['verdict']}")
            for row in probe["rows"]:
                ratio = "n/a" if row["growth_ratio"] is None else f"{row['growth_ratio']:.2f}"
                print(f"  {row['perturbation']:<20} error of F(G(x)+n) {row['error_translation']:.4f}, "
                      f"of F(y+n) {row['error_real_target']:.4f}; growth ratio {ratio}")
        print(f"wrote {args.run_dir}/stego.json and {args.run_dir}/stego/")
        return 0
    set_threads(args.threads)
    scores = evaluate_run(args.target, cache=args.cache, step=args.step, trust_code=args.trust_code,
                          draws=args.draws)
    for note in scores.notes:
        print(f"note: {note}")
    for name, value in scores.values.items():
        print(f"{name:<40} {value:.4f}" if isinstance(value, float) else f"{name:<40} {value}")
    print(f"wrote {args.target}/metrics.json")
    return 0


def cmd_bench(args) -> int:
    models = [m.strip() for m in args.models.split(",") if m.strip()] if args.models else None
    main_bench(models, args.quick, args.json, args.precision, args.device, args.threads, args.compile)
    return 0


def cmd_sweep(args) -> int:
    result = run_sweep(args.kind, options_from_args(args, args.kind), preset=args.preset, out=args.out,
                       workers=args.workers, backend=args.backend, ray_address=args.ray_address,
                       threads=args.threads, report=not args.no_report, gpus_per_run=args.gpus_per_run)
    return 0 if result.ok else 1


def cmd_reproduce(args) -> int:
    reproduce(args.assignment, scale=args.scale, out=args.out, workers=args.workers, backend=args.backend,
              threads=args.threads, data_dir=args.data_dir)
    return 0


def cmd_report(args) -> int:
    print(write_report(args.path, tensorboard=args.tensorboard))
    if args.tensorboard:
        print(f"tensorboard: tensorboard --logdir {args.path}")
    return 0


def cmd_compare(args) -> int:
    labels = [label.strip() for label in args.labels.split(",")] if args.labels else None
    if args.n < 1:
        raise GanforgeError(f"--n must be >= 1, got {args.n}")
    print(compare(args.runs, args.out, labels=labels, n=args.n, direction=args.direction,
                  trust_code=args.trust_code))
    return 0


# Options that mean nothing to a live session (it trains until paused, and draws frames, not files), and the
# networks of your own, which the playground does not load.
PLAY_SKIPS = ("epochs", "plot_every", "generator", "discriminator")
PLAY_IMAGE_SKIPS = ("iters", "sample_every", "log_every", "checkpoint_every", "eval_every", "eval_draws", "lr_decay",
                    "generator", "discriminator")


def _add_play_options(parser, method: Method, skip) -> None:
    """The server's options and the method's (but `skip`)."""
    parser.add_argument("--port", type=_number(int, "a whole number"), default=8765,
                        help="port to serve on; 0 picks a free one [default: 8765]")
    parser.add_argument("--host", default="127.0.0.1",
                        help="address to bind; anything but this machine's loopback is reachable from other machines "
                        "(and warned about) [default: 127.0.0.1]")
    parser.add_argument("--run", default=None, metavar="RUN_DIR",
                        help=f"start from a {method.name} run's latest checkpoint, with its config")
    parser.add_argument("--out", default="runs", help="folder that receives the run folders Save writes "
                        "[default: runs]")
    parser.add_argument("--no-browser", action="store_true", help="do not open a browser; just print the address")
    parser.add_argument("--preset", default=None, help=f"named settings ({', '.join(method.presets) or 'none'}) "
                        f"[default: {method.default_preset}]")
    add_config_options(parser, method, skip=skip)


def cmd_play(args) -> int:
    method = methods.get(args.play_method) if getattr(args, "play_method", None) else MOONS
    skips = PLAY_SKIPS if method is MOONS else PLAY_IMAGE_SKIPS
    names = [name for name in method.field_names() if name not in skips]
    options = {n: getattr(args, n) for n in names if getattr(args, n, None) is not None}
    run_play(args.preset, options, run=args.run, out=args.out, host=args.host, port=args.port,
             open_browser=not args.no_browser, method=method.name)
    return 0


def cmd_demo(args) -> int:
    if args.threads < 0:
        raise GanforgeError(f"--threads must be >= 0, got {args.threads}")
    run_demo(args.out, args.threads)
    return 0


def build_parser() -> Parser:
    parser = Parser(prog="ganforge", description=DESCRIPTION)
    parser.add_argument("--version", action="version", version=f"ganforge {version('ganforge')}")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=Parser)

    train = commands.add_parser("train", help=COMMANDS["train"])
    kinds = train.add_subparsers(dest="kind", required=True, parser_class=Parser)
    for method in methods.all_methods():
        sub = kinds.add_parser(method.name, help=method.summary, description=f"{method.title}: {method.summary}.")
        _add_run_options(sub, method)
        sub.set_defaults(func=cmd_train)

    translate = commands.add_parser("translate", help=COMMANDS["translate"])
    translate.add_argument("--run", required=True, help="a cyclegan, cut or pix2pix run folder")
    translate.add_argument("--direction", default=None, help="e.g. apple2windows (apple-windows and apple->windows "
                           "read the same) [default: the run's own, source to target]")
    translate.add_argument("--out", default="translations", help="folder for the PNGs [default: translations]")
    translate.add_argument("--scale", type=int, default=4, help="enlargement of the side-by-side and enlarged "
                           "PNGs [default: 4]")
    translate.add_argument("--test-set", action="store_true", help="translate the run's whole test split into "
                           "OUT/images/ with an index.html of source | translation | true target")
    translate.add_argument("--step", type=int, default=None, help="the checkpoint to use [default: the latest]")
    translate.add_argument("images", nargs="*", help="image files (any size; RGBA, palette, ...)")
    _add_trust_code(translate)
    translate.set_defaults(func=cmd_translate)

    sample = commands.add_parser("sample", help=COMMANDS["sample"])
    sample.add_argument("--run", required=True, help="a dcgan or moons run folder")
    sample.add_argument("--rejection", action="store_true", help="moons: keep only the points discriminator "
                        "rejection sampling accepts (Azadi et al. 2019; strictness: the run's --rejection-percentile)")
    sample.add_argument("--n", type=int, default=64, help="number of samples [default: 64]")
    sample.add_argument("--seed", type=int, default=0, help="noise seed [default: 0]")
    sample.add_argument("--out", default=None, help="PNG file (moons: CSV file, the PNG beside it); an existing "
                        "one is kept and NAME-2.png written instead [default: RUN/samples-N.png or .csv]")
    sample.add_argument("--step", type=int, default=None, help="the checkpoint to use [default: the latest]")
    _add_trust_code(sample)
    sample.set_defaults(func=cmd_sample)

    evaluate = commands.add_parser("eval", help=COMMANDS["eval"])
    evaluate.add_argument("target", nargs="?", help="a run folder, 'train-features', or 'stego' (then RUN_DIR)")
    evaluate.add_argument("run_dir", nargs="?", help="with 'stego': the cyclegan run folder to probe")
    evaluate.add_argument("--list", action="store_true", help="name each metric with what it measures")
    evaluate.add_argument("--cache", default=None, help="cache folder [default: the user cache directory]")
    evaluate.add_argument("--step", type=int, default=None, help="the checkpoint to score [default: the latest]")
    evaluate.add_argument("--draws", type=_number(int, "a whole number"), default=None,
                          help="score this many sets of samples from noise, each from its own fixed noise, and record "
                               "each score's mean (runs that sample images: dcgan) [default: the run's --eval-draws]")
    evaluate.add_argument("--threads", type=_number(int, "a whole number"), default=0,
                          help="CPU threads for scoring (train-features trains in one thread whatever this says, so "
                          "that every machine gets the same network; it uses these for the held-out accuracies) "
                          "[default: 0, the cores other work leaves free]")
    _add_trust_code(evaluate)
    evaluate.set_defaults(func=cmd_eval)

    bench = commands.add_parser("bench", help=COMMANDS["bench"])
    bench.add_argument("--models", default=None, help=f"comma-separated subset of {','.join(benchmarks())} "
                       "[default: all]")
    bench.add_argument("--quick", action="store_true", help="a few iterations only (checks that it works)")
    bench.add_argument("--json", action="store_true", help="print a JSON list instead of the table")
    bench.add_argument("--precision", default="auto", choices=["auto", "fp32", "bf16"], help="[default: auto]")
    bench.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"], help="[default: auto]")
    bench.add_argument("--threads", type=int, default=0, help="CPU threads (0: the cores other work leaves free, decided for each model; "
                       "pass the core count for comparable runs) [default: 0]")
    bench.add_argument("--compile", action="store_true",
                       help="time loop and bare with torch.compile'd networks (compiled during warm-up)")
    bench.set_defaults(func=cmd_bench)

    sweep = commands.add_parser("sweep", help=COMMANDS["sweep"])
    sweep_kinds = sweep.add_subparsers(dest="kind", required=True, parser_class=Parser)
    for method in methods.all_methods():
        add_sweep_arguments(sweep_kinds.add_parser(method.name, help=f"sweep {method.title}"), method.name)
    sweep.set_defaults(func=cmd_sweep)

    reproduce = commands.add_parser("reproduce", help=COMMANDS["reproduce"])
    reproduce.add_argument("assignment", choices=["radboud", "toronto"], help="the assignment to reproduce")
    reproduce.add_argument("--scale", default="quick", choices=["quick", "full", "tiny"],
                           help="quick: ~15 min on a 2-core CPU; full: the handouts' lengths; tiny: a smoke test "
                           "[default: quick]")
    reproduce.add_argument("--out", default=None, help="folder for the runs and report.html "
                           "[default: reproduce-ASSIGNMENT]; again: finished runs are reused")
    reproduce.add_argument("--workers", type=int, default=1, help="sweep runs at the same time [default: 1]")
    reproduce.add_argument("--backend", default="local", choices=["local", "ray"], help="sweep backend [default: local]")
    reproduce.add_argument("--threads", type=int, default=None, help="torch threads per run [default: all cores, "
                           "cores // workers in sweeps]")
    reproduce.add_argument("--data-dir", default=None, help="emoji data in the course archive layout "
                           "[default: the data built by `ganforge data build`]")
    reproduce.set_defaults(func=cmd_reproduce)

    report = commands.add_parser("report", help=COMMANDS["report"])
    report.add_argument("path", metavar="RUN_OR_SWEEP_DIR", help="a run folder or a sweep folder")
    report.add_argument("--tensorboard", action="store_true",
                        help="also write RUN/tensorboard/ (needs pip install 'ganforge[tensorboard]')")
    report.set_defaults(func=cmd_report)

    add_data_commands(commands)

    comparison = commands.add_parser("compare", help=COMMANDS["compare"])
    comparison.add_argument("runs", nargs="+", metavar="RUN_DIR", help="cyclegan, cut or pix2pix run folders")
    comparison.add_argument("--out", required=True, help="folder for translations.png, compare.json, report.html "
                            "and README.md")
    comparison.add_argument("--labels", default=None, help="comma-separated column names, one per run "
                            "[default: each run's method and the settings it changed]")
    comparison.add_argument("--n", type=int, default=16, help="test emojis (rows) [default: 16]")
    comparison.add_argument("--direction", default=None, help="the direction compared, e.g. windows2apple "
                            "[default: the first run's source to its target]")
    _add_trust_code(comparison)
    comparison.set_defaults(func=cmd_compare)

    play = commands.add_parser("play", help=COMMANDS["play"], description="Without METHOD (or with moons): the 2-D "
                               "playground. With an image method (dcgan, cyclegan, cut, pix2pix, ...): its sample "
                               "grids, curves and controls.")
    _add_play_options(play, MOONS, PLAY_SKIPS)
    play_methods = play.add_subparsers(dest="play_method", required=False, parser_class=Parser, metavar="METHOD")
    for method in methods.all_methods():
        if method.data.offers in ("samples", "translations"):
            _add_play_options(play_methods.add_parser(method.name, help=f"{method.title} live"), method,
                              PLAY_IMAGE_SKIPS)
    play.set_defaults(func=cmd_play)

    demo = commands.add_parser("demo", help=COMMANDS["demo"])
    demo.add_argument("--out", default="runs", help="folder that receives the demo's numbered run folders")
    demo.add_argument("--threads", type=_number(int, "a whole number"), default=0,
                      help="CPU threads for torch [default: 0, the cores other work leaves free]")
    demo.set_defaults(func=cmd_demo)
    return parser


def _one_line_warnings(formatted):
    """formatwarning that writes ganforge's own warnings (skipped files, resized images) as one line, without
    Python's file and line; other packages' warnings as `formatted` writes them."""
    def format_warning(message, category, filename, lineno, line=None):
        if issubclass(category, UserWarning) and str(PACKAGE_DIR) in str(filename):
            return f"ganforge: note: {message}\n"
        return formatted(message, category, filename, lineno, line)
    return format_warning


PACKAGE_DIR = Path(__file__).parent


def main(argv=None) -> int:
    shown = warnings.formatwarning
    warnings.formatwarning = _one_line_warnings(shown)
    Parser.unknown = None
    try:
        args = build_parser().parse_args(argv)
        return args.func(args)
    except GanforgeError as e:
        print(f"ganforge: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("ganforge: interrupted", file=sys.stderr)
        return 130
    finally:
        warnings.formatwarning = shown


if __name__ == "__main__":
    raise SystemExit(main())
