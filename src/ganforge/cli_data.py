"""`ganforge data build | show | inspect`: make, look at and check the emoji data."""
from __future__ import annotations

import argparse

from .commands import COMMANDS
from .data import emoji
from .data.folders import load_image_folders


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a number >= 1, got {value}")
    return value


def _add_common(parser, styles_default: str) -> None:
    parser.add_argument("--styles", default=styles_default,
                        help=f"comma-separated styles from {','.join(emoji.STYLES)} [default: {styles_default}]")
    parser.add_argument("--size", type=_positive_int, default=32, help="image side in pixels [default: 32]")
    parser.add_argument("--background", default="white",
                        help="colour that transparency is composited onto (name or #rrggbb) [default: white]")
    parser.add_argument("--cache", default=None, metavar="DIR",
                        help="cache folder [default: $GANFORGE_CACHE or the user cache folder]")


def cmd_build(args) -> int:
    styles = emoji.check_styles(args.styles)
    emoji.build_styles(styles, size=args.size, background=args.background, cache=args.cache)
    return 0


def cmd_show(args) -> int:
    styles = emoji.check_styles(args.styles)
    out = emoji.show_styles(styles, args.out, n=args.n, size=args.size, cache=args.cache,
                             seed=args.seed, background=args.background)
    print(f"wrote {out}")
    return 0


def cmd_inspect(args) -> int:
    domains = load_image_folders(args.data_dir, size=args.size, background=args.background, strict=args.strict,
                                 cache=args.cache)
    print(f"domains: {', '.join(domains)} (give them to --source/--target, or --style for a DCGAN)")
    return 0


def add_data_commands(commands) -> None:
    """Add `data build|show|inspect` to the top-level subparsers object `commands`."""
    data = commands.add_parser("data", help=COMMANDS["data"])
    actions = data.add_subparsers(dest="data_command", required=True, parser_class=type(data))

    build = actions.add_parser("build", help="download emoji styles from npm and cache them as arrays")
    _add_common(build, "apple,windows")
    build.set_defaults(func=cmd_build)

    show = actions.add_parser("show", help="draw the same emojis in each style side by side")
    _add_common(show, "apple,windows")
    show.add_argument("--out", default="emoji-styles.png", help="PNG to write [default: emoji-styles.png]")
    show.add_argument("--n", type=_positive_int, default=16, help="emojis (rows) to show [default: 16]")
    show.add_argument("--seed", type=int, default=0, help="which emojis are picked [default: 0]")
    show.set_defaults(func=cmd_show)

    inspect = actions.add_parser("inspect", help="load folders of your own images (or the course archive) and "
                                 "print the domains and counts")
    inspect.add_argument("--data-dir", required=True, metavar="PATH",
                         help="a folder of image folders (Cats/ Dogs/ [Test_Cats/ Test_Dogs/], trainA/ trainB/ testA/ "
                         "testB/, the course's Apple/ Test_Apple/ ...), one folder of images, or a .tar.gz of one")
    inspect.add_argument("--size", type=_positive_int, default=32, help="image side in pixels [default: 32]")
    inspect.add_argument("--background", default="white", help="colour behind transparency [default: white]")
    inspect.add_argument("--strict", action="store_true", help="stop at the first unreadable image")
    inspect.add_argument("--cache", default=None, metavar="DIR",
                         help="where a .tar.gz is extracted [default: $GANFORGE_CACHE or the user cache folder]")
    inspect.set_defaults(func=cmd_inspect)
