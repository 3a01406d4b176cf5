"""jinshu's benchmark: one command, figures and ratios against baselines measured in the same run.

    make bench                      # 100,000 and 1,000,000 enterprises
    python bench/run.py --sizes 20000 --rows 200000   # a quick run

Sections:
1. One full case end to end (validate, evaluate every item, explain): median and p99 latency,
   against OpenFisca's one case on three rules (no trace).
2. Three representative rules (p01_dc_power, p13_rent, p15_bid) over the same columnar registry:
   plain numpy (the floor), OpenFisca 46 (the peer), jinshu's set-based batch (DuckDB) and
   jinshu's vectorised backend on the same DuckDB tables; jinshu must equal numpy to the fen (and
   the vectorised results the DuckDB results on every column); OpenFisca's float error is
   reported.
3. Every item over the synthetic registry, per size, each size in its own process so that peak
   memory (max RSS) is its own: seconds, enterprises per second, result rows, on DuckDB and on the
   vectorised backend (which must give the same table); then baseline plus one reform (the fiscal
   simulation of `jinshu reform`) on the same registry.
4. Every item on each engine (bench/engines.py): DuckDB as the registry grows (100,000,
   1,000,000, 5,000,000 enterprises from Parquet), Spark local mode at 1,000,000.

Results are printed and written to bench/out/results.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import resource
import statistics
import subprocess
import sys
import time
from decimal import Decimal
from itertools import islice
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT.parent))

from bench import engines  # noqa: E402
from bench.peers import numpy_rules, openfisca_rules  # noqa: E402
from jinshu.calculator import calculate  # noqa: E402
from jinshu.facts.schema import RECORD_KINDS  # noqa: E402
from jinshu.facts.synthetic import generate_registry  # noqa: E402
from jinshu.facts.validate import validate_case  # noqa: E402
from jinshu.matching.batch import constants_for, evaluate_connection, run_rules  # noqa: E402
from jinshu.matching.columnar import registry_from_connection  # noqa: E402
from jinshu.matching.reform import load_reform, run_reform  # noqa: E402
from jinshu.matching.tables import (  # noqa: E402
    case_tables,
    enterprise_schema,
    record_schema,
    years_schema,
)
from jinshu.matching.vector_batch import SCHEMA, results_table, run_vector, to_arrow  # noqa: E402
from jinshu.rules.load import default_policy_set  # noqa: E402

YEAR = 2020
THREE = ("p01_dc_power", "p13_rent", "p15_bid")


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# --- 1. one case ---------------------------------------------------------------------------------


def single_case(n: int = 2000) -> dict[str, Any]:
    policy = default_policy_set()
    raws = list(generate_registry(n, seed=99))
    for raw in raws[:50]:
        calculate(raw, policy).as_dict()  # warm up
    times = []
    for raw in raws:
        start = time.perf_counter()
        calculate(raw, policy).as_dict()
        times.append(time.perf_counter() - start)
    times.sort()
    system = openfisca_rules.build_system()
    data = numpy_rules.make_data(200)
    peer = []
    for i in range(200):
        record = {k: v[i].item() for k, v in data.items()}
        start = time.perf_counter()
        openfisca_rules.compute_one(system, record)
        peer.append(time.perf_counter() - start)
    peer.sort()
    return {
        "cases": n,
        "median_ms": statistics.median(times) * 1000,
        "p99_ms": times[int(len(times) * 0.99) - 1] * 1000,
        "openfisca_three_rules_median_ms": statistics.median(peer) * 1000,
    }


# --- 2. three rules, the same data for every engine ---------------------------------------------


def _jinshu_tables(con: duckdb.DuckDBPyConnection, data: dict[str, np.ndarray]) -> None:
    """The peers' columnar registry as jinshu's registry tables (exact decimals, real dates)."""
    n = len(data["area"])
    raw = pa.table({k: pa.array(v) for k, v in data.items()} | {"i": pa.array(np.arange(n))})
    con.register("raw", raw)
    empty = {"years": years_schema()}
    for name, schema in empty.items():
        con.register(name, pa.Table.from_pylist([], schema=schema))
    for kind in RECORD_KINDS:
        if kind not in ("data_center", "lease", "contract"):
            con.register(f"records_{kind}", pa.Table.from_pylist([], schema=record_schema(kind)))
    money = "CAST(CAST({c} AS DECIMAL(38, 2)) * CAST('0.01' AS DECIMAL(3, 2)) AS DECIMAL(38, 12))"
    kinds = ", ".join(
        f"{'big_data' if f.name == 'kind_big_data' else 'FALSE'} AS {f.name}"
        for f in enterprise_schema()
        if f.name.startswith("kind_")
    )
    con.execute(
        f"""CREATE TABLE enterprises AS SELECT 'E' || i AS eid,
        CASE WHEN startup THEN (CASE WHEN within_window THEN DATE '2019-03-01' ELSE DATE '2015-03-01' END)
             ELSE (CASE WHEN within_window THEN DATE '2015-03-01' ELSE DATE '2011-03-01' END) END AS founded,
        TRUE AS registered_in_shanxi, TRUE AS hq_in_shanxi,
        CAST(NULL AS DECIMAL(38, 12)) AS max_main_revenue_before,
        '太原市' AS city, '小店区' AS county, {kinds} FROM raw"""
    )
    con.execute(
        f"""CREATE TABLE records_data_center AS SELECT 'E' || i AS eid, 0 AS idx, 'dc' AS record_id,
        CASE WHEN scale_large THEN 'large' ELSE 'small' END AS scale, packaged_base, market_trading,
        {money.format(c="electricity_fee_paid")} AS electricity_fee_paid,
        CAST(CAST(electricity_kwh AS DECIMAL(38, 3)) * CAST('0.001' AS DECIMAL(4, 3)) AS DECIMAL(38, 12))
            AS electricity_kwh,
        CAST(NULL AS VARCHAR) AS city, CAST(NULL AS VARCHAR) AS county FROM raw"""
    )
    con.execute(
        f"""CREATE TABLE records_lease AS SELECT 'E' || i AS eid, 1 AS idx, 'lease' AS record_id,
        CASE WHEN within_window THEN DATE '2020-03-01' ELSE DATE '2016-03-01' END AS start,
        government_built,
        CAST(CAST(area AS DECIMAL(38, 2)) * CAST('0.01' AS DECIMAL(3, 2)) AS DECIMAL(38, 12)) AS area,
        {money.format(c="annual_rent")} AS annual_rent FROM raw"""
    )
    con.execute(
        f"""CREATE TABLE records_contract AS SELECT 'E' || i AS eid, 2 AS idx, 'c' AS record_id,
        'P' || i AS project_key, won_by_tender, out_of_province,
        {money.format(c="contract_amount")} AS contract_amount,
        {money.format(c="completed_amount")} AS completed_amount FROM raw"""
    )
    con.execute(
        f"""CREATE TABLE history AS
        SELECT 'E' || i AS eid, 'p15_bid' AS item, {YEAR - 1} AS year, 'P' || i AS key,
               CAST(NULL AS INTEGER) AS level, {money.format(c="project_history")} AS amount
        FROM raw WHERE project_history > 0
        UNION ALL
        SELECT 'E' || i, 'p15_bid', {YEAR}, 'other-project', NULL, {money.format(c="year_history")}
        FROM raw WHERE year_history > 0"""
    )


def three_rules(rows: int) -> dict[str, Any]:
    data = numpy_rules.make_data(rows)
    start = time.perf_counter()
    floor = numpy_rules.compute(data)
    t_numpy = time.perf_counter() - start

    system = openfisca_rules.build_system()
    start = time.perf_counter()
    peer = openfisca_rules.compute(system, data)
    t_openfisca = time.perf_counter() - start

    policy = default_policy_set()
    con = duckdb.connect()
    _jinshu_tables(con, data)
    start = time.perf_counter()
    final = run_rules(con, policy, YEAR, constants_for(policy, YEAR), THREE)
    con.execute(f"CREATE TEMP TABLE results AS {final}")
    t_jinshu = time.perf_counter() - start
    con.register("floor", pa.table({"i": np.arange(rows)} | {k: floor[k] for k in THREE}))
    mismatches = {}
    for item in THREE:
        (differ,) = con.execute(
            f"""SELECT COUNT(*) FROM floor f LEFT JOIN results r
                ON r.eid = 'E' || f.i AND r.item = '{item}' AND r.st = 'eligible'
                WHERE COALESCE(CAST(r.amt * 100 AS BIGINT), 0) <> f.{item}"""
        ).fetchall()[0]
        mismatches[item] = int(differ)
    of_error = {item: int((peer[item] - floor[item]).sum()) for item in THREE}
    of_rows = {item: int((peer[item] != floor[item]).sum()) for item in THREE}
    vector = vector_three(con, data, floor)
    return {
        "vector": vector,
        "rows": rows,
        "numpy_s": t_numpy,
        "openfisca_s": t_openfisca,
        "jinshu_s": t_jinshu,
        "jinshu_vs_numpy_mismatches": mismatches,
        "openfisca_total_error_fen": of_error,
        "openfisca_rows_off": of_rows,
        "total_yuan": {item: str(Decimal(int(floor[item].sum())) / 100) for item in THREE},
    }


def _differing(con: duckdb.DuckDBPyConnection, left: str, right: str) -> int:
    """Rows of two results tables that differ on any column (or exist in one only)."""
    cols = [c for c in SCHEMA.names if c not in ("eid", "item", "idx")]
    differ = " OR ".join(f"a.{c} IS DISTINCT FROM b.{c}" for c in cols)
    (n,) = con.execute(
        f"SELECT COUNT(*) FROM {left} a FULL OUTER JOIN {right} b "
        f"ON a.eid = b.eid AND a.item = b.item AND a.idx = b.idx "
        f"WHERE a.eid IS NULL OR b.eid IS NULL OR {differ}"
    ).fetchone()
    return int(n)


def vector_three(
    con: duckdb.DuckDBPyConnection, data: dict[str, np.ndarray], floor: dict[str, np.ndarray]
) -> dict[str, Any]:
    """The three rules on the vectorised backend, from the same DuckDB tables as the SQL run.

    The registry is read into columns once (``load_s``); the rules are then timed cold and as the
    median of five runs, with the numpy floor's median of five beside them for the ratio.
    """
    policy = default_policy_set()
    constants = constants_for(policy, YEAR)
    start = time.perf_counter()
    reg = registry_from_connection(con)
    t_load = time.perf_counter() - start
    times = []
    for _ in range(5):
        start = time.perf_counter()
        run = run_vector(reg, policy, YEAR, constants, THREE)
        times.append(time.perf_counter() - start)
    floor_times = []
    for _ in range(5):
        start = time.perf_counter()
        numpy_rules.compute(data)
        floor_times.append(time.perf_counter() - start)
    start = time.perf_counter()
    table = pa.concat_tables([to_arrow(reg, rows) for rows in run.rows.values()])
    t_table = time.perf_counter() - start
    con.register("vresults", table)
    mismatches = {}
    for item in THREE:
        (differ,) = con.execute(
            f"""SELECT COUNT(*) FROM floor f LEFT JOIN vresults r
                ON r.eid = 'E' || f.i AND r.item = '{item}' AND r.st = 'eligible'
                WHERE COALESCE(CAST(r.amt * 100 AS BIGINT), 0) <> f.{item}"""
        ).fetchone()
        mismatches[item] = int(differ)
    con.execute(f"CREATE TEMP TABLE sresults AS SELECT {', '.join(SCHEMA.names)} FROM results")
    return {
        "load_s": t_load,
        "cold_s": times[0],
        "median_s": statistics.median(times),
        "numpy_median_s": statistics.median(floor_times),
        "to_table_s": t_table,
        "vectorised_items": run.vector,
        "sql_items": run.sql,
        "vs_numpy_mismatches": mismatches,
        "vs_duckdb_rows_differing": _differing(con, "sresults", "vresults"),
    }


# --- 3. every item over the synthetic registry (child process per size) --------------------------


def registry_child(size: int, objects: bool) -> dict[str, Any]:
    policy = default_policy_set()
    start = time.perf_counter()
    chunks: dict[str, list[pa.Table]] = {}
    registry = generate_registry(size, seed=2020)
    for _ in range(0, size, 50_000):
        # Validate and tabulate in chunks so that no more than 50,000 cases live at once.
        batch = [validate_case(raw, known_items=policy.items) for raw in islice(registry, 50_000)]
        for name, table in case_tables(batch).items():
            chunks.setdefault(name, []).append(table)
    con = duckdb.connect()
    for name, parts in chunks.items():
        con.register(name, pa.concat_tables(parts))
    t_setup = time.perf_counter() - start
    start = time.perf_counter()
    final = run_rules(con, policy, YEAR, constants_for(policy, YEAR))
    con.execute(f"CREATE TEMP TABLE results AS {final}")
    t_sql = time.perf_counter() - start
    (counted,) = con.execute("SELECT COUNT(*) FROM results").fetchall()[0]
    (total,) = con.execute("SELECT SUM(amt) FROM results WHERE st = 'eligible'").fetchall()[0]
    start = time.perf_counter()
    reg = registry_from_connection(con)
    t_load = time.perf_counter() - start
    start = time.perf_counter()
    run = run_vector(reg, policy, YEAR, constants_for(policy, YEAR))
    t_vector = time.perf_counter() - start
    start = time.perf_counter()
    vtable, _ = results_table(con, policy, YEAR, constants_for(policy, YEAR), reg=reg)
    t_vtable = time.perf_counter() - start
    con.register("vresults", vtable)
    con.execute(f"CREATE TEMP TABLE sresults AS SELECT {', '.join(SCHEMA.names)} FROM results")
    out = {
        "vector": {
            "load_s": t_load,
            "run_s": t_vector,
            "to_table_s": t_vtable,
            "enterprises_per_s": size / t_vector,
            "vectorised_items": len(run.vector),
            "sql_items": run.sql,
            "vs_duckdb_rows_differing": _differing(con, "sresults", "vresults"),
        },
        "enterprises": size,
        "setup_s": t_setup,
        "sql_to_table_s": t_sql,
        "enterprises_per_s": size / t_sql,
        "result_rows": counted,
        "result_rows_per_s": counted / t_sql,
        "total_yuan_sql_items": str(total),
        "peak_rss_mb": peak_rss_mb(),
    }
    reform = load_reform(
        ROOT.parent / "policies/shanxi-digital-economy/reforms/loan-interest-four-percent.yaml",
        policy,
    )
    start = time.perf_counter()
    report = run_reform(con, policy, reform, year=YEAR)
    out["baseline_plus_reform_s"] = time.perf_counter() - start
    out["reform_change_yuan"] = str(report["total"]["change"])
    out["peak_rss_mb"] = peak_rss_mb()
    if objects:
        start = time.perf_counter()
        evaluate_connection(policy, con, YEAR)
        out["with_python_objects_s"] = time.perf_counter() - start
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000,1000000", help="registry sizes, comma-separated")
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows for the three-rule race")
    parser.add_argument(
        "--engine-sizes", default="100000,1000000,5000000", help="DuckDB sizes for section 4"
    )
    parser.add_argument("--spark-sizes", default="1000000", help="Spark sizes for section 4")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--objects", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(registry_child(args.child, args.objects)))
        return
    out: dict[str, Any] = {"date": dt.date.today().isoformat()}
    print("1. one full case (validate, evaluate, explain)")
    out["single_case"] = s = single_case()
    print(
        f"   median {s['median_ms']:.3f} ms, p99 {s['p99_ms']:.3f} ms; OpenFisca three rules "
        f"{s['openfisca_three_rules_median_ms']:.3f} ms "
        f"(ratio {s['openfisca_three_rules_median_ms'] / s['median_ms']:.1f}x)"
    )
    print(f"2. three rules over {args.rows:,} enterprises")
    out["three_rules"] = t = three_rules(args.rows)
    print(
        f"   numpy {t['numpy_s']:.3f} s | OpenFisca {t['openfisca_s']:.3f} s | "
        f"jinshu {t['jinshu_s']:.3f} s  (jinshu/numpy {t['jinshu_s'] / t['numpy_s']:.1f}x, "
        f"jinshu/OpenFisca {t['jinshu_s'] / t['openfisca_s']:.2f}x)"
    )
    print(f"   jinshu vs numpy, results differing: {t['jinshu_vs_numpy_mismatches']}")
    print(f"   OpenFisca float error, total fen: {t['openfisca_total_error_fen']}")
    v = t["vector"]
    print(
        f"   jinshu vectorised {v['median_s']:.3f} s median of 5 (cold {v['cold_s']:.3f} s; "
        f"numpy median {v['numpy_median_s']:.3f} s): vectorised/numpy "
        f"{v['median_s'] / v['numpy_median_s']:.1f}x, vectorised/OpenFisca "
        f"{v['median_s'] / t['openfisca_s']:.2f}x, DuckDB/vectorised "
        f"{t['jinshu_s'] / v['median_s']:.0f}x; reading the tables into columns {v['load_s']:.1f} s, "
        f"results to an Arrow table {v['to_table_s']:.1f} s\n"
        f"   vectorised: {len(v['vectorised_items'])} items, on SQL {v['sql_items'] or 'none'}; "
        f"vs numpy differing {v['vs_numpy_mismatches']}; vs DuckDB rows differing "
        f"{v['vs_duckdb_rows_differing']}"
    )
    out["registry"] = []
    for size in [int(x) for x in args.sizes.split(",") if x]:
        print(f"3. every item over {size:,} synthetic enterprises")
        proc = subprocess.run(
            # Python result objects too, for the smaller registries only (memory).
            [sys.executable, __file__, "--child", str(size)]
            + (["--objects"] if size <= 100_000 else []),
            capture_output=True,
            text=True,
            check=True,
        )
        r = json.loads(proc.stdout)
        out["registry"].append(r)
        print(
            f"   SQL to a results table {r['sql_to_table_s']:.1f} s "
            f"({r['enterprises_per_s']:,.0f} enterprises/s, {r['result_rows_per_s']:,.0f} result "
            f"rows/s); with Python result objects "
            f"{r.get('with_python_objects_s', float('nan')):.1f} s; "
            f"setup {r['setup_s']:.1f} s; peak RSS {r['peak_rss_mb']:,.0f} MB\n"
            f"   baseline plus one reform (loan interest 5% → 4%): {r['baseline_plus_reform_s']:.1f} s, "
            f"cost change {r['reform_change_yuan']} yuan"
        )
        v = r["vector"]
        print(
            f"   vectorised {v['run_s']:.2f} s ({v['enterprises_per_s']:,.0f} enterprises/s, "
            f"DuckDB/vectorised {r['sql_to_table_s'] / v['run_s']:.0f}x), "
            f"{v['vectorised_items']} items vectorised, on SQL {v['sql_items'] or 'none'}; "
            f"reading the tables into columns {v['load_s']:.1f} s; with the results table "
            f"{v['to_table_s']:.1f} s; rows differing from DuckDB {v['vs_duckdb_rows_differing']}"
        )
    out["engines"] = []
    for kind, sizes in (("duckdb", args.engine_sizes), ("spark", args.spark_sizes)):
        for size in [int(x) for x in sizes.split(",") if x]:
            print(f"4. every item on {kind}, {size:,} enterprises (registry from Parquet)")
            engines.registry_dir(size)  # made outside the measurement
            out["engines"].append(engines.run(kind, size))
            print(engines.report_line(out["engines"][-1]))
    (ROOT / "out").mkdir(exist_ok=True)
    (ROOT / "out" / "results.json").write_text(json.dumps(out, indent=2), "utf-8")


if __name__ == "__main__":
    main()
