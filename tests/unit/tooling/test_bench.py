"""The bench's own parts: what they compute from measurements, and how they measure."""

from __future__ import annotations

import hashlib
import math
import sys
from pathlib import Path

import pandas as pd
import pytest

from lockgate.tooling.bench.executors import peaks_by_executor, summed
from lockgate.tooling.bench.growth import growth_exponent
from lockgate.tooling.bench.measure import run_measured
from lockgate.tooling.bench.report import markdown, targets
from lockgate.tooling.bench.scale import generate_day, growth, kept_corpus
from lockgate.tooling.bench.scoring import agreement, local_copy
from lockgate.tooling.corpus import generate_corpus


@pytest.mark.parametrize("k", [0.5, 1.0, 1.3, 2.0])
def test_growth_exponent_recovers_a_power_law(k):
    points = [(n, 3.7 * n**k) for n in (10_000, 100_000, 1_000_000)]
    assert growth_exponent(points) == pytest.approx(k)
    assert growth_exponent(points[-2:]) == pytest.approx(k)


def test_growth_exponent_of_fixed_cost_plus_linear_is_below_one_and_needs_two_sizes():
    points = [(n, 60 + n / 1000) for n in (10_000, 100_000, 1_000_000)]
    assert 0.5 < growth_exponent(points) < 1.0
    assert growth_exponent(points[-2:]) == pytest.approx(math.log(1060 / 160) / math.log(10))
    with pytest.raises(ValueError, match="two or more distinct sizes"):
        growth_exponent([(10, 1.0), (10, 2.0)])


def test_growth_per_stage_uses_every_size_and_the_largest_two():
    runs = [
        {
            "documents": n,
            "seconds": 10 + n / 100,
            "stages": {"extract": {"seconds": n / 1000}, "train": {"seconds": (n / 1000) ** 1.2}},
        }
        for n in (1_000_000, 10_000, 100_000)
    ]
    result = growth(runs)
    assert result["extract"] == {"all_sizes": 1.0, "largest_two": 1.0}
    assert result["train"]["largest_two"] == pytest.approx(1.2, abs=1e-3)
    assert result["pipeline"]["largest_two"] < 1.0


def test_run_measured_sees_the_memory_a_child_process_holds():
    hold = "b = bytearray(300 * 1024 * 1024); b[::4096] = b'x' * len(b[::4096]); import time; time.sleep(1.5)"
    measured = run_measured([sys.executable, "-c", hold], interval=0.05)
    peak = measured.sampler.peak()
    assert measured.returncode == 0
    assert 300 <= peak["other_mb"] < 450
    assert peak["jvm_mb"] == 0 and peak["python_workers_mb"] == 0
    assert 1.5 <= measured.seconds < 10
    before = measured.sampler.peak(end=measured.started - 1)
    assert before["total_mb"] == 0


def test_a_process_that_execs_another_program_is_counted_in_its_new_role():
    """spark-submit is a shell script that execs java: the same pid, another program."""
    hold = "import time; b = bytearray(200 * 1024 * 1024); b[::4096] = b'x' * len(b[::4096]); time.sleep(1.5)"
    # The role's mark comes from the environment, so the shell's own command line lacks it.
    script = f'sleep 0.5; exec {sys.executable} -c "{hold}" "$ROLE_MARK"'
    env = {"ROLE_MARK": "pyspark.daemon", "PATH": "/usr/bin:/bin"}
    measured = run_measured(["bash", "-c", script], env=env, interval=0.05)
    peak = measured.sampler.peak()
    assert measured.returncode == 0
    assert 200 <= peak["python_workers_mb"] < 350 and peak["other_mb"] < 50


def _scores(path: Path, rows: list[tuple[str, str, float, str]]) -> str:
    path.mkdir(parents=True)
    pd.DataFrame(rows, columns=["doc_id", "prediction", "confidence", "decision"]).to_parquet(
        path / "part-0.parquet"
    )
    return f"file://{path.resolve()}"


def test_agreement_counts_every_kind_of_difference(tmp_path):
    a = _scores(
        tmp_path / "a",
        [
            ("1", "kyc", 0.9, "auto_route"),
            ("2", "custody", 0.5, "manual_review"),
            ("3", "kyc", 0.7, "auto_route"),
            ("4", "kyc", 0.7, "auto_route"),
        ],
    )
    b = _scores(
        tmp_path / "b",
        [
            ("3", "kyc", 0.7 + 1e-12, "manual_review"),
            ("1", "kyc", 0.9, "auto_route"),
            ("2", "payments", 0.5, "manual_review"),
            ("5", "kyc", 0.1, "auto_route"),
        ],
    )
    result = agreement(a, b)
    assert result == {
        "rows": 5,
        "missing_rows": 2,
        "prediction_mismatches": 1,
        "decision_mismatches": 1,
        "max_confidence_difference": pytest.approx(1e-12, rel=1e-3),
    }
    assert agreement(a, a)["prediction_mismatches"] == 0 and agreement(a, a)["missing_rows"] == 0


def _executor(jvm: int, python: int, other: int = 0) -> dict:
    mb = 1024 * 1024
    return {
        "peakMemoryMetrics": {
            "ProcessTreeJVMRSSMemory": jvm * mb,
            "JVMHeapMemory": 1,
            "ProcessTreePythonRSSMemory": python * mb,
            "ProcessTreeOtherRSSMemory": other * mb,
        }
    }


def test_executor_peaks_are_taken_per_executor_over_the_groups_stages_only():
    """The shape of Spark's REST answers (`/jobs`, `/stages/<id>?details=true`): a side's
    figure is, per executor, its largest peak over the side's stages, summed over executors;
    another group's stages and attempts without metrics do not count."""
    jobs = [
        {"jobId": 0, "jobGroup": "side-a", "stageIds": [0, 1]},
        {"jobId": 1, "jobGroup": "side-b", "stageIds": [2]},
        {"jobId": 2, "stageIds": [3]},
    ]
    stages = {
        0: [{"executorSummary": {"1": _executor(900, 300), "2": _executor(800, 100, 5)}}],
        1: [
            {"executorSummary": {"1": _executor(950, 200)}},
            {"executorSummary": {"2": {"peakMemoryMetrics": None}}},
        ],  # a retried attempt
        2: [{"executorSummary": {"1": _executor(5000, 5000)}}],
        3: [{"executorSummary": {"3": _executor(7000, 0)}}],
    }
    peaks = peaks_by_executor(jobs, stages, "side-a")
    assert set(peaks) == {"1", "2"}
    assert summed(peaks) == {
        "total_mb": 950 + 300 + 800 + 100 + 5,
        "jvm_mb": 1750,
        "python_workers_mb": 400,
        "other_mb": 5,
        "executors": 2,
    }
    assert summed(peaks_by_executor(jobs, stages, "side-c"))["executors"] == 0


SPARK_SIDES = """
import json, os, sys
os.environ["PYSPARK_PYTHON"] = sys.executable
from pyspark.sql import SparkSession
from lockgate.tooling.bench.executors import SPARK_METRICS, job_group_peaks

builder = SparkSession.builder.master("local[2]").appName("bench-executors-test")
for key, value in SPARK_METRICS.items():
    builder = builder.config(key, value)
spark = builder.getOrCreate()

def hold(batches):
    import time
    held = bytearray(200 * 1024 * 1024)
    held[::4096] = b"x" * len(held[::4096])  # touched, so resident
    time.sleep(2)
    yield from batches

spark.sparkContext.setJobGroup("holds", "holds")
spark.range(100, numPartitions=2).mapInPandas(hold, "id long").write.parquet(sys.argv[1])
spark.sparkContext.setJobGroup("light", "light")
spark.range(10).count()
print(json.dumps({group: job_group_peaks(spark, group) for group in ("holds", "light", "none")}))
spark.stop()
"""


def test_executor_peaks_come_from_sparks_own_process_tree_metrics_per_job_group(tmp_path):
    """A real session (its own: the metrics are set when it starts): a side whose two Python
    workers each hold 200 MB shows them, a light side run after it shows less, and a group
    that ran nothing shows no executor."""
    import json
    import subprocess

    script = tmp_path / "sides.py"
    script.write_text(SPARK_SIDES)
    done = subprocess.run(
        [sys.executable, str(script), str(tmp_path / "out")],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    peaks = json.loads(done.stdout.strip().splitlines()[-1])
    holds, light = peaks["holds"], peaks["light"]
    assert holds["executors"] == 1  # local mode: the driver is the executor
    assert holds["python_workers_mb"] >= 400 and holds["jvm_mb"] > 100, holds
    assert light["python_workers_mb"] < holds["python_workers_mb"] - 200, (light, holds)
    assert peaks["none"] == {
        "total_mb": 0.0,
        "jvm_mb": 0.0,
        "python_workers_mb": 0.0,
        "other_mb": 0.0,
        "executors": 0,
    }


def test_a_local_copy_of_a_local_uri_is_the_folder_itself(tmp_path):
    uri = _scores(tmp_path / "scores", [("1", "kyc", 0.9, "auto_route")])
    assert local_copy(uri, tmp_path / "copy") == (tmp_path / "scores").resolve()
    assert not (tmp_path / "copy").exists()


def _digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def test_a_day_generated_in_parallel_parts_is_the_day_generated_in_one(tmp_path):
    one = generate_corpus(
        tmp_path / "one/landing", tmp_path / "one/labels", "2026-11-20", 45, 3, pdf_layout="lines"
    )
    parts = generate_day(
        tmp_path / "two/landing",
        tmp_path / "two/labels",
        "2026-11-20",
        45,
        3,
        workers=2,
        min_part=10,
    )
    assert parts["processes"] == 2 and parts["documents"] == 45
    assert _digest(tmp_path / "one/landing") == _digest(tmp_path / "two/landing")
    assert (tmp_path / "one/labels/ground_truth.jsonl").read_bytes() == (
        tmp_path / "two/labels/ground_truth.jsonl"
    ).read_bytes()
    assert parts["by_format"] == one.by_format and parts["broken"] == one.broken
    assert not list((tmp_path / "two").glob("**/.parts-*"))


def test_a_sizes_corpus_is_generated_once_and_kept(tmp_path):
    folder, first = kept_corpus(tmp_path, "2026-11-20", 30, 3, workers=1)
    files = {p: p.stat().st_mtime_ns for p in folder.rglob("*") if p.is_file()}
    assert not first["reused"] and first["documents"] == 30
    assert len(list((folder / "landing").rglob("*.*"))) == 30
    again, second = kept_corpus(tmp_path, "2026-11-20", 30, 3, workers=1)
    assert again == folder and second == first | {"reused": True}
    assert {p: p.stat().st_mtime_ns for p in folder.rglob("*") if p.is_file()} == files
    # A corpus whose generation did not finish (no summary) is generated anew.
    (folder / "summary.json").unlink()
    (folder / "landing" / "stray.txt").write_text("half a run")
    _, third = kept_corpus(tmp_path, "2026-11-20", 30, 3, workers=1)
    assert not third["reused"] and not (folder / "landing" / "stray.txt").exists()


def test_pdfs_laid_out_line_by_line_hold_the_same_words(tmp_path):
    from lockgate.config import load_settings
    from lockgate.extraction.documents import extract_records
    from lockgate.extraction.parsed import Limits
    from lockgate.tooling.corpus.render import pdf_bytes

    text = "Subject line\n\n" + " ".join(f"word{i}" for i in range(900)) + "\n\nKind regards"
    limits = Limits.of(load_settings().policy.extraction)
    flowed = extract_records("a.pdf", pdf_bytes("t", text, "flowed"), limits)[0]
    lines = extract_records("a.pdf", pdf_bytes("t", text, "lines"), limits)[0]
    assert lines["quarantine_reason"] is None
    assert lines["masked_text"].split() == flowed["masked_text"].split() == text.split()
    with pytest.raises(ValueError, match="pdf layout"):
        pdf_bytes("t", text, "columns")


def _figures(vs_mlflow: float, vs_ceiling: float, k: float, parse: float) -> dict:
    side = {
        "rows_per_second": 1000,
        "seconds": [1.0],
        "peak": {"total_mb": 900.0, "jvm_mb": 500.0, "python_workers_mb": 300.0, "other_mb": 100.0},
    }
    same = {
        "rows": 10,
        "missing_rows": 0,
        "prediction_mismatches": 0,
        "decision_mismatches": 0,
        "max_confidence_difference": 0.0,
    }
    run = {
        "documents": 0,
        "seconds": 10.0,
        "peak": {"total_mb": 2048.0},
        "corpus": {"seconds": 1},
        "stages": {"extract_documents": {"seconds": 5.0}},
    }
    return {
        "profile": "local",
        "finished": "2026-11-24T00:00:00+00:00",
        "machine": {
            "cores": 2,
            "memory_gb": 23.4,
            "cpu": "test cpu",
            "versions": {"pyspark": "4.3.0", "scikit-learn": "1.9", "mlflow": "3"},
        },
        "scoring": [
            {
                "model": "routing",
                "version": "1",
                "rows": 10,
                "cores": 2,
                "repeats": 1,
                "sides": {"lockgate": side, "mlflow_spark_udf": side, "predict_proba_loop": side},
                "lockgate_vs_mlflow_spark_udf": vs_mlflow,
                "lockgate_vs_ceiling_times_cores": vs_ceiling,
                "spark_floor": side | {"rows_per_second": 4321},
                "agreement": {
                    "mlflow_spark_udf": same,
                    "predict_proba_loop": same | {"decision_mismatches": 3},
                },
            }
        ],
        "scale": {
            "runs": [run | {"documents": 100_000}, run | {"documents": 1_000_000}],
            "growth": {
                "pipeline": {"all_sizes": k, "largest_two": k},
                "extract_documents": {"all_sizes": k, "largest_two": k},
            },
        },
        "dags": [
            {
                "file": "a.py",
                "tasks": 3,
                "parse_seconds": parse,
                "pre_import_seconds": 0.4,
                "warm_seconds": 0.01,
            }
        ],
    }


def test_targets_are_judged_against_the_issues_limits():
    met = {t["target"]: t["met"] for t in targets(_figures(1.6, 0.75, 1.04, 0.15))}
    assert all(met.values()) and len(met) == 5
    missed = {t["target"]: t["met"] for t in targets(_figures(1.4, 0.65, 1.06, 0.25))}
    small = _figures(1.6, 0.75, 0.2, 0.15)
    small["scale"]["runs"] = [
        r | {"documents": n} for r, n in zip(small["scale"]["runs"], (1_000, 10_000), strict=True)
    ]
    assert not [t for t in targets(small) if "growth" in t["target"] or "memory" in t["target"]]
    assert sorted(name for name, ok in missed.items() if not ok) == [
        "parse a.py",
        "pipeline growth exponent 100,000 -> 1,000,000 documents",
        "scoring routing: lockgate / (loop x 2 cores)",
        "scoring routing: lockgate / mlflow spark_udf",
    ]


def test_markdown_shows_every_figure_and_a_disagreement():
    figures = _figures(1.6, 0.75, 1.04, 0.15)
    figures["targets"] = targets(figures)
    figures["scale"]["runs"][0] |= {"from": "bench-a.json", "code": "c0de"}
    text = markdown(figures)
    assert "The 100,000-document run is from bench-a.json: same code (c0de), same machine." in text
    assert (
        "| predict_proba_loop | 1,000 | 500 / 300 / 100 | **no**: 0 predictions, 3 decisions"
        in text
    )
    assert "| mlflow_spark_udf | 1,000 | 500 / 300 / 100 | yes" in text
    assert "the same plan with no model in it: 4,321 rows/s" in text
    assert "| extract_documents | 5.0 | 5.0 | 1.04 | 1.04 |" in text
    assert "| a.py | 3 | 0.15 | 0.4 | 0.01 |" in text
    assert "2 cores, 23.4 GB" in text


def test_python_workers_no_poll_saw_are_shown_as_not_observed_not_as_zero():
    figures = _figures(1.6, 0.75, 1.04, 0.15)
    case = figures["scoring"][0]
    case["sides"]["lockgate"] = case["sides"]["lockgate"] | {
        "peak": {"total_mb": 600.0, "jvm_mb": 500.0, "python_workers_mb": None, "other_mb": 100.0}
    }
    text = markdown(figures)
    assert "| lockgate | 1,000 | 500 / n/o / 100 | reference" in text
    assert "n/o: not observed, as the side's tasks ended between two" in text
    assert "n/o" not in markdown(_figures(1.6, 0.75, 1.04, 0.15))


def test_the_predict_proba_loop_scores_every_row_on_one_thread(tmp_path):
    """The ceiling runs on one core (HistGB's OpenMP would otherwise use them all) and decides
    every row as scoring does."""
    import json
    import subprocess

    import numpy as np
    from sklearn.ensemble import HistGradientBoostingClassifier

    from lockgate.scoring.batch import decide
    from lockgate.training.fit import model_to_bytes

    rng = np.random.default_rng(5)
    frame = pd.DataFrame({"a": rng.normal(size=3000), "b": rng.normal(size=3000)})
    labels = np.where(frame["a"] + frame["b"] > 0, "urgent", "routine")
    model = HistGradientBoostingClassifier(max_iter=20, random_state=0).fit(frame, labels)
    (tmp_path / "features").mkdir()
    frame.assign(doc_id=[f"d{i}" for i in range(3000)]).to_parquet(tmp_path / "features/p.parquet")
    (tmp_path / "model.skops").write_bytes(model_to_bytes(model))
    options = {"inputs": ["a", "b"], "thresholds": {"urgent": 0.9, "routine": 0.6}, "batch": 700}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "lockgate.tooling.bench.loop",
            str(tmp_path / "features"),
            str(tmp_path / "model.skops"),
            str(tmp_path / "out"),
            json.dumps(options),
        ],
        capture_output=True,
        text=True,
        check=True,
        env={"OMP_NUM_THREADS": "2", "PATH": ""},
    )
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    assert figures["rows"] == 3000 and figures["threads"] == 1 and figures["seconds"] > 0

    scores = (
        pd.read_parquet(tmp_path / "out").set_index("doc_id").loc[[f"d{i}" for i in range(3000)]]
    )
    prediction, confidence, decision = decide(
        model.predict_proba(frame), np.asarray(model.classes_), options["thresholds"]
    )
    assert list(scores["prediction"]) == list(prediction)
    assert list(scores["decision"]) == list(decision)
    assert np.allclose(scores["confidence"], confidence)


def test_earlier_runs_join_only_from_the_same_code_and_machine(tmp_path):
    import json

    from lockgate.tooling.bench.scale import earlier_runs

    machine = {"cores": 2, "memory_gb": 23.4, "cpu": "x"}

    def bench_file(name: str, code: str, sizes, **facts) -> Path:
        runs = [{"documents": n, "seconds": n / 100, "code": code} for n in sizes]
        path = tmp_path / name
        path.write_text(json.dumps({"machine": machine | facts, "scale": {"runs": runs}}))
        return path

    same = bench_file("bench-a.json", "c0de", (10_000, 100_000))
    lent = earlier_runs([same], "c0de", machine, [100_000, 1_000_000])
    assert [(r["documents"], r["from"]) for r in lent] == [
        (10_000, "bench-a.json")
    ]  # 100k is rerun
    other_code = bench_file("bench-b.json", "beef", (100_000,))
    with pytest.raises(ValueError, match="ran code beef, this bench runs c0de"):
        earlier_runs([other_code], "c0de", machine, [1_000_000])
    other_machine = bench_file("bench-c.json", "c0de", (100_000,), cores=8)
    with pytest.raises(ValueError, match="another machine"):
        earlier_runs([other_machine], "c0de", machine, [1_000_000])


def test_the_code_digest_follows_the_files_that_run(tmp_path):
    from lockgate.tooling.bench.measure import code_digest

    (tmp_path / "lockgate").mkdir()
    (tmp_path / "lockgate" / "a.py").write_text("x = 1\n")
    (tmp_path / "README.md").write_text("not code\n")
    first = code_digest(tmp_path)  # not a checkout: the files under the code paths
    (tmp_path / "README.md").write_text("changed, still not code\n")
    assert code_digest(tmp_path)["digest"] == first["digest"] and first["files"] == 1
    (tmp_path / "lockgate" / "tooling" / "bench").mkdir(parents=True)
    (tmp_path / "lockgate" / "tooling" / "bench" / "report.py").write_text(
        "# the bench measures, is not measured\n"
    )
    assert code_digest(tmp_path)["digest"] == first["digest"]
    (tmp_path / "lockgate" / "a.py").write_text("x = 2\n")
    assert code_digest(tmp_path)["digest"] != first["digest"]


def test_a_tasks_fixed_cost_is_reported_per_job_and_way_with_its_target():
    """`lockgate bench --only tasks`: medians per job and way, the table, and the issue's
    target (<= 5 s) judged on the Spark Connect server's rows only."""
    figures = _figures(1.6, 0.75, 1.04, 0.15)

    def row(job, way, fixed, work):
        return {
            "job": job,
            "way": way,
            "start": fixed - 1,
            "stop": 1.0,
            "work": work,
            "total": fixed + work,
            "fixed": fixed,
        }

    figures["tasks"] = [
        row("noop", "spark-submit", 13.0, 5.0),
        row("noop", "spark-submit", 13.4, 5.1),
        row("noop", "Spark Connect server", 2.3, 1.2),
        row("noop", "Spark Connect server", 6.5, 5.3),
        row("noop", "Spark Connect server", 2.1, 1.1),
        row("extract_documents", "Spark Connect server", 5.5, 13.0),
    ]
    found = {t["target"]: (t["figure"], t["met"]) for t in targets(figures)}
    assert found["fixed cost of a Spark task (noop, Spark Connect server)"] == (2.3, True)
    assert found["fixed cost of a Spark task (extract_documents, Spark Connect server)"] == (
        5.5,
        False,
    )
    assert not [t for t in found if "spark-submit" in t]
    figures["targets"] = targets(figures)
    text = markdown(figures)
    assert "| noop | spark-submit | 2 | 13.2 | 12.2 | 1.0 | 5.0 |" in text
    assert "| noop | Spark Connect server | 3 | 2.3 | 1.3 | 1.0 | 1.2 |" in text


def test_the_scan_floor_reads_every_text_once_with_each_engine_installed():
    import importlib.util

    from lockgate.tooling.bench.extraction import FLOOR_PATTERNS, scan_floor

    floor = scan_floor(["IBAN DE89 3704 0044 0532 0130 00, 1.234,56 EUR, anna@example.de"] * 50)
    assert len(FLOOR_PATTERNS) == 10 and floor["re"] > 0
    if importlib.util.find_spec("hyperscan") is not None:
        assert floor["hyperscan"] > 0
    else:
        assert floor["hyperscan"] is None


def test_markdown_shows_where_extraction_time_went_and_the_floor():
    from lockgate.tooling.bench.report import extraction_stage_lines

    lines = extraction_stage_lines(
        {
            "documents": 1000,
            "docs_per_second_per_core": 250.0,
            "stages": {"parse.pdf": {"ms_per_doc": 1.25, "share": 0.3125}},
            "floor": {"re": 8000.0, "hyperscan": 70000.0, "lockgate_share": 0.0036},
        },
        "the mix",
    )
    text = "\n".join(lines)
    assert "| parse.pdf | 1.250 | 31.2% |" in text
    assert "8,000.0 docs/s per core with Python's `re`, 70,000.0 with Hyperscan" in text
    assert "lockgate runs at 0.4% of the fastest" in text
