"""glassboost.show: a rich bundle in a notebook kernel, text in a terminal; every black-box view
displays itself with the same bundle."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import glassboost
from glassboost import display as display_module
from glassboost.blackbox import PermutationImportance


@pytest.fixture(scope="module")
def importance():
    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.normal(size=(200, 3)), columns=["x", "<noise>", "z"])
    y = 3 * X["x"].to_numpy() + X["z"].to_numpy()
    return PermutationImportance(lambda rows: 3 * rows["x"].to_numpy() + rows["z"].to_numpy(),
                                 n_repeats=2).explain_global(X, y, name="Importance")


def test_show_in_a_terminal_prints_the_largest_scores_and_can_write_a_page(importance, capsys,
                                                                          tmp_path):
    assert not display_module.in_notebook()
    path = tmp_path / "importance.html"
    glassboost.show(importance, path=path)
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "Importance"
    assert lines[1].split()[0] == "x" and lines[2].split()[0] == "z"
    assert float(lines[1].split()[1]) == pytest.approx(importance.data()["scores"][0], rel=1e-3)
    assert lines[-1] == f"  figure written to {path}"
    assert 'class="gb-plot"' in path.read_text(encoding="utf-8")
    glassboost.show(importance, "x")
    assert "fields: type, name, score, repeats" in capsys.readouterr().out
    with pytest.raises(TypeError, match="not a DataFrame"):
        glassboost.show(pd.DataFrame())


def test_show_in_a_kernel_sends_plotly_html_and_text_once_with_plotly_js(importance,
                                                                         monkeypatch):
    pytest.importorskip("IPython")
    import IPython.display

    shown = []
    monkeypatch.setattr(display_module, "in_notebook", lambda: True)
    monkeypatch.setattr(display_module, "_plotly_js_sent", False)
    monkeypatch.setattr(IPython.display, "display",
                        lambda bundle, raw: shown.append((bundle, raw)))
    glassboost.show(importance)
    glassboost.show(importance, "x")
    (first, raw), (second, _) = shown
    assert raw is True
    assert first["application/vnd.plotly.v1+json"]["data"][0]["type"] == "bar"
    from plotly.offline import get_plotlyjs

    assert get_plotlyjs() in first["text/html"] and get_plotlyjs() not in second["text/html"]
    assert "Plotly.newPlot" in second["text/html"]
    assert first["text/plain"] == "<ImportanceExplanation 'Importance'>"
    # an explanation's own display in a cell is the same bundle
    bundle = importance._repr_mimebundle_()
    assert set(bundle) == {"application/vnd.plotly.v1+json", "text/html", "text/plain"}


def test_a_feature_key_is_a_name_or_a_whole_index_in_range(importance):
    names = importance.feature_names
    assert importance.data(-1)["name"] == names[-1] == importance.data(len(names) - 1)["name"]
    assert importance.data(np.int64(0))["name"] == names[0]
    # 1.5 and True were read as feature 1, and a past-the-end index failed deep inside
    for key in (1.5, True, len(names), -len(names) - 1):
        with pytest.raises(KeyError, match=rf"key {key!r} is neither a feature name nor"):
            importance.data(key)
