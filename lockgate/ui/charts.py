"""Pictures for the model and monitoring pages, drawn with matplotlib as inline SVG (no files,
no JavaScript)."""

from __future__ import annotations

import io


def _svg(figure) -> str:
    import matplotlib.pyplot as plt

    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", bbox_inches="tight")
    plt.close(figure)
    text = buffer.getvalue()
    return text[text.index("<svg") :]  # drop the XML prologue and DOCTYPE: it is inlined


def _figure(width: float, height: float):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams["svg.hashsalt"] = "lockgate"  # stable element ids, so pages are reproducible
    return plt.subplots(figsize=(width, height))


def confusion_matrix(confusion: dict[str, dict[str, int]], classes: list[str]) -> str:
    """Rows: true class; columns: predicted class; each cell its count, shaded by row share."""
    import numpy as np

    counts = np.array([[confusion[t][p] for p in classes] for t in classes], dtype=float)
    share = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1)
    figure, axes = _figure(1.2 + 0.9 * len(classes), 1.0 + 0.8 * len(classes))
    axes.imshow(share, cmap="Blues", vmin=0, vmax=1)
    axes.set_xticks(range(len(classes)), classes, rotation=30, ha="right")
    axes.set_yticks(range(len(classes)), classes)
    axes.set_xlabel("predicted")
    axes.set_ylabel("true")
    for i in range(len(classes)):
        for j in range(len(classes)):
            axes.text(
                j,
                i,
                f"{int(counts[i, j])}",
                ha="center",
                va="center",
                color="white" if share[i, j] > 0.6 else "black",
            )
    axes.set_title("Confusion matrix (test split)")
    return _svg(figure)


def precision_recall(per_class: dict[str, dict[str, float]]) -> str:
    """Precision and recall of each class side by side."""
    import numpy as np

    classes = sorted(per_class)
    positions = np.arange(len(classes))
    figure, axes = _figure(1.5 + 0.9 * len(classes), 2.8)
    for offset, metric in ((-0.2, "precision"), (0.2, "recall")):
        axes.bar(positions + offset, [per_class[c][metric] for c in classes], 0.4, label=metric)
    axes.set_xticks(positions, classes, rotation=30, ha="right")
    axes.set_ylim(0, 1.05)
    axes.legend(loc="lower right")
    axes.set_title("Precision and recall per class (test split)")
    return _svg(figure)


def confidence_histogram(confidence: dict[str, list[int]]) -> str:
    """How sure the model was (top class probability), right and wrong predictions stacked."""
    import numpy as np

    from lockgate.training.evaluation import CONFIDENCE_EDGES

    left = CONFIDENCE_EDGES[:-1]
    width = np.diff(CONFIDENCE_EDGES)
    figure, axes = _figure(4.5, 2.8)
    axes.bar(left, confidence["correct"], width, align="edge", label="right", color="#4c9a2a")
    axes.bar(
        left,
        confidence["wrong"],
        width,
        align="edge",
        bottom=confidence["correct"],
        label="wrong",
        color="#c0392b",
    )
    axes.set_xlabel("confidence (top class probability)")
    axes.set_ylabel("test rows")
    axes.legend(loc="upper left")
    axes.set_title("Score distribution (test split)")
    return _svg(figure)


def drift_over_time(daily: list[dict], threshold: float) -> str:
    """Each feature's PSI on each judged day, with the drift threshold as a dashed line."""
    days = [d["run_date"] for d in daily]
    positions = list(range(len(days)))
    figure, axes = _figure(7.5, 3.2)
    for name in daily[0]["psi"]:
        axes.plot(positions, [d["psi"][name] for d in daily], marker="o", markersize=3, label=name)
    axes.axhline(
        threshold,
        color="#b42318",
        linestyle="--",
        linewidth=1,
        label=f"threshold (PSI {threshold:g})",
    )
    step = max(1, len(days) // 10)
    axes.set_xticks(positions[::step], days[::step], rotation=30, ha="right")
    axes.set_ylim(bottom=0)
    axes.set_ylabel("PSI")
    axes.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize="small")
    axes.set_title("Drift over time (PSI per day against the training reference)")
    return _svg(figure)
