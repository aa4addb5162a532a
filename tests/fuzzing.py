"""The fuzzing engine shared by tests/test_fuzz.py (a few thousand inputs) and benchmarks/fuzz.py
(100,000 or more): seeded mutations of the real fixtures, fed to the `--from` recogniser and every
probe's parser, to capture replay and to fleet ingest. Each run is classified: ok, refused (a
ReadinessError: exit 2), escaped (any other exception: exit 3, a bug), slow (over its budget) or
invalid (output that is not schema-valid JSON)."""

from __future__ import annotations

import faulthandler
import hashlib
import json
import random
import shutil
import sys
import tempfile
import time
import traceback
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import jsonschema

FIXTURES = Path(__file__).parent / "fixtures"
ROOT = Path(__file__).parent.parent
SCHEMA = json.loads((ROOT / "readiness" / "schema" / "facts.schema.json").read_text())
BUDGET_S = 10.0
#: When set, every run arms faulthandler to print all threads' stacks after this many wall
#: seconds: a pattern stuck in C (a regex holds the GIL, so no Python signal handler runs) is
#: located even when the run never ends (#19, second run of 2026-12-03: one shard never finished).
WATCHDOG_S: float | None = None

_NASTY = ["\x00", "\x1b[2J", "\x1b]0;t\x07", "\r", "\t", "\ufeff", "\u202e", "é", "日本", "\x9b", "NaN", "Infinity",
          "9" * 400, "-1", "1e999", '"', "[", "{", "}", "]", ":", ",", "\\", "N/A", "[N/A]", "0x", "GPU 0:",
          "(UUID: ", "Slot:\t", "<gpu>", "</gpu>", "processor\t: 0\n", "PS C:\\> ", "user@host:~$ "]


def fixture_texts() -> list[tuple[str, str]]:
    out = []
    for p in sorted(FIXTURES.rglob("*")):
        # parts relative to FIXTURES: a checkout under a folder named "fuzz" or "report" kept nothing
        parts = p.relative_to(FIXTURES).parts
        if p.is_file() and p.stat().st_size < 400_000 and "fuzz" not in parts and "report" not in parts:
            try:
                out.append((str(p.relative_to(FIXTURES)), p.read_bytes().decode("utf-8")))
            except UnicodeDecodeError:
                continue
    return out


_MAX_TEXT = 8 * 1024 * 1024  # readiness.host.replay._MAX_RAW_BYTES, the --from size cap for one output


def mutate(text: str, rng: random.Random, others: list[str]) -> str:
    for _ in range(rng.randint(1, 4)):
        op = rng.randrange(9)
        n = len(text)
        at = rng.randrange(n + 1) if n else 0
        if op == 0 and n:  # flip characters
            chars = list(text)
            for _ in range(rng.randint(1, 8)):
                chars[rng.randrange(n)] = chr(rng.choice([rng.randrange(32, 127), rng.randrange(0, 32),
                                                          rng.randrange(128, 0x3000)]))
            text = "".join(chars)
        elif op == 1:  # insert something nasty
            text = text[:at] + rng.choice(_NASTY) + text[at:]
        elif op == 2 and n:  # truncate
            text = text[:at]
        elif op == 3:  # repeat a line many times
            lines = text.splitlines(True) or ["\n"]
            line, times = rng.choice(lines), rng.choice([10, 200, 3000])
            # no more copies than the size cap can hold: a 140 000-character line 3000 times is 420 MB
            # before the cap, and two such steps in one mutation ran the fuzzer out of memory
            text = text[:at] + line * min(times, _MAX_TEXT // max(1, len(line)) + 1) + text[at:]
        elif op == 4:  # splice another fixture
            other = rng.choice(others)
            text = text[:at] + other[rng.randrange(len(other) + 1):][:4000] + text[at:]
        elif op == 5:  # a number made huge, or deep nesting
            text = text[:at] + rng.choice(["9" * rng.choice([20, 400, 5000]), "[" * 3000, "{\"a\":" * 2000]) + text[at:]
        elif op == 6 and n:  # delete a span
            text = text[:at] + text[at + rng.randint(1, 200):]
        elif op == 7:  # line endings
            text = text.replace("\n", rng.choice(["\r\n", "\r", "\n\n"]))
        else:  # a long line
            text = text[:at] + rng.choice("xA 0:") * rng.choice([1000, 140_000]) + text[at:]
        text = text[:_MAX_TEXT]
    # --from never hands a parser more than its size cap, so a longer mutation is not an input readiness can get
    # (a 140 000-character line repeated 3000 times made a 420 MB text that no budget could parse in time).
    return text[:_MAX_TEXT]


@dataclass
class Tally:
    counts: Counter = field(default_factory=Counter)
    crashers: list = field(default_factory=list)  # (target, note, input)
    slowest: float = 0.0  # CPU seconds
    slowest_wall: float = 0.0
    seen: set = field(default_factory=set)  # a digest of each input, so a figure counts distinct inputs

    def record(self, target: str, outcome: str, seconds: float, data=None, note: str = "",
               wall: float | None = None) -> None:
        self.counts[outcome] += 1
        self.counts["inputs"] += 1
        blob = (target + "\0" + json.dumps(data, sort_keys=True)).encode("utf-8", "surrogatepass")
        self.seen.add(hashlib.blake2b(blob, digest_size=16).digest())
        wall = last_wall if wall is None else wall
        self.slowest = max(self.slowest, seconds)
        self.slowest_wall = max(self.slowest_wall, wall)
        if wall > BUDGET_S:
            self.counts["over the budget in wall time"] += 1
        if seconds > BUDGET_S and outcome != "slow":
            self.counts["slow"] += 1
            outcome = "slow"
        if outcome in ("escaped", "invalid", "slow") and len(self.crashers) < 50:
            self.crashers.append((target, note, data))


class _OverBudget(BaseException):
    """Raised by the interval timers: a run past its budget is stopped and counted as slow."""


def _alarm(signum, frame):
    raise _OverBudget(signum)


last_wall = 0.0  # the wall-clock seconds of the last _timed run (single-threaded harness)


def _timed(fn):
    """(outcome, result, CPU seconds, note). The budget is CPU time of this process, all threads
    (ITIMER_PROF): on a shared machine (2 cores, load 10 to 13 during the #19 runs) wall time
    measures the neighbours, and an 8 MB input whose parse takes 2.5 s of CPU took 10 s of wall.
    Wall time is kept too (last_wall, counted apart by Tally) and stops a run at 6 budgets, for
    a wait that burns no CPU."""
    import signal

    global last_wall
    start, cpu = time.perf_counter(), time.process_time()
    old = signal.signal(signal.SIGPROF, _alarm), signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_PROF, BUDGET_S)
    signal.setitimer(signal.ITIMER_REAL, BUDGET_S * 6)
    outcome, result, note = "ok", None, ""
    if WATCHDOG_S:  # once: a run stuck for an hour printed its same stack 60 times
        faulthandler.dump_traceback_later(WATCHDOG_S, file=sys.stderr)
    try:
        result = fn()
    except _OverBudget as e:
        outcome, note = "slow", "stopped at the budget" + (" (wall)" if e.args[0] == signal.SIGALRM else "")
    except Exception as e:  # noqa: BLE001 - classifying is the point
        from readiness.errors import ReadinessError
        from readiness.fleet.validate import Invalid

        if isinstance(e, (ReadinessError, Invalid)):
            outcome = "refused"
        else:
            outcome, note = "escaped", "".join(traceback.format_exception_only(type(e), e)).strip()[:300]
    finally:
        if WATCHDOG_S:
            faulthandler.cancel_dump_traceback_later()
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGPROF, old[0])
        signal.signal(signal.SIGALRM, old[1])
    last_wall = time.perf_counter() - start
    return outcome, result, time.process_time() - cpu, note


_VALIDATOR = None


def _valid(doc) -> bool:
    global _VALIDATOR
    if _VALIDATOR is None:
        _VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)
    try:
        text = json.dumps(doc, allow_nan=False)
    except ValueError:
        return False
    return _VALIDATOR.is_valid(json.loads(text))


def fuzz_parsers(tally: Tally, texts: list[str], rng: random.Random, n: int, stop_at_first: bool = False) -> None:
    """The --from recogniser, then the facts built from what it recognised (every probe's parse)."""
    from readiness.probes import registry

    keys = [k for k, _ in registry.formats()]
    for _ in range(n):
        text = mutate(rng.choice(texts), rng, texts)
        fallback, system = rng.choice(keys), rng.choice(["linux", None, "windows", "darwin"])
        outcome, doc, seconds, note = _timed(lambda: parse_one(text, fallback, system))
        if outcome == "ok" and not _valid(doc):
            outcome = "invalid"
        tally.record("parsers", outcome, seconds, {"text": text, "key": fallback, "system": system}, note)
        if stop_at_first and tally.crashers:
            return


def parse_one(text: str, fallback_key: str, system):
    """What --from makes of one file; unrecognised text still reaches the parsers, as the answer
    to ``fallback_key``."""
    from readiness.collect import gather
    from readiness.host import replay
    from readiness.host.base import Answer
    from readiness.probes import registry

    guard = replay._Guard(registry.detectors())
    found = {}
    for key, part, _ in replay._paste_parts(text, guard)[0]:  # what --from does with one file's text
        found.setdefault(key, part)
    found = found or {fallback_key: text}
    answers = {k: Answer("ok", v, exit_code=0) for k, v in found.items()}
    return gather(replay.ReplayHost(answers, system, "fuzz"))


def fuzz_capture(tally: Tally, rng: random.Random, n: int) -> None:
    from readiness.collect import gather
    from readiness.host import replay
    from readiness.probes import registry

    source = FIXTURES / "nvidia" / "device-h200-readiness" / "capture"
    index_text = (source / "index.json").read_text()
    work = Path(tempfile.mkdtemp(prefix="fuzz-capture-"))
    try:
        folder = work / "cap"
        shutil.copytree(source, folder)
        names = sorted(p.name for p in folder.iterdir() if p.name != "index.json")
        for _ in range(n):
            target = rng.choice(["index"] + names)
            original = (source / (target if target != "index" else "index.json")).read_text()
            mutated = mutate(original if target != "index" else index_text, rng, [index_text])
            path = folder / (target if target != "index" else "index.json")
            path.write_text(mutated)

            def one():
                host, report = replay.load([str(folder)], registry.detectors())
                return gather(host)

            outcome, doc, seconds, note = _timed(one)
            if outcome == "ok" and not _valid(doc):
                outcome = "invalid"
            tally.record("capture", outcome, seconds, {"file": target, "text": mutated}, note)
            path.write_text(original)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def fuzz_fleet(tally: Tally, rng: random.Random, n: int) -> None:
    import sqlite3

    from readiness.fleet import store, validate

    reports = [p.read_text() for p in sorted((FIXTURES / "report").rglob("*.json"))]
    work = Path(tempfile.mkdtemp(prefix="fuzz-fleet-"))
    try:
        conn = store.connect(str(work / "f.sqlite"))
        for i in range(n):
            text = mutate(rng.choice(reports), rng, reports)
            path = work / f"{i % 50}.json"
            path.write_text(text)

            def one():
                result = store.ingest(conn, [str(path)])
                for _, why in result.skipped:
                    if "cannot be stored" in why:
                        raise AssertionError(why)
                return result

            outcome, result, seconds, note = _timed(one)
            tally.record("fleet", outcome, seconds, text, note)
        # and the views over whatever got stored
        from readiness.fleet import report

        outcome, _, seconds, note = _timed(lambda: report.to_csv(report.build(conn)) + report.render_html(
            report.build(conn)))
        tally.record("fleet-report", outcome, seconds, None, note)
        conn.close()
        del sqlite3, validate
    finally:
        shutil.rmtree(work, ignore_errors=True)


def run(n: int, seed: int = 19, texts: list[str] | None = None, rng: random.Random | None = None) -> Tally:
    rng = rng or random.Random(seed)
    texts = texts if texts is not None else [t for _, t in fixture_texts()]
    tally = Tally()
    fuzz_parsers(tally, texts, rng, int(n * 0.7))
    fuzz_capture(tally, rng, int(n * 0.1))
    fuzz_fleet(tally, rng, n - int(n * 0.7) - int(n * 0.1))
    return tally


def run_shard(seed: int, shard: int, n: int, texts: list[str] | None = None) -> Tally:
    """One slice of a long run, with its own seed stream: shard k of seed s draws from
    Random("s:k"), so the inputs depend on the seed and the shard, never on how many processes
    share the shards out, and no two shards replay one stream."""
    tally = run(n, seed, texts, random.Random(f"{seed}:{shard}"))
    tally.crashers = [(t, f"shard {shard}: {note}", data) for t, note, data in tally.crashers]  # to re-run it
    return tally


def merge(tallies) -> Tally:
    out = Tally()
    for t in tallies:
        out.counts.update(t.counts)
        out.crashers.extend(t.crashers[: max(0, 200 - len(out.crashers))])
        out.slowest = max(out.slowest, t.slowest)
        out.slowest_wall = max(out.slowest_wall, t.slowest_wall)
        out.seen |= t.seen
    return out


_REPORT_VALIDATOR = None


def _strict_json(text: str):
    """stdout parsed as JSON proper: NaN and Infinity, which json.loads accepts, are refused."""
    def no_constant(name):
        raise ValueError(f"{name} is not JSON")

    return json.loads(text, parse_constant=no_constant)


def _valid_report(text: str) -> bool:
    global _REPORT_VALIDATOR
    if _REPORT_VALIDATOR is None:
        from referencing import Registry, Resource

        report_schema = json.loads((ROOT / "readiness" / "schema" / "report.schema.json").read_text())
        registry = Registry().with_resources([(SCHEMA["$id"], Resource.from_contents(SCHEMA))])
        _REPORT_VALIDATOR = jsonschema.Draft202012Validator(report_schema, registry=registry)
    try:
        doc = _strict_json(text)
    except ValueError:
        return False
    return _REPORT_VALIDATOR.is_valid(doc)


def fuzz_cli(tally: Tally, named: list[tuple[str, str]], rng: random.Random, n: int) -> None:
    """Mutated fixtures through the real CLI, one subprocess each: `check --from F --json --no-torch`
    must exit 0, 1 or 2, within the budget, with schema-valid JSON on stdout when it exits 0 or 1.
    The file keeps its fixture's name (some formats are recognised by it)."""
    import os
    import subprocess

    texts = [t for _, t in named]
    # pastes, not capture entries or expected-facts tables: those alone are refused as unrecognised
    # (exit 2) so often that few runs would reach the parsers and the JSON
    pastes = [(k, t) for k, t in named if not {"capture", "expected"} & set(Path(k).parts)]
    capture = FIXTURES / "nvidia" / "device-h200-readiness" / "capture"
    work = Path(tempfile.mkdtemp(prefix="fuzz-cli-"))
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    try:
        for i in range(n):
            folder = work / str(i % 20)
            shutil.rmtree(folder, ignore_errors=True)
            if rng.random() < 0.2:  # a whole capture folder, one of its files mutated
                shutil.copytree(capture, folder)
                entry = rng.choice(sorted(p.name for p in folder.iterdir()))
                name, original = f"capture/{entry}", (folder / entry).read_text()
                text = mutate(original, rng, [original])
                (folder / entry).write_text(text, encoding="utf-8", errors="surrogatepass")
                path = folder
            else:
                name, original = rng.choice(pastes)
                text = mutate(original, rng, texts)
                folder.mkdir()
                path = folder / Path(name).name
                path.write_text(text, encoding="utf-8", errors="surrogatepass")
            argv = [sys.executable, "-m", "readiness", "check", "--from", str(path), "--json", "--no-torch"]
            start, cpu = time.perf_counter(), _children_cpu()
            try:
                # killed well past the budget, so a slow run is measured rather than cut at it
                done = subprocess.run(argv, cwd=folder, env=env, capture_output=True, timeout=BUDGET_S * 6)
            except subprocess.TimeoutExpired:
                tally.record("cli", "slow", BUDGET_S * 6, {"name": name, "text": text}, "killed",
                             wall=time.perf_counter() - start)
                continue
            seconds, wall = _children_cpu() - cpu, time.perf_counter() - start
            stdout = done.stdout.decode("utf-8", "replace")
            note = f"exit {done.returncode}: " + done.stderr.decode("utf-8", "replace").strip()[-300:]
            if done.returncode in (0, 1):
                outcome = "ok" if _valid_report(stdout) else "invalid"
            elif done.returncode == 2:
                outcome = "refused"
            else:
                outcome = "escaped"
            tally.counts[f"cli exit {done.returncode}"] += 1
            tally.record("cli", outcome, seconds, {"name": name, "text": text}, note if outcome != "ok" else "",
                         wall=wall)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _children_cpu() -> float:
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)  # the CLI's CPU time, interpreter start included
    return usage.ru_utime + usage.ru_stime


def run_cli_shard(seed: int, shard: int, n: int) -> Tally:
    tally = Tally()
    fuzz_cli(tally, fixture_texts(), random.Random(f"{seed}:cli:{shard}"), n)
    return tally
