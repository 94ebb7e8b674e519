"""The emoji packages ganforge builds its data from, pinned, and the names of their styles and emojis.

Sources (SPEC section 3), pinned in PACKAGES:
- apple, google, twitter, facebook: `emoji-datasource-<style>`, 64x64 PNGs in
  img/<style>/64/. Every emoji-datasource package ships the same emoji.json (the
  catalog: unified codepoint, name, category, has_img_<style>).
- windows: `@iconify-json/fluent-emoji-flat` (Microsoft's Fluent Emoji Flat): SVG
  bodies in icons.json, codepoint -> icon name in chars.json, rasterized with resvg.

Codepoints are compared in a normal form (lowercase hex, at least four digits,
variation selectors FE0E/FE0F dropped), which pairs about 1,590 Apple and Windows emojis.
"""
from __future__ import annotations

from dataclasses import dataclass

from ...errors import GanforgeError

STYLES = ("apple", "windows", "google", "twitter", "facebook")
DATASOURCE_STYLES = ("apple", "google", "twitter", "facebook")  # styles with PNGs in emoji-datasource-*


@dataclass(frozen=True)
class Package:
    name: str       # npm package name
    version: str    # exact version
    integrity: str  # sha512 SRI of the tarball, as `npm pack --json` reports it

    @property
    def spec(self) -> str:
        return f"{self.name}@{self.version}"

    @property
    def tarball_name(self) -> str:
        return f"{self.name.lstrip('@').replace('/', '-')}-{self.version}.tgz"


# Pinned 2026-11-23 with `npm view NAME version` and `npm pack NAME@VERSION --json`.
# A tarball whose digest differs is refused, so the data cannot change silently.
PACKAGES = {
    "catalog": Package("emoji-datasource", "16.0.0",
                       "sha512-/qHKqK5Nr3+8zhgO6kHmF43Fm5C8HNn0AaFRIpgw8HF3+uF0Vfc8jgLI1ZQS5ba1vBzksS8NBCjHejwLb2D/Sg=="),
    "apple": Package("emoji-datasource-apple", "16.0.0",
                     "sha512-dVYjsK0FnCry9F+PBtnivhG2K0xdwlmqYaSgiUtztUdAGPYiHYhZcVKvNBqC791g2qyEcFNTBO6utg4eQ3uLTw=="),
    "google": Package("emoji-datasource-google", "16.0.0",
                      "sha512-ZRexfzs7MVoLnmzZmNsO4TKhnAJp5D++Vm6PpUpH/jEQQlemp3l88CjZ+DoZ2faM9R4QxZkOPJCoT8DlPhfQ3A=="),
    "twitter": Package("emoji-datasource-twitter", "16.0.0",
                       "sha512-7F+uCuHH+7Qnrc15P5tnbvKkg9E6tlzi4MnT2uW1RlN4pLYTza6cP/dstIfSDMtpjFLWuZewWg8jBbuL2eyELQ=="),
    "facebook": Package("emoji-datasource-facebook", "16.0.0",
                        "sha512-b9ZxJdB7nMWGckH1vyCjPSosaa6MJYuojPPFiQ0LmDIZS8vlG454XKcmTFKrXIMAA72O4MRJMYFhvWI8pjyciQ=="),
    "windows": Package("@iconify-json/fluent-emoji-flat", "1.2.6",
                       "sha512-RY47RgPb47fYUiyrA64sIOL0+UU02s29sXpNBbIQRBUlPlfNFTKUmZDERGuxDs/7yNGWqQYvuaSYM1M4fRXlUw=="),
}


# chars.json (1.2.6) leaves out icons that are aliases of others; this is the one
# base emoji among them (its skin-tone aliases are not needed). Drawn as the
# mirror image of backhand-index-pointing-left.
FLUENT_EXTRA_CHARS = {"1f449": "backhand-index-pointing-right"}


def check_styles(styles, option: str = "--styles") -> list[str]:
    """Lowercased, de-duplicated style names in the given order; unknown names are an error."""
    if isinstance(styles, str):
        styles = styles.split(",")
    names = []
    for style in styles:
        style = style.strip().lower()
        if style and style not in names:
            names.append(style)
    unknown = [s for s in names if s not in STYLES]
    if unknown or not names:
        got = ", ".join(unknown) if unknown else "nothing"
        raise GanforgeError(f"{option}: unknown style {got}; choose from {', '.join(STYLES)} "
                            "(comma-separated, e.g. apple,windows)")
    return names


# Codepoints.
_VARIATION_SELECTORS = {"fe0e", "fe0f"}


def normalize_codepoint(text: str) -> str:
    """'0023-FE0F-20E3' -> '0023-20e3': lowercase hex, >= 4 digits, no variation selectors."""
    parts = [p for p in str(text).replace("_", "-").lower().split("-") if p]
    try:
        values = [int(p, 16) for p in parts]
    except ValueError:
        raise GanforgeError(f"{text!r} is not a codepoint sequence such as 1f600 or 0023-fe0f-20e3") from None
    return "-".join(f"{v:04x}" for v in values if f"{v:04x}" not in _VARIATION_SELECTORS)

