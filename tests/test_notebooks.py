"""The notebooks in notebooks/ run from top to bottom without an error, and are committed without outputs;
the benchmark results file notebook 04 plots; the screenshot script's exporter and its use of Chromium.

Each notebook is executed with nbclient in a fresh Python kernel, in the notebooks folder (as a user
opening it would), with a per-cell timeout. Skipped when nbclient (the ``notebooks`` extra) is absent.
"""

import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
CELL_TIMEOUT = 300  # seconds; the four notebooks take about 35 s together on 2 cores


def test_the_four_notebooks_exist():
    assert [p.name for p in NOTEBOOKS] == ["01_autograd_basics.ipynb", "02_transforms.ipynb",
                                           "03_optimisation.ipynb", "04_performance.ipynb"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_is_committed_without_outputs(path):
    nbformat = pytest.importorskip("nbformat")
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code and all(not c.outputs and c.execution_count is None for c in code)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs(path, monkeypatch):
    nbclient = pytest.importorskip("nbclient")
    nbformat = pytest.importorskip("nbformat")
    pytest.importorskip("ipykernel")
    pytest.importorskip("matplotlib")
    pytest.importorskip("scipy")
    monkeypatch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    nb = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(nb, timeout=CELL_TIMEOUT, kernel_name="python3",
                                     resources={"metadata": {"path": str(path.parent)}})
    client.execute()   # raises CellExecutionError, with the cell and its traceback, if a cell fails
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    kinds = {k for o in outputs if o.output_type in ("display_data", "execute_result") for k in o.get("data", {})}
    assert "image/png" in kinds   # every notebook plots
    if path.stem in ("01_autograd_basics", "02_transforms"):
        assert "image/svg+xml" in kinds   # fg.viz.draw
    if path.stem == "02_transforms":
        html = [o.data["text/html"] for o in outputs if "text/html" in o.get("data", {})]
        assert any("<td class='fg-prim'>while</td>" in h for h in html)   # the IR table, with control flow


# ----------------------------------------------------------------------------- the results file 04 plots

def test_benchmarks_save_writes_the_measurements_as_json(tmp_path, capsys):
    import json

    from benchmarks.__main__ import main

    path = tmp_path / "results.json"
    main(["--only", "small-grad", "--rounds", "1", "--save", str(path)])
    saved = json.loads(path.read_text(encoding="utf-8"))
    rows = saved["results"]
    assert {r["library"] for r in rows} >= {"funcgrad", "funcgrad.jit", "numpy"}
    assert all(set(r) == {"workload", "task", "library", "seconds"} and r["seconds"] > 0 for r in rows)
    assert {r["workload"] for r in rows} == {"small-grad"} and saved["versions"]["rounds"] == 1
    table = capsys.readouterr().out   # the printed table has the same numbers
    assert "| grad, x of shape (3,) |" in table


def test_committed_results_file_has_what_the_performance_notebook_reads():
    import json

    saved = json.loads((ROOT / "benchmarks" / "results.json").read_text(encoding="utf-8"))
    tasks = {(r["workload"], r["task"]) for r in saved["results"]}
    assert {w for w, _ in tasks} >= {"small-grad", "rosenbrock-hessian", "sparse-hessian"}
    for task in tasks:   # every task has funcgrad's time, the baseline of the ratios
        assert any(r["library"] == "funcgrad" for r in saved["results"] if (r["workload"], r["task"]) == task)


# ----------------------------------------------------------------------------- scripts/screenshot_notebook.py

def _script():
    import importlib.util

    spec = importlib.util.spec_from_file_location("screenshot_notebook", ROOT / "scripts" / "screenshot_notebook.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_built_in_exporter_renders_markdown_and_every_kind_of_output():
    nbformat = pytest.importorskip("nbformat")
    import numpy as np

    import funcgrad as fg

    script = _script()
    v4 = nbformat.v4
    ir = fg.make_ir(fg.grad(lambda x: np.sum(np.sin(x))))(np.ones(2))
    nb = v4.new_notebook(cells=[
        v4.new_markdown_cell("# Title\n\nSome `a<b>` code, **bold** and *italic*.\n\n- one\n- two\n\n1. first"),
        v4.new_code_cell("x = 1 < 2", execution_count=3, outputs=[
            v4.new_output("stream", name="stdout", text="a < b\n"),
            v4.new_output("display_data", data={"text/html": ir._repr_html_(), "text/plain": str(ir)}),
            v4.new_output("display_data", data={"image/svg+xml": fg.viz.draw(ir).text, "text/plain": "svg"}),
            v4.new_output("display_data", data={"image/png": "iVBORw0KGgo=\n", "text/plain": "png"}),
            v4.new_output("error", ename="ValueError", evalue="bad", traceback=["\x1b[31mValueError\x1b[39m: bad"]),
        ]),
    ])
    page = script.simple_html(nb, "t<itle")
    assert "<title>t&lt;itle</title>" in page
    assert "<h1>Title</h1>" in page and "<code>a&lt;b&gt;</code>" in page and "<b>bold</b>" in page
    assert "<i>italic</i>" in page and "<ul><li>one</li><li>two</li></ul><ol><li>first</li></ol>" in page
    assert "In [3]:" in page and "x = 1 &lt; 2" in page and "a &lt; b" in page
    assert "<td class='fg-prim'>cos</td>" in page and "<svg xmlns" in page
    assert "data:image/png;base64,iVBORw0KGgo=" in page
    assert "ValueError: bad" in page and "\x1b" not in page


def _png_size(path):
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def test_screenshot_in_headless_chromium(tmp_path):
    import shutil

    if not any(shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")):
        pytest.skip("no Chromium installed (apt-get install chromium)")
    script = _script()
    page = tmp_path / "page.html"
    page.write_text("<!DOCTYPE html><html><body style='margin:0'><div style='height:2345px'>tall</div></body></html>")
    assert script.page_height(page, width=640) == 2345
    png = tmp_path / "shot.png"
    script.screenshot(page, png, width=640, height=480)
    assert _png_size(png) == (640, 480)
