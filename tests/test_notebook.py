"""examples/explain.ipynb runs in a real Jupyter kernel (nbclient): no cell errors, and every
cell tagged ``rich-display`` shows a figure (Plotly's MIME type or HTML), not only text."""

from __future__ import annotations

from pathlib import Path

import pytest

nbclient = pytest.importorskip("nbclient")
nbformat = pytest.importorskip("nbformat")
pytest.importorskip("ipykernel")

NOTEBOOK = Path(__file__).parents[1] / "examples" / "explain.ipynb"
RICH = {"application/vnd.plotly.v1+json", "text/html"}


def test_the_example_notebook_runs_and_displays_figures(tmp_path):
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    client = nbclient.NotebookClient(notebook, timeout=180, kernel_name="python3",
                                     resources={"metadata": {"path": str(tmp_path)}})
    client.execute()  # raises CellExecutionError, naming the cell, if any cell errors
    tagged = [cell for cell in notebook.cells
              if "rich-display" in cell.get("metadata", {}).get("tags", [])]
    assert len(tagged) == 4
    for cell in tagged:  # (stream outputs, such as tqdm's import warning, aside)
        kinds = [set(output["data"]) for output in cell.outputs
                 if output.output_type in ("display_data", "execute_result")]
        assert kinds and all(k & RICH for k in kinds), (cell.source, kinds)
    assert len([o for o in tagged[2].outputs if o.output_type == "display_data"]) == 2
    assert (tmp_path / "dashboard.html").stat().st_size > 1_000_000  # plotly.js inline
