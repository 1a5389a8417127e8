"""The clickstream job as a PySpark batch job: the reference `npm run bench:spark` compares us with.

Reads an NDJSON file of page-view events (SPEC §2) and writes the three tables of SPEC §3-§4 for
2-minute windows sliding every minute, by event time, as JSON lines:

    OUT/client_page_visits/part-*.json    window_start, window_end, window_ts, client_id, topic, page, visits
    OUT/page_unique_visitors/part-*.json  window_start, window_end, window_ts, topic, page, visitors
    OUT/windows/part-*.json               window_start, window_end, window_ts, events

Times are Unix milliseconds. A window ending at E covers [E - 2m, E); windows end at multiples of the
slide from the epoch (what F.window does); window_ts is the smallest event timestamp in the window.
Over a whole file this batch computation is what our streaming job must equal (SPEC §3: in-order
input, or disorder within the lateness, gives the batch result).

    python bench/spark_job.py --events events.ndjson --out out/ --cores 2

When the rows are written it prints one JSON line {"rows_written_unix_s": ...} on stdout (the bench
stops Spark's clock there), then stops Spark.
"""

import argparse
import json
import os
import time

from pyspark.sql import SparkSession
from pyspark.sql import functions as F
from pyspark.sql import types as T

# Explicit, so Spark does not read the file twice to infer it; extra fields are ignored, as ours does.
EVENT_SCHEMA = T.StructType(
    [
        T.StructField("client_id", T.StringType()),
        T.StructField("timestamp", T.StringType()),
        T.StructField(
            "url",
            T.StructType([T.StructField("topic", T.StringType()), T.StructField("page", T.StringType())]),
        ),
    ]
)

WINDOW = ["window_start", "window_end"]


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", required=True, help="NDJSON file of events")
    parser.add_argument("--out", required=True, help="directory for the three tables (replaced)")
    parser.add_argument("--cores", type=int, default=os.cpu_count(), help="local[N] (default: all cores)")
    parser.add_argument("--driver-memory", default="4g")
    parser.add_argument("--shuffle-partitions", type=int, default=8)
    parser.add_argument("--window", default="2 minutes")
    parser.add_argument("--slide", default="1 minute")
    return parser.parse_args()


def main():
    args = parse_args()
    spark = (
        SparkSession.builder.appName("clickstream-reference")
        .master(f"local[{args.cores}]")
        .config("spark.driver.memory", args.driver_memory)
        # Timestamps without an offset are UTC (SPEC §2), whatever the machine's zone.
        .config("spark.sql.session.timeZone", "UTC")
        # A few MB per window: the default 200 shuffle partitions would be mostly empty tasks.
        .config("spark.sql.shuffle.partitions", str(args.shuffle_partitions))
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")

    # Events; a line Spark cannot read as one (malformed JSON, a missing field, a timestamp it cannot
    # parse) comes out with nulls and is dropped here. The bench's file holds valid events only: this
    # is not SPEC §2's validation, and it is not what the bench compares.
    events = (
        spark.read.schema(EVENT_SCHEMA)
        .json(args.events)
        .select(
            "client_id",
            F.col("url.topic").alias("topic"),
            F.col("url.page").alias("page"),
            F.try_to_timestamp("timestamp").alias("ts"),
        )
        .where(
            (F.length("client_id") > 0) & (F.length("topic") > 0) & (F.length("page") > 0) & F.col("ts").isNotNull()
        )
    )

    # Each event in every window that holds it (two, for 2m sliding by 1m).
    windowed = events.select(
        F.window("ts", args.window, args.slide).alias("window"), "client_id", "topic", "page", "ts"
    ).select(
        F.unix_millis(F.col("window.start")).alias("window_start"),
        F.unix_millis(F.col("window.end")).alias("window_end"),
        "client_id",
        "topic",
        "page",
        "ts",
    )

    # One row per (window, client, page): its visits, and its earliest event for the window's window_ts.
    # The other two tables are derived from it (as combineByKey would), so the events are shuffled once.
    visits = (
        windowed.groupBy(*WINDOW, "client_id", "topic", "page")
        .agg(F.count("*").alias("visits"), F.min("ts").alias("first_ts"))
        .cache()
    )

    windows = (
        visits.groupBy(*WINDOW)
        .agg(F.unix_millis(F.min("first_ts")).alias("window_ts"), F.sum("visits").alias("events"))
        .cache()
    )
    window_ts = F.broadcast(windows.select(*WINDOW, "window_ts"))  # one row per window

    client_page_visits = visits.join(window_ts, WINDOW).select(
        *WINDOW, "window_ts", "client_id", "topic", "page", "visits"
    )

    # visits has one row per client of a (window, page), so counting its rows counts distinct clients
    # exactly: countDistinct("client_id") over the events, without shuffling the events again.
    page_unique_visitors = (
        visits.groupBy(*WINDOW, "topic", "page")
        .agg(F.count("*").alias("visitors"))
        .join(window_ts, WINDOW)
        .select(*WINDOW, "window_ts", "topic", "page", "visitors")
    )

    tables = {
        "windows": windows.select(*WINDOW, "window_ts", "events"),
        "client_page_visits": client_page_visits,
        "page_unique_visitors": page_unique_visitors,
    }
    for name, table in tables.items():
        table.write.mode("overwrite").json(os.path.join(args.out, name))

    print(json.dumps({"rows_written_unix_s": time.time()}), flush=True)
    spark.stop()


if __name__ == "__main__":
    main()
