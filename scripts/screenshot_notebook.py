"""Execute a notebook, export it to HTML and screenshot the page in headless Chromium.

    python scripts/screenshot_notebook.py notebooks/02_transforms.ipynb /tmp/02.png [--html /tmp/02.html]
        [--width 1280] [--height 4000 | --full-page]

The notebook runs with nbclient in its own folder. The HTML comes from nbconvert when it is
installed, otherwise from the small exporter below (Markdown cells, code, text, HTML, SVG and PNG
outputs, tracebacks). The screenshot is taken by Debian's ``chromium`` (``apt-get install
chromium``) in headless mode, in a fresh profile directory, with networking features off.
Needs the ``notebooks`` extra (``pip install -e ".[notebooks]"``).
"""

from __future__ import annotations

import argparse
import base64
import html
import os
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile

CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--hide-scrollbars")


def execute(path: pathlib.Path, timeout: int = 600):
    """The notebook at ``path``, executed in a fresh kernel in its own folder."""
    import nbclient
    import nbformat

    nb = nbformat.read(path, as_version=4)
    nbclient.NotebookClient(nb, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}}).execute()
    return nb


def to_html(nb, title: str) -> str:
    """The executed notebook as one HTML page: nbconvert's when installed, else :func:`simple_html`."""
    try:
        from nbconvert import HTMLExporter
    except ImportError:
        return simple_html(nb, title)
    body, _ = HTMLExporter().from_notebook_node(nb)
    return body


# ----------------------------------------------------------------------------- a small exporter

_CSS = """
body { font-family: -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; max-width: 1180px;
       margin: 16px auto; color: #222; font-size: 14px; line-height: 1.45; }
.md h1 { font-size: 24px; margin: 10px 0 6px; } .md h2 { font-size: 19px; margin: 14px 0 4px; }
.md h3 { font-size: 16px; margin: 10px 0 4px; } .md p, .md ul, .md ol { margin: 4px 0; }
code, pre { font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 12px; }
.md code { background: #f2f2f2; padding: 0 3px; border-radius: 3px; }
.cell { display: flex; margin: 6px 0; } .prompt { width: 64px; flex: none; color: #307fc1;
       font-family: monospace; font-size: 12px; padding-top: 6px; text-align: right; padding-right: 8px; }
.prompt.out { color: #d84315; } .body { flex: 1; min-width: 0; }
.src { background: #f7f7f7; border: 1px solid #e0e0e0; border-radius: 3px; padding: 6px 8px; margin: 0;
       white-space: pre-wrap; }
.stream { margin: 2px 0; padding: 2px 8px; white-space: pre-wrap; }
.error { background: #fdd; padding: 4px 8px; white-space: pre-wrap; }
.output img { max-width: 100%; } .output svg { max-width: 100%; height: auto; }
"""

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def _inline(text: str) -> str:
    """Inline Markdown: code spans, bold, italics and links, on escaped text."""
    parts = re.split(r"(`[^`]*`)", text)
    out = []
    for part in parts:
        if part.startswith("`") and part.endswith("`") and len(part) > 1:
            out.append(f"<code>{html.escape(part[1:-1])}</code>")
            continue
        s = html.escape(part, quote=False)
        s = re.sub(r"\*\*(.+?)\*\*", r"<b>\1</b>", s)
        s = re.sub(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])", r"<i>\1</i>", s)
        s = re.sub(r"\[([^\]]+)\]\(([^)\s]+)\)", lambda m: f'<a href="{html.escape(m[2])}">{m[1]}</a>', s)
        out.append(s)
    return "".join(out)


def markdown(text: str) -> str:
    """Enough Markdown for notebook prose: headings, paragraphs, bullet and numbered lists, fenced code."""
    out: list[str] = []
    para: list[str] = []
    lst: list[str] = []
    kind = ""

    def flush() -> None:
        nonlocal kind
        if para:
            out.append(f"<p>{_inline(' '.join(para))}</p>")
            para.clear()
        if lst:
            out.append(f"<{kind}>" + "".join(f"<li>{_inline(i)}</li>" for i in lst) + f"</{kind}>")
            lst.clear()

    lines = iter(text.splitlines())
    for line in lines:
        stripped = line.strip()
        if stripped.startswith("```"):
            flush()
            code = []
            for inner in lines:
                if inner.strip().startswith("```"):
                    break
                code.append(inner)
            out.append(f"<pre class='src'>{html.escape(chr(10).join(code))}</pre>")
        elif m := re.match(r"(#{1,6})\s+(.*)", stripped):
            flush()
            out.append(f"<h{len(m[1])}>{_inline(m[2])}</h{len(m[1])}>")
        elif m := re.match(r"([-*]|\d+\.)\s+(.*)", stripped):
            if para:
                flush()
            new_kind = "ol" if m[1][0].isdigit() else "ul"
            if lst and new_kind != kind:
                flush()
            kind = new_kind
            lst.append(m[2])
        elif not stripped:
            flush()
        elif lst:
            lst[-1] += " " + stripped
        else:
            para.append(stripped)
    flush()
    return "".join(out)


def _output(o) -> str:
    if o.output_type == "stream":
        return f"<pre class='stream'>{html.escape(o.text)}</pre>"
    if o.output_type == "error":
        return f"<pre class='error'>{html.escape(_ANSI.sub('', chr(10).join(o.traceback)))}</pre>"
    data = o.get("data", {})
    if "text/html" in data:
        return f"<div class='output'>{data['text/html']}</div>"
    if "image/svg+xml" in data:
        return f"<div class='output'>{data['image/svg+xml']}</div>"
    if "image/png" in data:
        png = data["image/png"]
        png = png if isinstance(png, str) else base64.b64encode(png).decode()
        return f"<div class='output'><img src='data:image/png;base64,{png.strip()}'></div>"
    if "text/plain" in data:
        return f"<pre class='stream'>{html.escape(data['text/plain'])}</pre>"
    return ""


def simple_html(nb, title: str) -> str:
    """A self-contained HTML page of an executed notebook, without nbconvert."""
    cells = []
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            cells.append(f"<div class='cell'><div class='prompt'></div><div class='body md'>{markdown(cell.source)}"
                         "</div></div>")
        elif cell.cell_type == "code":
            n = cell.get("execution_count") or " "
            cells.append(f"<div class='cell'><div class='prompt'>In [{n}]:</div><div class='body'>"
                         f"<pre class='src'>{html.escape(cell.source)}</pre></div></div>")
            outs = "".join(_output(o) for o in cell.outputs)
            if outs:
                cells.append(f"<div class='cell'><div class='prompt out'></div><div class='body'>{outs}</div></div>")
    return (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
            f"<style>{_CSS}</style></head><body>{''.join(cells)}</body></html>")


# ----------------------------------------------------------------------------- screenshot

def find_chromium() -> str:
    """The path of a Chromium binary, or a clear error saying how to install one."""
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(name)
        if found:
            return found
    raise SystemExit("screenshot_notebook.py: no Chromium found on PATH; install Debian's package with "
                     "`apt-get update && apt-get install -y chromium`")


def _chromium(args: list[str], timeout: int) -> subprocess.CompletedProcess:
    with tempfile.TemporaryDirectory(prefix="fg-chromium-") as profile:
        cmd = [find_chromium(), *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    if proc.returncode != 0:
        raise SystemExit(f"screenshot_notebook.py: chromium failed (exit {proc.returncode}):\n{proc.stderr[-2000:]}")
    return proc


def page_height(html_path: pathlib.Path, width: int = 1280, timeout: int = 120) -> int:
    """The height in pixels of the page ``html_path`` laid out ``width`` pixels wide (Chromium's --dump-dom
    of a copy whose title the page's height replaces once loaded)."""
    probe = html_path.with_name(html_path.stem + ".height-probe.html")
    script = ("<script>addEventListener('load', () => { document.title = 'fg-height:' + "
              "Math.ceil(document.documentElement.scrollHeight); });</script>")
    probe.write_text(html_path.read_text(encoding="utf-8").replace("</body>", script + "</body>", 1),
                     encoding="utf-8")
    try:
        dom = _chromium(["--dump-dom", "--virtual-time-budget=5000", f"--window-size={width},1000",
                         probe.resolve().as_uri()], timeout).stdout
    finally:
        probe.unlink()
    found = re.search(r"fg-height:(\d+)", dom)
    if not found:
        raise SystemExit("screenshot_notebook.py: could not measure the page height; pass --height N instead")
    return int(found[1])


def screenshot(html_path: pathlib.Path, png_path: pathlib.Path, width: int = 1280, height: int = 4000,
               timeout: int = 120) -> None:
    """Render ``html_path`` in headless Chromium (fresh profile) and save a ``width`` x ``height`` PNG."""
    if png_path.exists():
        png_path.unlink()
    _chromium([f"--screenshot={png_path}", f"--window-size={width},{height}", html_path.resolve().as_uri()],
              timeout)
    if not png_path.exists():
        raise SystemExit(f"screenshot_notebook.py: chromium wrote no screenshot to {png_path}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebook", type=pathlib.Path)
    parser.add_argument("out", type=pathlib.Path, help="the PNG to write")
    parser.add_argument("--html", type=pathlib.Path, help="also keep the exported HTML here")
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--height", type=int, default=4000, help="pixels (default 4000)")
    parser.add_argument("--full-page", action="store_true", help="measure the page and capture all of it")
    parser.add_argument("--timeout", type=int, default=600, help="seconds per cell")
    args = parser.parse_args(argv)
    if not args.notebook.is_file():
        raise SystemExit(f"screenshot_notebook.py: no notebook at {args.notebook}")
    nb = execute(args.notebook.resolve(), args.timeout)
    page = to_html(nb, args.notebook.stem)
    with tempfile.TemporaryDirectory(prefix="fg-notebook-") as tmp:
        html_path = args.html or pathlib.Path(tmp) / f"{args.notebook.stem}.html"
        html_path.write_text(page, encoding="utf-8")
        args.out.parent.mkdir(parents=True, exist_ok=True)
        height = page_height(html_path, args.width) if args.full_page else args.height
        screenshot(html_path, args.out.resolve(), args.width, height)
    print(f"{args.out}: {os.path.getsize(args.out)} bytes, {args.width}x{height}", file=sys.stderr)


if __name__ == "__main__":
    main()
