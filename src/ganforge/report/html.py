"""Page assembly: one self-contained HTML file with inline CSS, inline JS and data-URI images.

Nothing is fetched when the page opens (no scripts, fonts or style sheets from
elsewhere), so a report works from file://, attached to an e-mail or offline.
"""
from __future__ import annotations

import base64
import html
import math
from pathlib import Path

from ..fileio import write_text_atomically

MIME = {".png": "image/png", ".gif": "image/gif", ".jpg": "image/jpeg", ".jpeg": "image/jpeg"}


def esc(text) -> str:
    return html.escape(str(text), quote=True)


def data_uri(data: bytes | Path, mime: str | None = None) -> str:
    """Embed an image: bytes (with mime) or a file (mime from its suffix)."""
    if isinstance(data, (str, Path)):
        path = Path(data)
        mime = mime or MIME.get(path.suffix.lower(), "application/octet-stream")
        data = path.read_bytes()
    return f"data:{mime or 'image/png'};base64,{base64.b64encode(data).decode('ascii')}"


def img(data: bytes | Path, alt: str, cls: str = "", mime: str | None = None, **attrs) -> str:
    """An <img> with the picture embedded; extra attributes as keywords (data_step -> data-step)."""
    attrs = {"class": cls, **{k.replace("_", "-"): v for k, v in attrs.items()}}
    extra = "".join(f' {k}="{esc(v)}"' for k, v in attrs.items() if v not in ("", None))
    return f'<img src="{data_uri(data, mime)}" alt="{esc(alt)}"{extra}>'


def fmt(value, digits: int = 4) -> str:
    """A number as a person reads it: 4 significant digits (0.0003, 2972, 1.2e+05), no trailing noise."""
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:.{digits}g}" if math.isfinite(value) else str(value)
    return str(value)


def table(headers: list[str], rows: list[list[str]], cls: str = "", raw: bool = False) -> str:
    """A table; cells are escaped unless raw (then they are HTML already)."""
    cell = (lambda c: c) if raw else esc
    head = "".join(f"<th>{cell(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{cell(c)}</td>" for c in row) + "</tr>" for row in rows)
    return f'<table class="{cls}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def slider(frames: list[tuple[str, str]], label: str, ident: str) -> str:
    """Stacked images with a range input that shows one of them; frames are (caption, <img> html).

    Every frame is an <img> in the page (hidden but the one shown), so the slider
    needs no network and each picture can be checked to have loaded.
    """
    n = len(frames)
    if n == 1:  # nothing to slide through: the picture and its caption
        caption, image = frames[0]
        return (f'<div class="slider single" id="{esc(ident)}"><div class="slider-bar"><output>{esc(caption)}</output>'
                f'</div><div class="frames"><figure class="frame" data-caption="{esc(caption)}">{image}</figure>'
                "</div></div>")
    images = "".join(
        f'<figure class="frame" data-caption="{esc(caption)}"{"" if i == n - 1 else " hidden"}>{image}</figure>'
        for i, (caption, image) in enumerate(frames))
    return (f'<div class="slider" id="{esc(ident)}">'
            f'<div class="slider-bar"><span class="slider-label">{esc(label)}</span>'
            f'<input type="range" min="0" max="{n - 1}" value="{n - 1}" step="1" aria-label="{esc(label)}">'
            f'<output>{esc(frames[-1][0])}</output></div>'
            f'<div class="frames">{images}</div></div>')


def section(title: str, body: str, ident: str = "", note: str = "") -> str:
    """A card with a heading; `note` is HTML (a sentence on how to read what follows)."""
    attr = f' id="{esc(ident)}"' if ident else ""
    note_html = f'<p class="note">{note}</p>' if note else ""
    return f"<section{attr}><h2>{esc(title)}</h2>{note_html}{body}</section>"


def page(title: str, subtitle: str, body: str, nav: list[tuple[str, str]] = ()) -> str:
    links = "".join(f'<a href="#{esc(a)}">{esc(t)}</a>' for a, t in nav)
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="ganforge report">
<title>{esc(title)}</title>
<style>{CSS}</style>
</head>
<body>
<header><h1>{esc(title)}</h1><p class="subtitle">{subtitle}</p>{f'<nav>{links}</nav>' if links else ''}</header>
<main>
{body}
</main>
<footer>Written by <code>ganforge report</code> from the files in this folder only; every picture is embedded.</footer>
<script>{SCRIPT}</script>
</body>
</html>
"""


def write_page(path: Path, text: str) -> Path:
    """Write atomically: a browser never sees half a report."""
    return write_text_atomically(path, text)


CSS = """
:root { --ink:#1d2330; --muted:#5b6475; --line:#dde1e8; --bg:#f6f7f9; --card:#fff; --accent:#2f6fdf;
        --good:#d9f2e0; --bad:#fbe3e1; }
* { box-sizing: border-box; }
body { margin:0; background:var(--bg); color:var(--ink);
       font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
header { padding: 18px 28px 10px; background: var(--card); border-bottom: 1px solid var(--line); }
h1 { margin: 0 0 4px; font-size: 22px; font-weight: 650; }
h2 { margin: 0 0 10px; font-size: 17px; font-weight: 620; }
h3 { margin: 14px 0 6px; font-size: 14px; font-weight: 600; color: var(--muted); }
.subtitle { margin: 0; color: var(--muted); }
nav { margin-top: 8px; display: flex; gap: 14px; flex-wrap: wrap; }
nav a, a { color: var(--accent); text-decoration: none; }
nav a:hover, a:hover { text-decoration: underline; }
main { padding: 16px 28px; max-width: 1400px; }
section { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 14px 18px;
          margin-bottom: 16px; }
.note { color: var(--muted); margin: -4px 0 10px; font-size: 13px; }
table { border-collapse: collapse; font-variant-numeric: tabular-nums; }
th, td { padding: 4px 9px; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; }
thead th { background: #eef1f5; font-weight: 600; font-size: 12.5px; position: sticky; top: 0; }
td.num, th.num { text-align: right; }
.kv { display: grid; grid-template-columns: repeat(auto-fill, minmax(260px, 1fr)); gap: 0 18px; }
.kv div { display: flex; justify-content: space-between; gap: 10px; border-bottom: 1px solid var(--line);
          padding: 3px 0; }
.kv .k { color: var(--muted); }
.kv .v { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; font-size: 12.5px;
         text-align: right; overflow-wrap: anywhere; }
.better { color: var(--muted); font-size: 11px; }
.scroll { overflow-x: auto; max-width: 100%; }
img { image-rendering: pixelated; }
img.plot { image-rendering: auto; max-width: 100%; height: auto; display: block; }
.slider-bar { display: flex; align-items: center; gap: 12px; margin: 4px 0 8px; }
.slider-bar input { flex: 1; max-width: 520px; accent-color: var(--accent); }
.slider-bar output { font-variant-numeric: tabular-nums; min-width: 110px; font-weight: 600; }
.slider-label { color: var(--muted); min-width: 140px; }
.frames figure { margin: 0; }
.frames img { max-width: 100%; height: auto; border: 1px solid var(--line); }
.row { display: flex; gap: 22px; flex-wrap: wrap; align-items: flex-start; }
.row > div { flex: 0 1 auto; min-width: 0; }
.row > div.wide { flex: 1 1 560px; }
.row > div.gif { flex: 0 1 420px; }
.row > div.series { flex: 0 1 auto; }
.gif img { border: 1px solid var(--line); max-width: 100%; height: auto; }
table.gallery td { padding: 8px 8px; }
table.gallery img { width: 190px; height: auto; border: 1px solid var(--line); display: block; }
table.gallery .score { font-size: 12px; color: var(--muted); white-space: nowrap; margin-top: 3px; }
table.gallery .score b { color: var(--ink); font-weight: 600; }
table.gallery td:first-child { padding-right: 16px; }
table.gallery .cap { font-size: 11.5px; color: var(--muted); margin-top: 2px; }
table.gallery th.dir { text-align: center; border-left: 2px solid var(--line); }
table.gallery td.first { border-left: 2px solid var(--line); }
.name { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; font-size: 12.5px;
        white-space: nowrap; }
.status { display: inline-block; padding: 0 7px; border-radius: 9px; font-size: 12px; font-weight: 600; }
.status.done { background: var(--good); color: #1d6b35; }
.status.failed { background: var(--bad); color: #a32a1e; }
.status.pending, .status.running, .status.unfinished { background: #eef1f5; color: var(--muted); }
.error { color: #a32a1e; font-size: 12px; max-width: 420px; white-space: pre-wrap; }
table.sortable th[data-col] { cursor: pointer; user-select: none; vertical-align: bottom; }
table.sortable th.dir { text-align: center; font-size: 12px; color: var(--muted); }
table.sortable th small { color: var(--muted); font-weight: 500; white-space: nowrap; }
table.sortable .group { border-left: 2px solid var(--line); }
table.sortable th, table.sortable td { padding: 3px 6px; font-size: 13px; }
table.sortable th[data-col]:hover { background: #e2e7ef; }
table.sortable th[aria-sort="ascending"]::after { content: " ▲"; color: var(--accent); }
table.sortable th[aria-sort="descending"]::after { content: " ▼"; color: var(--accent); }
table.sortable td { white-space: nowrap; }
table.sortable tfoot td { color: var(--muted); font-style: italic; border-top: 2px solid var(--line); }
td.best { background: var(--good); font-weight: 600; }
td.worst { background: var(--bad); }
td.doubtful { background: #e4e6ea; color: #555f6d; }
td.doubtful::after { content: " ?"; }
pre.log { background: #f1f3f6; padding: 8px 10px; border-radius: 6px; font-size: 12px; max-height: 320px;
          overflow: auto; }
details summary { cursor: pointer; color: var(--accent); }
footer { color: var(--muted); font-size: 12px; padding: 4px 28px 24px; }
"""

SCRIPT = """
(function () {
  // Sliders: show the frame the range input points at.
  document.querySelectorAll('.slider').forEach(function (box) {
    var input = box.querySelector('input[type=range]');
    if (!input) { return; }
    var out = box.querySelector('output');
    var frames = box.querySelectorAll('.frames figure');
    function show() {
      var i = Number(input.value);
      frames.forEach(function (f, j) { f.hidden = (j !== i); });
      out.textContent = frames[i].getAttribute('data-caption');
    }
    input.addEventListener('input', show);
    show();
  });
  // Sortable tables: click a header to sort by its column; click again to reverse.
  document.querySelectorAll('table.sortable').forEach(function (tbl) {
    var heads = tbl.querySelectorAll('thead th[data-col]');
    heads.forEach(function (th) {
      var col = Number(th.getAttribute('data-col'));
      th.setAttribute('tabindex', '0');
      function sort() {
        var asc = th.getAttribute('aria-sort') !== 'ascending';
        heads.forEach(function (h) { h.removeAttribute('aria-sort'); });
        th.setAttribute('aria-sort', asc ? 'ascending' : 'descending');
        var body = tbl.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        function key(row) {
          var cell = row.cells[col];
          var v = cell ? cell.getAttribute('data-sort') : null;
          if (v === null) { v = cell ? cell.textContent.trim() : ''; }
          var n = parseFloat(v);
          return (v !== '' && !isNaN(n) && isFinite(v)) ? n : v;
        }
        rows.sort(function (a, b) {
          var x = key(a), y = key(b);
          var xe = (x === '' || x === '–'), ye = (y === '' || y === '–');
          if (xe || ye) { return xe === ye ? 0 : (xe ? 1 : -1); }  // empty cells last, either way
          var c = (typeof x === 'number' && typeof y === 'number') ? x - y : String(x).localeCompare(String(y));
          return asc ? c : -c;
        });
        rows.forEach(function (r) { body.appendChild(r); });
      }
      th.addEventListener('click', sort);
      th.addEventListener('keydown', function (e) {
        if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); sort(); }
      });
    });
  });
})();
"""
