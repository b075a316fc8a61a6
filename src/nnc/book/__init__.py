"""The five chapters' walkthroughs, each a configuration of nnc's engine.

One function per experiment of WALKTHROUGHS.md, the book's parameters as
defaults, returning a result object: its attributes are NumPy arrays (weights,
predictions, errors, ... per step) and its ``str`` prints the book's lines in
the book's format::

    >>> from nnc import book
    >>> print(book.g5_gradient_descent())
    G5: gradient descent, alpha 1
    Error:0.3025 Prediction:0.25
    Error:0.17015625 Prediction:0.3875
    Error:0.095712890625 Prediction:0.490625
    ....
    Error:1.7092608064e-05 Prediction:0.79586567925
    Error:9.61459203602e-06 Prediction:0.796899259437
    Error:5.40820802026e-06 Prediction:0.797674444578

Chapters: Grokking Deep Learning ch. 4 (``g1_...`` to ``g9_...``, and
:func:`alpha_sweep` beyond the book), Agile AI in Pharo ch. 4 (``a1_...`` to
``a7_...``), the sigmoid-neuron article (``s1_...``, ``s2_...``, and
:func:`s3_many_starts` beyond the article), Vasilev's
Advanced Deep Learning with Python ch. 2 (``v1_...`` to ``v9_...``), Grokking
ML appendix B (``m1_...`` to ``m6_...``).

:func:`all_walkthroughs` lists them in order; :data:`BOOK_NUMBERS` holds every
number the books print with the rule that compares nnc's value with it;
:func:`compare` runs the walkthroughs and evaluates the table that
``python -m nnc`` prints.
"""
from collections.abc import Mapping
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple, Union

from ._format import py2str
from ._results import (AlphaSweep, HotColdRun, LineFit, LossSurface, ManyStarts,
                       NeuronFit, Result, TraskRun)
from .agile import (a1_cost, a2_gradient_descent, a3_aligned_points, a4_noisy_line,
                    a5_minibatch_sgd, a6_timing, a7_sigmoid_derivative)
from .grokking_dl import (alpha_sweep, g1_compare, g2_hot_cold_step, g3_hot_cold,
                          g4_gradient_step, g5_gradient_descent,
                          g6_learning_reduces_error, g7_several_steps, g8_divergence,
                          g9_alpha)
from .grokking_ml import (m1_linear_regression, m2_perceptron_step,
                          m3_logistic_regression, m4_neural_network, m5_regularization,
                          m6_random_restarts)
from .numbers import BOOK_NUMBERS, BookNumber, Row, evaluate_rows, format_table
from .sigmoid_neuron import s1_sigmoid_neuron, s2_loss_surface, s3_many_starts
from .vasilev import (v1_probability, v2_information, v3_linear_algebra,
                      v4_activations, v5_universal_approximation, v6_xor, v7_costs,
                      v8_initialisers, v9_optimizers)

__all__ = [
    "py2str", "Result", "TraskRun", "HotColdRun", "AlphaSweep", "LineFit",
    "NeuronFit", "LossSurface", "ManyStarts", "BookNumber", "BOOK_NUMBERS", "Row",
    "WALKTHROUGHS", "RUNS", "CHAPTERS", "all_walkthroughs", "run", "run_all",
    "compare", "format_table",
    "g1_compare", "g2_hot_cold_step", "g3_hot_cold", "g4_gradient_step",
    "g5_gradient_descent", "g6_learning_reduces_error", "g7_several_steps",
    "g8_divergence", "g9_alpha", "alpha_sweep",
    "a1_cost", "a2_gradient_descent", "a3_aligned_points", "a4_noisy_line",
    "a5_minibatch_sgd", "a6_timing", "a7_sigmoid_derivative",
    "s1_sigmoid_neuron", "s2_loss_surface", "s3_many_starts",
    "v1_probability", "v2_information", "v3_linear_algebra", "v4_activations",
    "v5_universal_approximation", "v6_xor", "v7_costs", "v8_initialisers",
    "v9_optimizers",
    "m1_linear_regression", "m2_perceptron_step", "m3_logistic_regression",
    "m4_neural_network", "m5_regularization", "m6_random_restarts",
]

CHAPTERS = {
    "G": "Grokking Deep Learning, ch. 4 (Trask): hot/cold learning and gradient descent",
    "A": "Agile Artificial Intelligence in Pharo, ch. 4 (Bergel): learning theory",
    "S": "Sigmoid neuron learning algorithm explained with math (Kumar, padhAI)",
    "V": "Advanced Deep Learning with Python, ch. 2 (Vasilev): the nuts and bolts",
    "M": "Grokking Machine Learning, appendix B (Serrano): the math behind gradient descent",
}

#: Walkthrough id -> function, in the order of WALKTHROUGHS.md.
WALKTHROUGHS = {
    "G1": g1_compare, "G2": g2_hot_cold_step, "G3": g3_hot_cold,
    "G4": g4_gradient_step, "G5": g5_gradient_descent,
    "G6": g6_learning_reduces_error, "G7": g7_several_steps, "G8": g8_divergence,
    "G9": g9_alpha, "G+": alpha_sweep,
    "A1": a1_cost, "A2": a2_gradient_descent, "A3": a3_aligned_points,
    "A4": a4_noisy_line, "A5": a5_minibatch_sgd, "A6": a6_timing,
    "A7": a7_sigmoid_derivative,
    "S1": s1_sigmoid_neuron, "S2": s2_loss_surface,
    "V1": v1_probability, "V2": v2_information, "V3": v3_linear_algebra,
    "V4": v4_activations, "V5": v5_universal_approximation, "V6": v6_xor,
    "V7": v7_costs, "V8": v8_initialisers, "V9": v9_optimizers,
    "M1": m1_linear_regression, "M2": m2_perceptron_step,
    "M3": m3_logistic_regression, "M4": m4_neural_network, "M5": m5_regularization,
    "M6": m6_random_restarts,
}

#: Run key -> zero-argument callable.  Every walkthrough with its defaults, plus
#: the variants the books print (hot/cold with other step sizes, the absolute trick).
RUNS = dict(WALKTHROUGHS)
RUNS.update({
    "G3 step 0.2": lambda: g3_hot_cold(step=0.2, iterations=100),
    "G3 step 10": lambda: g3_hot_cold(step=10.0, iterations=100),
    "M1 absolute": lambda: m1_linear_regression(trick="absolute"),
})
_ORDER = {key: i for i, key in enumerate(WALKTHROUGHS)}
RUNS = dict(sorted(RUNS.items(), key=lambda kv: (_ORDER[kv[0].split()[0]], kv[0])))


def all_walkthroughs() -> List[Tuple[str, Callable[..., Result]]]:
    """``[(id, function), ...]`` for every walkthrough, in the books' order."""
    return list(WALKTHROUGHS.items())


def _select(keys, only):
    if only is None or (isinstance(only, (str, list, tuple)) and not only):
        return list(keys)
    items = only.split(",") if isinstance(only, str) else only
    if not isinstance(items, (list, tuple)) or not all(isinstance(w, str) for w in items):
        raise TypeError(f"only must be a string of walkthrough ids (\"G\", \"G5\", "
                        f"\"A1,S\") or a list of them, got {only!r}")
    wanted = [w.strip() for w in items]
    picked = [k for k in keys if any(k == w or k.split()[0] == w
                                     or (len(w) == 1 and k.startswith(w))
                                     for w in wanted)]
    if not picked:
        raise ValueError(f"no walkthrough matches {only!r}; ids are {', '.join(WALKTHROUGHS)}")
    return picked


def run(key: str) -> Result:
    """Run one walkthrough (or variant) by its key in :data:`RUNS` ("G5", "G3 step 10")."""
    try:
        fn = RUNS[key]
    except KeyError:
        raise KeyError(f"unknown walkthrough {key!r}; known: {', '.join(RUNS)}") from None
    return fn()


def run_all(only: Union[str, Sequence[str], None] = None, catch: bool = False) -> Dict[str, Any]:
    """Run every walkthrough (or those ``only`` selects: "G", "G5", "A1,S") and
    return ``{key: result}``; with ``catch=True`` a run that raises gives its
    exception as the value instead of stopping everything."""
    out = {}
    for key in _select(RUNS, only):
        if catch:
            try:
                out[key] = RUNS[key]()
            except Exception as exc:
                out[key] = exc
        else:
            out[key] = RUNS[key]()
    return out


def compare(only: Union[str, Sequence[str], None] = None,
            results: Optional[Mapping[str, Any]] = None) -> Tuple[List[Row], Mapping[str, Any]]:
    """Run the walkthroughs and compare every book number with nnc's.

    Returns ``(rows, results)``: the evaluated :class:`Row` list (``row.match``
    is True/False, or None for information rows) and the results by run key.
    ``results`` is a dict {run key: result} from an earlier :func:`run_all`,
    or None to run them now.
    """
    if results is not None and not isinstance(results, Mapping):
        raise TypeError(f"compare: results must be a dict {{run key: result}} (as "
                        f"run_all returns) or None, got {type(results).__name__}")
    numbers = [n for n in BOOK_NUMBERS if n.run in _select(RUNS, only)]
    if results is None:
        results = run_all(only, catch=True)
    return evaluate_rows(numbers, results), results
