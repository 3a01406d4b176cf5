"""Every item on each engine: DuckDB as the registry grows, Spark local mode at 1,000,000.

    python bench/engines.py --duckdb 100000,1000000,5000000 --spark 1000000

Registries are Parquet directories under bench/out/ (made once, then reused): the synthetic
generator validates each case for sizes up to 1,000,000; 5,000,000 is the 1,000,000 registry's
tables repeated five times under new enterprise ids, built as tables directly (no cases).
Each measurement runs in its own process, so that peak memory is its own. Timed: every item,
the rules across items and the split into one results table (``materialize``), then baseline
plus the reform of clause 15's yearly cap (``run_reform``).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from itertools import islice
from pathlib import Path
from typing import Any

import duckdb
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT.parent))

from jinshu.facts.synthetic import generate_registry  # noqa: E402
from jinshu.facts.validate import validate_case  # noqa: E402
from jinshu.matching.batch import constants_for, materialize  # noqa: E402
from jinshu.matching.engines import DuckDBEngine, Engine  # noqa: E402
from jinshu.matching.reform import load_reform, run_reform  # noqa: E402
from jinshu.matching.tables import case_tables, registry_table_schemas  # noqa: E402
from jinshu.rules.load import default_policy_set  # noqa: E402

YEAR = 2020
OUT = ROOT / "out"
REFORM = ROOT.parent / "policies/shanxi-digital-economy/reforms/lower-p15-annual-cap.yaml"
CHUNK = 50_000
TILE_FROM = 1_000_000
DUCKDB_MEMORY = "10GB"


def registry_dir(size: int) -> Path:
    """The Parquet registry of ``size`` enterprises, made if it is not there yet."""
    directory = OUT / f"registry-{size}"
    if (directory / "enterprises.parquet").is_file():
        return directory
    directory.mkdir(parents=True, exist_ok=True)
    if size > TILE_FROM and size % TILE_FROM == 0:
        _tile(registry_dir(TILE_FROM), directory, size // TILE_FROM)
        return directory
    policy = default_policy_set()
    schemas = registry_table_schemas()
    writers = {n: pq.ParquetWriter(directory / f"{n}.parquet", s) for n, s in schemas.items()}
    registry = generate_registry(size, seed=2020, year=YEAR)
    for _ in range(0, size, CHUNK):
        # Validated in chunks, so that no more than CHUNK cases live at once.
        batch = [validate_case(raw, known_items=policy.items) for raw in islice(registry, CHUNK)]
        for name, table in case_tables(batch).items():
            writers[name].write_table(table)
    for writer in writers.values():
        writer.close()
    return directory


def _tile(source: Path, target: Path, times: int) -> None:
    """``times`` copies of each table of ``source``, enterprise ids suffixed ``-1`` … ``-times``."""
    con = duckdb.connect()
    for name in registry_table_schemas():
        con.execute(
            f"COPY (SELECT * REPLACE (t.eid || '-' || k AS eid) "
            f"FROM read_parquet('{source / name}.parquet') t, range(1, {times + 1}) r(k)) "
            f"TO '{target / name}.parquet' (FORMAT parquet)"
        )
    con.close()


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _children_peak_rss_mb() -> float:
    """Peak memory of this process's live children (Spark's JVM), from /proc."""
    peak = 0
    for tasks in Path("/proc/self/task").glob("*/children"):
        for pid in tasks.read_text().split():
            status = Path(f"/proc/{pid}/status")
            for line in status.read_text().splitlines() if status.exists() else []:
                if line.startswith("VmHWM:"):
                    peak = max(peak, int(line.split()[1]))
    return peak / 1024


def _measure(engine: Engine, size: int, reform: bool) -> dict[str, Any]:
    policy = default_policy_set()
    start = time.perf_counter()
    materialize(engine, policy, YEAR, constants_for(policy, YEAR), "results")
    seconds = time.perf_counter() - start
    _, rows = engine.rows(
        "SELECT COUNT(*) AS n, SUM(CASE WHEN st = 'eligible' THEN amt END) AS total FROM results"
    )
    counted, total = rows[0]
    out = {
        "enterprises": size,
        "every_item_s": seconds,
        "enterprises_per_s": size / seconds,
        "result_rows": counted,
        "eligible_total_yuan": str(total),
    }
    if reform:
        start = time.perf_counter()
        report = run_reform(engine, policy, load_reform(REFORM, policy), year=YEAR)
        out["baseline_plus_reform_s"] = time.perf_counter() - start
        out["reform_change_yuan"] = str(report["total"]["change"])
    return out


def duckdb_child(size: int, reform: bool) -> dict[str, Any]:
    directory = registry_dir(size)
    con = duckdb.connect()
    # The machine is shared: DuckDB spills to disk past this rather than take 80% of memory.
    con.execute(f"SET memory_limit = '{DUCKDB_MEMORY}'")
    con.execute(f"SET temp_directory = '{OUT / 'duckdb-spill'}'")
    start = time.perf_counter()
    for file in sorted(directory.glob("*.parquet")):
        con.execute(f"CREATE TABLE {file.stem} AS SELECT * FROM read_parquet('{file}')")
    loaded = time.perf_counter() - start
    out = {"engine": "duckdb", "load_s": loaded, **_measure(DuckDBEngine(con), size, reform)}
    out["peak_rss_mb"] = _peak_rss_mb()
    return out


def spark_child(size: int, memory: str, reform: bool) -> dict[str, Any]:
    from jinshu.matching.engines.spark import SparkEngine, spark_session

    directory = registry_dir(size)
    start = time.perf_counter()
    engine = SparkEngine(spark_session("local[2]", memory=memory, partitions=8))
    engine.read_registry(directory)
    started = time.perf_counter() - start
    out = {"engine": "spark", "session_s": started, **_measure(engine, size, reform)}
    engine.close()
    out["peak_rss_mb"] = _peak_rss_mb()
    out["jvm_peak_rss_mb"] = _children_peak_rss_mb()
    return out


def run(kind: str, size: int, memory: str = "8g", reform_up_to: int = 1_000_000) -> dict[str, Any]:
    """One measurement in its own process (the reform too up to ``reform_up_to`` enterprises)."""
    reform = ["--reform"] if size <= reform_up_to else []
    proc = subprocess.run(
        [
            sys.executable,
            __file__,
            "--child",
            kind,
            "--size",
            str(size),
            "--memory",
            memory,
            *reform,
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def report_line(r: dict[str, Any]) -> str:
    reform = (
        f"baseline plus reform {r['baseline_plus_reform_s']:.1f} s "
        f"(change {r['reform_change_yuan']} yuan); "
        if "baseline_plus_reform_s" in r
        else ""
    )
    return (
        f"   {r['engine']} {r['enterprises']:,}: every item {r['every_item_s']:.1f} s "
        f"({r['enterprises_per_s']:,.0f} enterprises/s, {r['result_rows']:,} rows); "
        f"{reform}peak RSS {r['peak_rss_mb']:,.0f} MB"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duckdb", default="100000,1000000,5000000", help="registry sizes")
    parser.add_argument("--spark", default="1000000", help="registry sizes for Spark")
    parser.add_argument("--memory", default="8g", help="Spark driver memory")
    parser.add_argument(
        "--reform-up-to", type=int, default=1_000_000, help="largest size run with the reform too"
    )
    parser.add_argument("--reform", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--size", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child = (
            duckdb_child(args.size, args.reform)
            if args.child == "duckdb"
            else spark_child(args.size, args.memory, args.reform)
        )
        print(json.dumps(child))
        return
    results = []
    for kind, sizes in (("duckdb", args.duckdb), ("spark", args.spark)):
        for size in [int(x) for x in sizes.split(",") if x]:
            registry_dir(size)  # made before the clock starts, outside the measurement
            results.append(run(kind, size, args.memory, args.reform_up_to))
            print(report_line(results[-1]), flush=True)
    OUT.mkdir(exist_ok=True)
    (OUT / "engines.json").write_text(json.dumps(results, indent=2), "utf-8")


if __name__ == "__main__":
    main()
