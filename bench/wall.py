"""The wall benchmark: walls of 4, 9 and 16 tiles on the sub and main profile, against FFmpeg.

    python -m bench.wall                     # full: 12 runs of 10 s (composited and native)
    python -m bench.wall --quick             # under 40 s: 9 sub + 4 main, composited, 4 s each
    python -m bench.wall --json out.json     # also write the results as JSON
    python -m bench.wall --write-doc         # full run, then regenerate docs/performance.md
    python -m bench.wall --write-doc --from-json bench/results/wall-full.json

One demo hub process serves every run; each run is a fresh console process (`--one-run`), and
right after it the FFmpeg reference decodes the same streams in another process
(`--reference`). See bench/README.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench import _report
from bench._harness import RunSpec
from tests.support.hubproc import HubProcess

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "performance.md"
FULL_RESULTS = ROOT / "bench" / "results" / "wall-full.json"
SPARE_CAMERAS = 8  # cameras beyond the largest wall, for call-up trials
DISTURBED_CORES = 0.25  # other programs' CPU during a run above which it is marked disturbed


def full_plan() -> list[RunSpec]:
    return [
        RunSpec(tiles, profile, path)
        for path in ("composited", "native")
        for profile in ("sub", "main")
        for tiles in (4, 9, 16)
    ]


def quick_plan() -> list[RunSpec]:
    return [RunSpec(9, "sub", "composited"), RunSpec(4, "main", "composited")]


# -- child processes ---------------------------------------------------------------------------
def _child(args: list[str], env: dict[str, str], timeout_s: float) -> dict[str, Any]:
    """Run `python -m bench.wall ARGS --json FILE` and return the JSON it wrote."""
    with tempfile.TemporaryDirectory(prefix="tessera-bench-") as tmp:
        out = Path(tmp) / "result.json"
        log = Path(tmp) / "stderr.log"
        started = time.monotonic()
        with log.open("w") as err:
            try:
                proc = subprocess.run(
                    [sys.executable, "-m", "bench.wall", *args, "--json", str(out)],
                    cwd=ROOT,
                    env={**os.environ, "TESSERA_CONFIG_DIR": str(Path(tmp) / "config"), **env},
                    stdout=subprocess.DEVNULL,
                    stderr=err,
                    timeout=timeout_s,
                    check=False,
                )
                code: int | str = proc.returncode
            except subprocess.TimeoutExpired:
                code = f"timed out after {timeout_s:.0f} s"
        if out.exists():
            data = dict(json.loads(out.read_text()))
            data["process_s"] = round(time.monotonic() - started, 2)
            return data
        tail = log.read_text().strip().splitlines()[-6:]
        raise RuntimeError(f"exit {code}: " + " | ".join(tail))


def measure(
    spec: RunSpec,
    hub: HubProcess,
    *,
    seconds: float,
    settle_s: float,
    callups: int,
    callup_wait_s: float,
    env: dict[str, str],
    live_buffer_ms: int | None = None,
) -> dict[str, Any]:
    """One run (console process) and its reference (FFmpeg process), merged."""
    common = ["--hub", hub.url, "--hub-pid", str(hub.pid), "--seconds", str(seconds)]
    buffer = ["--live-buffer-ms", str(live_buffer_ms)] if live_buffer_ms is not None else []
    budget = 90 + settle_s + seconds + callups * (callup_wait_s + 3)
    run: dict[str, Any]
    try:
        run = _child(
            [
                "--one-run",
                str(spec),
                *common,
                "--settle",
                str(settle_s),
                "--callups",
                str(callups),
                "--callup-wait",
                str(callup_wait_s),
                *buffer,
            ],
            env,
            budget,
        )
    except RuntimeError as exc:
        return {"tiles": spec.tiles, "profile": spec.profile, "path": spec.path, "error": str(exc)}
    try:
        ref = _child(
            [
                "--reference",
                f"profile={spec.profile},cameras={'+'.join(run['camera_ids'])}",
                *common,
            ],
            {},
            60 + seconds,
        )
        run["reference"] = ref
        run["reference_cpu_per_tile"] = round(ref["cpu_per_stream"], 4)
        run["ratio"] = (
            round(run["cpu_per_tile"] / ref["cpu_per_stream"], 2) if ref["cpu_per_stream"] else None
        )
    except RuntimeError as exc:
        run["reference"] = {"error": str(exc)}
        run["reference_cpu_per_tile"] = None
        run["ratio"] = None
        run["notes"].append(f"reference failed: {exc}")
    return run


def versions() -> dict[str, str]:
    out = {"libvlc": "unavailable", "pyav": "unavailable", "pyside6": "unavailable"}
    try:
        import vlc

        out["libvlc"] = vlc.libvlc_get_version().decode()
    except Exception as exc:
        out["libvlc"] = f"unavailable ({type(exc).__name__})"
    try:
        import av

        codec = ".".join(str(v) for v in av.library_versions.get("libavcodec", ()))
        out["pyav"] = f"{av.__version__} (libavcodec {codec})"
    except Exception:
        pass
    try:
        import PySide6

        out["pyside6"] = PySide6.__version__
    except Exception:
        pass
    return out


def run_bench(args: argparse.Namespace, argv: list[str]) -> dict[str, Any]:
    from bench._system import machine_info
    from tests.support.xvfb import Xvfb

    plan = quick_plan() if args.quick else full_plan()
    if args.runs:
        plan = [RunSpec.parse(r) for r in args.runs]
    seconds = args.seconds or (4.0 if args.quick else 10.0)
    settle = args.settle if args.settle is not None else (1.0 if args.quick else 2.0)
    callups = args.callups if args.callups is not None else (3 if args.quick else 12)
    cameras = max(s.tiles for s in plan) + SPARE_CAMERAS
    started = time.monotonic()
    hub = HubProcess(cameras=cameras).start()
    xvfb = None
    try:
        offered = hub.camera_ids()
        if len(offered) < max(s.tiles for s in plan):
            raise RuntimeError(
                f"the demo hub offers {len(offered)} cameras, fewer than the largest wall"
                " (does it take --cameras?)"
            )
        if any(s.path == "native" for s in plan):
            xvfb = Xvfb(size="1920x1080x24", first_display=120)
        info = versions()
        result: dict[str, Any] = {
            "machine": machine_info(),
            "libvlc": info["libvlc"],
            "pyav": info["pyav"],
            "pyside6": info["pyside6"],
            "command": ["python", "-m", "bench.wall", *argv],
            "date": dt.datetime.now(dt.timezone.utc).astimezone().isoformat(timespec="seconds"),
            "quick": bool(args.quick),
            "seconds": seconds,
            "settle_s": settle,
            "callups_per_run": callups,
            "hub": {"cameras": len(offered), "process": "python -m demohub"},
            "targets": [t.to_json() for t in _report.TARGETS],
            "runs": [],
        }
        retries = args.retries if args.retries is not None else (0 if args.quick else 2)
        for index, spec in enumerate(plan, 1):
            print(f"[{index}/{len(plan)}] {spec} ...", flush=True)
            env = xvfb.env if (spec.path == "native" and xvfb) else {"QT_QPA_PLATFORM": "offscreen"}
            attempts: list[dict[str, Any]] = []
            while True:
                run = measure(
                    spec,
                    hub,
                    seconds=seconds,
                    settle_s=settle,
                    callups=callups,
                    callup_wait_s=args.callup_wait,
                    env=env,
                    live_buffer_ms=args.live_buffer_ms,
                )
                attempts.append(run)
                other = run.get("other_cores") or 0.0
                if run.get("error") or other <= DISTURBED_CORES or len(attempts) > retries:
                    break
                print(f"    other programs used {other:.2f} cores: measuring again", flush=True)
            run = min(attempts, key=lambda r: (bool(r.get("error")), r.get("other_cores") or 0.0))
            if (run.get("other_cores") or 0.0) > DISTURBED_CORES:
                run["notes"].append(
                    f"disturbed: other programs used {run['other_cores']:.2f} cores meanwhile"
                    f" (best of {len(attempts)} attempts)"
                )
            run["attempts"] = len(attempts)
            if not run.get("error"):
                run["targets"] = _report.evaluate(run)
            result["runs"].append(run)
            print(f"    {_report.summary_line(run)}", flush=True)
        result["wall_time_s"] = round(time.monotonic() - started, 1)
        return result
    finally:
        hub.stop()
        if xvfb is not None:
            xvfb.stop()


def _write_json(data: dict[str, Any], target: str) -> None:
    text = json.dumps(data, indent=2) + "\n"
    if target == "-":
        sys.stdout.write(text)
        sys.stdout.flush()
    else:
        Path(target).parent.mkdir(parents=True, exist_ok=True)
        Path(target).write_text(text)


def write_doc(result: dict[str, Any]) -> None:
    DOC.parent.mkdir(parents=True, exist_ok=True)
    DOC.write_text(_report.performance_doc(result, DOC))
    print(f"wrote {DOC.relative_to(ROOT)}", flush=True)


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench.wall", description=__doc__.split("\n")[0])
    p.add_argument("--quick", action="store_true", help="two short runs, under 40 s in all")
    p.add_argument("--json", metavar="FILE", help="write the results as JSON ('-': stdout)")
    p.add_argument("--seconds", type=float, help="measured seconds per run (10; quick: 4)")
    p.add_argument("--settle", type=float, help="seconds after every tile is live (2; quick: 1)")
    p.add_argument("--callups", type=int, help="call-up trials per run (12; quick: 3)")
    p.add_argument("--callup-wait", type=float, default=1.0, help="s between clear and drop")
    p.add_argument(
        "--live-buffer-ms", type=int, help="every wall's live buffer (default: the console's)"
    )
    p.add_argument(
        "--run",
        dest="runs",
        action="append",
        metavar="SPEC",
        help="only this run, e.g. tiles=16,profile=sub,path=composited (repeatable)",
    )
    p.add_argument(
        "--retries",
        type=int,
        help="measure a run again when other programs used over 0.25 cores meanwhile (2; quick: 0)",
    )
    p.add_argument("--write-doc", action="store_true", help="regenerate docs/performance.md")
    p.add_argument("--from-json", metavar="FILE", help="with --write-doc: from these results")
    # Worker modes (the parent starts them):
    p.add_argument("--one-run", metavar="SPEC", help=argparse.SUPPRESS)
    p.add_argument("--reference", metavar="SPEC", help=argparse.SUPPRESS)
    p.add_argument("--hub", help=argparse.SUPPRESS)
    p.add_argument("--hub-pid", type=int, help=argparse.SUPPRESS)
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = parse_args(argv)
    if args.one_run:
        from bench._harness import run_one

        result = run_one(
            RunSpec.parse(args.one_run),
            args.hub,
            seconds=args.seconds or 10.0,
            settle_s=2.0 if args.settle is None else args.settle,
            callups=12 if args.callups is None else args.callups,
            callup_wait_s=args.callup_wait,
            hub_pid=args.hub_pid,
            live_buffer_ms=args.live_buffer_ms,
        )
        _write_json(result, args.json or "-")
        return 0
    if args.reference:
        from bench._reference import run_reference

        values = dict(part.split("=", 1) for part in args.reference.split(",") if part)
        result = run_reference(
            args.hub,
            values["cameras"].split("+"),
            values.get("profile", "sub"),
            args.seconds or 10.0,
            hub_pid=args.hub_pid,
        )
        _write_json(result, args.json or "-")
        return 0
    if args.write_doc and args.from_json:
        write_doc(json.loads(Path(args.from_json).read_text()))
        return 0
    if args.write_doc and (args.quick or args.runs):
        print("--write-doc takes a full run (not --quick or --run)", file=sys.stderr)
        return 2
    result = run_bench(args, argv)
    if args.json:
        _write_json(result, args.json)
    if not args.quick and not args.runs:
        _write_json(result, str(FULL_RESULTS))
        if args.write_doc:
            write_doc(result)
    print()
    print(_report.table_text(result["runs"]))
    print(f"\n{len(result['runs'])} runs in {result['wall_time_s']:.0f} s", flush=True)
    return 1 if any(r.get("error") for r in result["runs"]) else 0


if __name__ == "__main__":
    sys.exit(main())
