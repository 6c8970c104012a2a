"""The notebooks in notebooks/ run from top to bottom without an error, and are committed without outputs.

Each notebook is executed with nbclient in a fresh Python kernel, in the notebooks folder (as a user
opening it would), with a per-cell timeout. Skipped when nbclient (the ``notebooks`` extra) is absent.
"""

import pathlib

import pytest

NOTEBOOKS = sorted((pathlib.Path(__file__).resolve().parent.parent / "notebooks").glob("*.ipynb"))
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
