"""Score a folder, glob or manifest of videos in parallel: resumable, with a summary and an HTML report.

Each INPUT is a folder (searched recursively for video files), a glob pattern (quote it; '**'
recurses) or a CSV manifest with the columns path, patient_id, recorded_at, notes (relative paths
are resolved against the manifest's folder).

Results go to a SQLite database (default DIR/hipcam-results.db), one row per video content
(SHA-256) and analysis version, each committed as it arrives: re-running the same command skips
what is done, so an interrupted batch continues where it stopped. A failure counts for its path
and cause: a video that was missing or unreadable is tried again by itself on the next run, a copy
at another path is analysed anew; other failures stay failed until you pass --retry-failed.

Writes DIR/summary.csv, DIR/videos/*.json (hipcam.analysis/1) and *.png, and DIR/index.html (a
sortable table, a page per patient with progress over recording dates, a page per video).
Exit status 1 when any video failed.

Examples:
  hipcam batch recordings/ --out results/
  hipcam batch 'clinic/**/*.mov' manifest.csv --out results/ --workers 4 --timeout 900
  hipcam batch manifest.csv --out results/ --retry-failed
  hipcam batch /shared/videos --out /shared/results --scheduler tcp://10.0.0.5:8786
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from hipcam.commands.options import add_analysis_options, float_in, int_in

if TYPE_CHECKING:
    from hipcam.batch.inputs import VideoEntry
    from hipcam.batch.store import ResultStore

DEFAULT_TIMEOUT_S = 3600.0
DB_NAME = "hipcam-results.db"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.epilog = __doc__.split("\n", 2)[2]
    p.formatter_class = argparse.RawDescriptionHelpFormatter
    p.add_argument("inputs", nargs="+", metavar="INPUT",
                   help="a folder, a quoted glob pattern or a CSV manifest (several allowed)")
    p.add_argument("--out", required=True, metavar="DIR", help="output folder (created if needed)")
    p.add_argument("--db", metavar="PATH", help=f"results database (default: DIR/{DB_NAME})")
    p.add_argument("--workers", type=int_in(1, 10_000), default=os.cpu_count() or 1, metavar="N",
                   help=f"local worker processes (default: number of cores, {os.cpu_count()})")
    p.add_argument("--scheduler", metavar="ADDRESS",
                   help="run on a Dask distributed cluster instead, e.g. tcp://HOST:8786 "
                        "(needs hipcam[dask]; videos must be at the same paths on the workers)")
    p.add_argument("--timeout", type=float_in(0.0, 7 * 24 * 3600.0), default=DEFAULT_TIMEOUT_S, metavar="S",
                   help=f"most seconds one video may take; its worker is then replaced "
                        f"(default {DEFAULT_TIMEOUT_S:g}; 0 = no limit)")
    p.add_argument("--retry-failed", action="store_true",
                   help="analyse again the videos that failed in an earlier run")
    add_analysis_options(p)
    p.add_argument("--no-report", dest="report", action="store_false",
                   help="skip the HTML report (summary.csv and JSON are still written)")
    p.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                   help="progress bar on stderr (default: when stderr is a terminal)")
    p.add_argument("--json", metavar="PATH",
                   help="also write every video's figures as one hipcam.batch/1 JSON here ('-' = stdout)")
    p.add_argument("-q", "--quiet", action="store_true",
                   help="no summary (no start and totals lines, no progress bar unless --progress); "
                        "failed videos are still listed on stderr")


def _validate(args: argparse.Namespace) -> None:
    from hipcam.errors import EXIT_USAGE, HipcamError

    if args.workers < 1:
        raise HipcamError("--workers must be at least 1", EXIT_USAGE)
    if args.stride < 1:
        raise HipcamError("--stride must be at least 1", EXIT_USAGE)
    if args.pause_break <= 0:
        raise HipcamError("--pause-break must be positive", EXIT_USAGE)
    if args.target < 1:
        raise HipcamError("--target must be at least 1", EXIT_USAGE)
    if args.timeout < 0:
        raise HipcamError("--timeout must be 0 (no limit) or positive", EXIT_USAGE)
    if not args.scheduler and args.workers > 1:
        from hipcam.commands.options import cap_processes

        args.workers = cap_processes(args.workers, "--workers", "batch")


def _prepare_out_dir(out: Path) -> None:
    from hipcam.errors import OutputError

    if out.exists() and not out.is_dir():
        raise OutputError(f"--out {out} is a file, not a folder")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot create {out}: {exc.strerror or exc}") from None
    if not os.access(out, os.W_OK):
        raise OutputError(f"cannot write to {out}: permission denied")


def _check_batch_outputs(args: argparse.Namespace, entries: list[VideoEntry], out: Path) -> None:
    """Refuse (one line, before any hashing) a database or report file that is the same file as
    an input video, a manifest or the model; every later write in --out is checked too."""
    from hipcam.errors import OutputError
    from hipcam.safe_output import STDOUT, check_outputs

    if args.db and os.fspath(args.db) == STDOUT:
        raise OutputError("--db needs a database file, not standard output")
    inputs = [("the input video", e.path) for e in entries]
    inputs += [("the manifest", a) for a in args.inputs if os.path.isfile(a)]
    inputs.append(("--model", args.model))
    check_outputs({"--db": args.db or out / DB_NAME, "summary.csv": out / "summary.csv",
                   "index.html": out / "index.html"}, inputs)


def settings_key(model_sha256: str, stride: int, pause_break_s: float, target: int) -> str:
    """The settings part of a result key: results made with other settings are not reused."""
    return f"model={model_sha256[:16]};stride={stride};pause_break_s={pause_break_s:g};target={target}"


def hash_entries(entries: list[VideoEntry], store: ResultStore,
                 progress: Callable[[int, int], None] | None = None,
                 threads: int = 4) -> dict[str, str]:
    """``{path: sha256 or 'error:<message>'}`` for every entry, using the store's hash cache."""
    from concurrent.futures import ThreadPoolExecutor

    from hipcam.batch.store import sha256_file

    out: dict[str, str] = {}
    todo: list[tuple[str, int, int]] = []
    for e in entries:
        try:
            st = os.stat(e.path)
        except FileNotFoundError:
            out[e.path] = f"error:no such file: {e.path}"
            continue
        except OSError as exc:
            out[e.path] = f"error:cannot read {e.path}: {exc.strerror or exc}"
            continue
        if not os.path.isfile(e.path):
            out[e.path] = f"error:{e.path} is not a file"
            continue
        cached = store.cached_hash(e.path, st.st_size, st.st_mtime_ns)
        if cached:
            out[e.path] = cached
        else:
            todo.append((e.path, st.st_size, st.st_mtime_ns))

    def one(item: tuple[str, int, int]) -> tuple[str, int, int, str]:
        path, size, mtime = item
        try:
            return path, size, mtime, sha256_file(path)
        except OSError as exc:
            return path, size, mtime, f"error:cannot read {path}: {exc.strerror or exc}"

    with ThreadPoolExecutor(max_workers=threads) as pool:
        for k, (path, size, mtime, digest) in enumerate(pool.map(one, todo), start=1):
            out[path] = digest
            if not digest.startswith("error:"):
                store.remember_hash(path, size, mtime, digest)
            if progress is not None:
                progress(k, len(todo))
    return out


def run(args: argparse.Namespace) -> int:
    from hipcam import ANALYSIS_VERSION
    from hipcam.batch import htmlreport, outputs
    from hipcam.batch.inputs import discover
    from hipcam.batch.runner import Job, connect_dask, run_dask, run_local
    from hipcam.batch.store import ResultStore, failure_is_stale, sha256_file
    from hipcam.batch.worker import AnalysisTask, Outcome
    from hipcam.errors import EXIT_FAILED, InputMissingError
    from hipcam.pose import default_model_path
    from hipcam.progress import ProgressBar

    _validate(args)
    t_start = time.monotonic()
    entries = discover(args.inputs)
    if not entries:
        raise InputMissingError(f"no video files found in {' '.join(args.inputs)}")
    out = Path(args.out)
    _prepare_out_dir(out)
    _check_batch_outputs(args, entries, out)
    model = Path(args.model) if args.model else default_model_path()
    if not model.is_file():
        raise InputMissingError(f"pose model not found: {model}")
    model_path = str(model.resolve())
    params = settings_key(sha256_file(model_path), args.stride, args.pause_break, args.target)
    show = not args.quiet
    client = None
    if args.scheduler:
        client = connect_dask(args.scheduler)  # fail early, before any hashing

    def say(msg: str) -> None:
        if show:
            print(msg, file=sys.stderr, flush=True)

    with ResultStore(args.db or out / DB_NAME, ANALYSIS_VERSION, params) as store:
        bar_on = args.progress if args.progress is not None else (None if show else False)
        hbar = ProgressBar("hashing", unit="files", enabled=bar_on)
        try:
            hashes = hash_entries(entries, store, hbar.update)
        finally:
            hbar.close()
        known = [h for h in hashes.values() if not h.startswith("error:")]
        statuses = store.statuses(known)
        failures = store.failures(known)
        jobs: dict[str, Job] = {}
        for e in entries:
            h = hashes[e.path]
            if h.startswith("error:") or h in jobs:
                continue
            st = statuses.get(h)
            if st is None or (st == "failed" and (args.retry_failed or failure_is_stale(
                    failures.get(h), e.path))):
                jobs[h] = Job(h, e.path)
        n_unique = len({h for h in hashes.values() if not h.startswith("error:")})
        where = args.scheduler or f"{min(args.workers, max(len(jobs), 1))} local worker(s)"
        say(f"hipcam batch: {len(entries)} video(s), {n_unique - len(jobs)} already scored, "
            + (f"{len(jobs)} to analyse on {where}" if jobs else "nothing to analyse"))

        # the default model is left for each worker to find (on a cluster its path may differ)
        task = AnalysisTask(model_path=model_path if args.model else None, stride=args.stride,
                            pause_break_s=args.pause_break, target_reps=args.target)
        bar = ProgressBar("scoring", unit="videos", enabled=bar_on)
        done = {"ok": 0, "failed": 0}
        analysed: set[str] = set()

        def on_result(job: Job, outcome: Outcome) -> None:
            store.put(job.key, outcome["status"], job.path, error=outcome.get("error"),
                      doc=outcome.get("doc"), plot_png=outcome.get("plot_png"),
                      elapsed_s=outcome.get("elapsed_s"), worker=outcome.get("worker"))
            analysed.add(job.key)
            done[outcome["status"]] += 1
            bar.update(done["ok"] + done["failed"], len(jobs))

        job_list = list(jobs.values())
        bar.update(0, len(job_list))
        try:
            if client is not None:
                run_dask(job_list, task, on_result, client, timeout_s=args.timeout)
            else:
                run_local(job_list, task, on_result, workers=args.workers, timeout_s=args.timeout)
        except KeyboardInterrupt:
            bar.close()
            print(f"hipcam batch: stopped after {len(analysed)} of {len(job_list)} video(s); "
                  f"those results are saved in {store.path}: run the same command again to "
                  "continue", file=sys.stderr)
            raise
        finally:
            bar.close()
            if client is not None:
                client.close()

        rows: list[outputs.BatchRow] = []
        prov = htmlreport.Provenance(
            settings=[("stride", str(args.stride)), ("pause break", f"{args.pause_break:g} s"),
                      ("target", str(args.target)), ("model", model.name),
                      ("analysis version", str(ANALYSIS_VERSION))],
            pause_break_s=args.pause_break)
        root = htmlreport.batch_root([e.path for e in entries])
        for e in entries:
            h = hashes[e.path]
            if h.startswith("error:"):
                rows.append(outputs.BatchRow(e, "failed", error=h[len("error:"):]))
                continue
            res = store.get(h)
            if res is None:  # cannot happen unless the database was changed under us
                rows.append(outputs.BatchRow(e, "failed", error="no result stored", sha256=h))
                continue
            row = outputs.BatchRow(e, res.status, error=res.error or "", sha256=h, doc=res.doc,
                                   plot_png=res.plot_png, has_plot=res.plot_png is not None,
                                   from_earlier_run=h not in analysed)
            outputs.write_video_files(out, row, root)
            if args.report:
                htmlreport.write_video_page(out, row, args.target, prov, root)
            row.slim()
            rows.append(row)
        for r in rows:
            if not r.sha256 and args.report:
                htmlreport.write_video_page(out, r, args.target, prov, root)

    n_ok = sum(r.status == "ok" and not r.from_earlier_run for r in rows)
    n_skipped = sum(r.status == "ok" and r.from_earlier_run for r in rows)
    failed = [r for r in rows if r.status == "failed"]
    old_failed = sum(r.from_earlier_run for r in failed)
    totals = (f"{len(rows)} video(s): {n_ok} ok, {len(failed)} failed, {n_skipped} skipped "
              "(already scored)")
    if old_failed:
        totals += (f"; {old_failed} of them failed in an earlier run "
                   f"(--retry-failed analyses {'it' if old_failed == 1 else 'them'} again)")
    summary = outputs.write_summary(out, rows, root)
    index = htmlreport.write_report(out, rows, args.target, totals, prov) if args.report else None
    if args.json:
        doc = outputs.batch_json_bytes(rows, root, dict(prov.settings), totals)
        if args.json == "-":
            sys.stdout.write(doc.decode())
            sys.stdout.flush()
        else:
            outputs.atomic_write_bytes(args.json, doc)
    for r in failed[:20]:
        print(f"failed: {r.entry.path}: {r.error}", file=sys.stderr)
    if len(failed) > 20:
        print(f"... and {len(failed) - 20} more (see {summary})", file=sys.stderr)
    elapsed = time.monotonic() - t_start
    if show and args.json != "-":
        print(f"hipcam batch: {totals} in {elapsed:.1f} s; summary {summary}"
              + (f", report {index}" if index else ""))
    return EXIT_FAILED if failed else 0
