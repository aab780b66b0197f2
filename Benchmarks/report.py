#!/usr/bin/env python3
"""Benchmarks/run's helpers, standard library only.

  report.py numbers LISTDIR     the numbers of a dialgate list directory in E.164, one a line
                                (what redis-server's set holds: the same numbers as the daemon)
  report.py report --results FILE --machine FILE --commands FILE --journal-check FILE
                   --percentiles-dir DIR [--perf FILE] --out BENCHMARKS.md [--plot PNG --plot-dir DIR]
                                the report: medians of the rounds, ratios to the baselines of the
                                same run, the goals of the issue "Speed", the profile, the plot
"""
import argparse
import os
import re
import statistics
import subprocess
import sys

LEVELS = ["1x1", "32x1", "32x64"]
LEVEL_TEXT = {
    "1x1": "1 connection × 1 request in flight",
    "32x1": "32 connections × 1 request in flight",
    "32x64": "32 connections × 64 requests in flight (pipelined)",
}
TARGETS = ["echo", "redis", "dg-real", "dg-null", "dg-allow"]
TARGET_TEXT = {
    "echo": "C line echo (floor)",
    "redis": "redis-server, SISMEMBER",
    "dg-real": "dialgated, DENY, real journald",
    "dg-null": "dialgated, DENY, null journal",
    "dg-allow": "dialgated, ALLOW (+ledger fsync), real journald",
}

# --------------------------------------------------------------------------------------------
# numbers


def e164(text):
    """A French number as dialgate's lists write them, in E.164; None when it is not one."""
    text = re.sub(r"\(0\)", "", text)
    digits = re.sub(r"[^\d+]", "", text)
    if digits.startswith("+"):
        return digits if len(digits) > 4 else None
    if digits.startswith("00"):
        return "+" + digits[2:]
    if digits.startswith("33") and len(digits) == 11:
        return "+" + digits
    if digits.startswith("0") and len(digits) == 10:
        overseas = {"0692": "+262", "0693": "+262", "0639": "+262", "0262": "+262", "0269": "+262",
                    "0690": "+590", "0691": "+590", "0590": "+590", "0694": "+594", "0594": "+594",
                    "0696": "+596", "0697": "+596", "0596": "+596"}
        prefix = overseas.get(digits[:4])
        return prefix + digits[1:] if prefix else "+33" + digits[1:]
    return None


def numbers(directory):
    seen = set()
    for name in sorted(os.listdir(directory)):
        if name.startswith(".") or not name.endswith((".txt", ".csv", ".list")):
            continue
        with open(os.path.join(directory, name), encoding="utf-8-sig") as file:
            lines = file.read().splitlines()[1:]
        body = [line for line in lines if line.strip() and not line.lstrip().startswith("#")]
        if body and re.search(r"[A-Za-z]", body[0].split("#")[0]):
            body = body[1:]  # a CSV header row
        for line in body:
            field = re.split(r"[;,]", line.split("#")[0])[0]
            number = e164(field)
            if number and number not in seen:
                seen.add(number)
                print(number)


# --------------------------------------------------------------------------------------------
# report


def parse_line(line):
    fields = {}
    for token in line.split():
        if "=" in token:
            key, value = token.split("=", 1)
            fields.setdefault(key, value)
    return fields


def number(value):
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def fmt(value, digits=0):
    if value is None:
        return "–"
    if digits == 0:
        return f"{value:,.0f}"
    return f"{value:,.{digits}f}"


def ratio_text(a, b, digits=2):
    if a is None or b in (None, 0):
        return "–"
    return f"{a / b:.{digits}f}×"


class Results:
    def __init__(self, path):
        self.runs = []
        with open(path) as file:
            for line in file:
                if line.strip():
                    self.runs.append(parse_line(line))
        self.rounds = sorted({int(run["round"]) for run in self.runs})

    def of(self, target, level):
        return [run for run in self.runs if run.get("target") == target and run.get("level") == level]

    def median(self, target, level, key):
        return median([number(run.get(key)) for run in self.of(target, level)])

    def per_round(self, target, level, key):
        return {int(run["round"]): number(run.get(key)) for run in self.of(target, level)}

    def ratio_range(self, a, b, level, key="rps"):
        """The ratio a/b of each round (both measured in that round): its min and max."""
        ra, rb = self.per_round(a, level, key), self.per_round(b, level, key)
        ratios = [ra[r] / rb[r] for r in ra if r in rb and ra[r] is not None and rb[r]]
        if not ratios:
            return "–"
        if len(ratios) == 1:
            return f"{ratios[0]:.2f}"
        return f"{min(ratios):.2f}–{max(ratios):.2f}"

    def spread(self, target, level, key="rps"):
        values = [number(run.get(key)) for run in self.of(target, level)]
        values = [v for v in values if v is not None]
        if len(values) < 2:
            return ""
        return f"{min(values):,.0f}–{max(values):,.0f}"

    def loop(self, key):
        return median([number(run.get(key)) for run in self.runs if run.get("target") == "journal-loop"])

    def loop_per_round(self, key):
        return {int(run["round"]): number(run.get(key)) for run in self.runs if run.get("target") == "journal-loop"}


def perf_top(path, count=15):
    rows = []
    with open(path, errors="replace") as file:
        for line in file:
            match = re.match(r"^\s*([\d.]+)%\s+(\[[^\]]+\])\s+(.*\S)\s*$", line)
            if match:
                # perf pads the symbol column and may print placeholders after it.
                symbol = re.split(r"\s{2,}", match.group(3))[0]
                rows.append((float(match.group(1)), match.group(2), symbol))
    rows.sort(key=lambda row: -row[0])
    return rows[:count], rows


# Type names the daemon shares with the standard library or NIO: not evidence of its own code.
AMBIGUOUS_TYPES = {"Array", "Date", "Duration", "FixedWidthInteger", "String", "Channel", "Context", "Entry",
                   "Item", "Job", "Kind", "Code", "Content", "Field", "Failure", "Header", "Descriptor", "Optional",
                   "Sequence", "Collection", "Dictionary", "Set", "Result", "Error", "Int", "UInt64", "Substring"}


def perf_children(path, types_path, count=15):
    """The daemon's own functions by inclusive time (children + self), from `perf report --children`."""
    types = set()
    if types_path and os.path.exists(types_path):
        types = {line.strip() for line in open(types_path) if line.strip()} - AMBIGUOUS_TYPES
    rows = []
    with open(path, errors="replace") as file:
        for line in file:
            match = re.match(r"^\s*([\d.]+)%\s+([\d.]+)%\s+(\[[^\]]+\])\s+(.*\S)\s*$", line)
            if not match:
                continue
            symbol = re.split(r"\s{2,}", match.group(4))[0]
            head = re.sub(r"^((specialized|merged|partial apply for|protocol witness for|reabstraction thunk helper from|"
                          r"closure #\d+ in|implicit closure #\d+ in|static|thunk for|outlined \w+ of|generic specialization <[^>]*> of)\s+)+",
                          "", symbol)
            name = re.match(r"([A-Z][A-Za-z0-9]*)[.<(]", head)
            if name and name.group(1) in types:
                rows.append((float(match.group(1)), float(match.group(2)), symbol))
    rows.sort(key=lambda row: -row[0])
    return rows[:count]


def goal_row(text, measured, ratio, target, at_least=True):
    if ratio is None:
        met = "–"
    else:
        met = "yes" if (ratio >= target if at_least else ratio <= target) else "no"
    return f"| {text} | {measured} | {met} |"


def report(args):
    results = Results(args.results)
    machine = open(args.machine).read().strip().splitlines()
    commands = open(args.commands).read().strip().splitlines()
    checks = open(args.journal_check).read().strip().splitlines() if os.path.exists(args.journal_check) else []
    info = dict(line.split(": ", 1) for line in machine if ": " in line)
    run_info = {}
    for line in machine:
        if line.startswith("load_"):
            run_info.update(parse_line(line))
    present = [t for t in TARGETS if any(results.of(t, level) for level in LEVELS)]
    rounds = len(results.rounds)
    out = []
    w = out.append

    w("# Benchmarks")
    w("")
    w(f"Generated by `Benchmarks/run` on {info.get('date', '?')} at commit {info.get('commit', '?')}, "
      f"{info.get('build', '')}. Every figure is the **median of {rounds} rounds**; the rounds are interleaved "
      "(each round runs every target at every level in turn, so a disturbance hits them alike), and "
      "every ratio is between figures of the **same run**, with the range of the per-round ratios. "
      "This machine is shared (2 cores, other sessions building and testing beside it: load average "
      f"{run_info.get('load_start', '?')} at the start, {run_info.get('load_end', '?')} at the end): "
      "read the ratios before the absolute figures. How to run it and what each target is: "
      "[Benchmarks/README.md](Benchmarks/README.md).")
    w("")

    # Goals ----------------------------------------------------------------------------------
    w("## Where it stands: the goals of the issue \"Speed\"")
    w("")
    w("| goal | measured here | met |")
    w("|---|---|---|")
    for level, goal in (("1x1", 1.0), ("32x1", 1.0), ("32x64", 0.3)):
        null, redis = results.median("dg-null", level, "rps"), results.median("redis", level, "rps")
        ratio = null / redis if null and redis else None
        w(goal_row(f"null journal: dialgate ≥ {goal:.1f}× Redis at {level.replace('x', '×')}",
                   f"{ratio_text(null, redis)} ({fmt(null)} vs {fmt(redis)} requests/s; rounds "
                   f"{results.ratio_range('dg-null', 'redis', level)})", ratio, goal))
    cpu_real = results.median("dg-real", "32x64", "server_cpu_us")
    cpu_null = results.median("dg-null", "32x64", "server_cpu_us")
    w(goal_row("daemon CPU ≤ 10 µs per audited CHECK at 32×64",
               f"{fmt(cpu_real, 1)} µs with the real journald ({fmt(cpu_null, 1)} µs with the null journal); "
               f"{ratio_text(cpu_real, 10.0)} the goal", cpu_real, 10.0, at_least=False))
    real_rate, loop_rate = results.median("dg-real", "32x64", "rps"), results.loop("entries_per_s")
    ratio = real_rate / loop_rate if real_rate and loop_rate else None
    w(goal_row("real journald: dialgate's entries/s ≥ 0.9× the C loop's",
               f"{ratio_text(real_rate, loop_rate)} at 32×64 ({fmt(real_rate)} vs {fmt(loop_rate)} entries/s)",
               ratio, 0.9))
    lost = [parse_line(line) for line in checks if "lost=" in line]
    lost_total = sum(int(c.get("lost", 0)) for c in lost)
    missing = [parse_line(line) for line in checks if "audit_missing=" in line]
    by_target = {}
    for c in lost:
        entry = by_target.setdefault(c["target"], [0, 0, 0])
        entry[0] += int(c["lost"])
        entry[1] += int(c.get("audit_seq", c.get("sent", 0)))
        entry[2] += 1
    lost_text = ", ".join(f"{t}: {l} of {n:,}" + (f" ({runs} runs)" if runs > 1 else "")
                          for t, (l, n, runs) in by_target.items())
    if missing:
        lost_text += "; the daemons' own read-back: " + ", ".join(
            f"{c['target']} audit_missing={c['audit_missing']}" for c in missing)
    w(f"| zero journal entries lost | {lost_text} | {'yes' if lost and lost_total == 0 else 'no'} |")
    reloads = [parse_line(line) for line in open(args.reloads)] if args.reloads and os.path.exists(args.reloads) else []
    for variant in ("text", "compiled"):
        idle = median(number(r.get("p99_us")) for r in reloads if r.get("variant") == variant and r.get("phase") == "idle")
        during = median(number(r.get("p99_us")) for r in reloads if r.get("variant") == variant and r.get("phase") == "reload")
        if idle is None or during is None:
            continue
        rows = [r for r in reloads if r.get("variant") == variant]
        count = int(number(rows[0].get("numbers")) or 0)
        per_round = []
        for round_ in sorted({r["round"] for r in rows}):
            pair = {r["phase"]: number(r.get("p99_us")) for r in rows if r["round"] == round_}
            if pair.get("idle") and pair.get("reload"):
                per_round.append(pair["reload"] / pair["idle"])
        spread = f"{min(per_round):.2f}–{max(per_round):.2f}" if per_round else "–"
        w(goal_row(f"p99 during a reload of {count:,} numbers ({variant} list) under 32×64 load ≤ 2× idle p99",
                   f"{during / idle:.2f}× ({fmt(during)} vs {fmt(idle)} µs; rounds {spread}; one reload "
                   f"{rows[0].get('reload_seconds')} s)", during / idle, 2.0, at_least=False))
    w("")

    if reloads:
        w("## Reload under load")
        w("")
        w("A daemon on the null journal whose list directory holds, besides the example lists, an opt-out "
          "list of the size below, asked the DENY CHECKs at 32×64: one run while it is idle, then one of "
          "the same length while `RELOAD`s of the whole directory run back to back (so every request of "
          "the run is answered during a reload). `ready` is from the daemon's start to its first `PONG`, "
          "loading the list; `reload` one `RELOAD` alone, from the command to its answer.")
        w("")
        w("| list | phase | requests/s | p50 µs | p99 µs | p99.9 µs | reloads in the run | ready s | reload s |")
        w("|---|---|---|---|---|---|---|---|---|")
        for variant in ("text", "compiled"):
            for phase in ("idle", "reload"):
                rows = [r for r in reloads if r.get("variant") == variant and r.get("phase") == phase]
                if not rows:
                    continue
                def med(key):
                    return median(number(r.get(key)) for r in rows)
                w(f"| {variant}, {int(number(rows[0].get('numbers')) or 0):,} numbers | {phase} | {fmt(med('rps'))} | "
                  f"{fmt(med('p50_us'), 1)} | {fmt(med('p99_us'), 1)} | {fmt(med('p999_us'), 1)} | "
                  f"{fmt(med('reloads')) if phase == 'reload' else '–'} | {rows[0].get('ready_seconds')} | "
                  f"{rows[0].get('reload_seconds')} |")
        w("")

    if args.index and os.path.exists(args.index):
        index_command = next((c.split(": ", 1)[1] for c in commands if c.startswith("index: ")), "dialgate-bench index")
        w("## The index")
        w("")
        w(f"`{index_command}`: the Elias–Fano `NumberIndex` against the index it replaced, a sorted array and a "
          "`Set<UInt64>` on the same random French numbers and queries (half hits), alternated chunk by chunk, "
          "the fastest pass counting; then a compiled list (`.dgidx`) loaded through the daemon's loader against "
          "the same numbers as a text list. The 100 M and 250 M figures take minutes and gigabytes: "
          "[docs/lists.md](docs/lists.md#figures).")
        w("")
        w("```")
        w(open(args.index).read().rstrip())
        w("```")
        w("")

    # Machine --------------------------------------------------------------------------------
    w("## The machine")
    w("")
    for key in ("cpu", "caches", "memory", "kernel", "disk", "os", "swift", "journald", "redis", "cc"):
        if key in info:
            w(f"- {key}: {info[key]}")
    w("")

    # Scenarios ------------------------------------------------------------------------------
    w("## Requests/s and latency, by scenario")
    w("")
    w("Latency runs from a request's write to its answer's read (HdrHistogram, 3 significant digits), "
      "in a closed loop: each connection keeps its requests in flight, and sends one more per answer. "
      "`server CPU` is the server process's utime+stime (all its threads, `/proc/PID/stat`) over the "
      "run, divided by the requests answered; `journald CPU` the same for systemd-journald (for the "
      "targets that do not write to it, that is the machine's background). Every reply was checked "
      "(`wrong` counts the others; a run with any fails `Benchmarks/run`). The DENY CHECKs ask four "
      "numbers of the internal opt-out list in turn (`DENY internal-optout`, at any hour); the ALLOW "
      "CHECKs ask distinct numbers with a consent (`ALLOW consent`), each taking a place under the "
      "frequency cap, made durable in the ledger (fdatasync, shared by concurrent writes) before "
      "the answer: they measure the ledger too, not the main figure.")
    w("")
    for level in LEVELS:
        w(f"### {level.replace('x', '×')}: {LEVEL_TEXT[level]}")
        w("")
        w("| target | requests/s | rounds | p50 µs | p99 µs | p99.9 µs | server CPU µs/req | journald CPU µs/req | wrong | ÷ Redis | ÷ echo |")
        w("|---|---|---|---|---|---|---|---|---|---|---|")
        redis = results.median("redis", level, "rps")
        echo = results.median("echo", level, "rps")
        for target in present:
            rps = results.median(target, level, "rps")
            if rps is None:
                continue
            wrong = sum(int(run.get("wrong", 0)) for run in results.of(target, level))
            w(f"| {target}: {TARGET_TEXT[target]} | {fmt(rps)} | {results.spread(target, level)} | "
              f"{fmt(results.median(target, level, 'p50_us'), 1)} | {fmt(results.median(target, level, 'p99_us'), 1)} | "
              f"{fmt(results.median(target, level, 'p999_us'), 1)} | {fmt(results.median(target, level, 'server_cpu_us'), 2)} | "
              f"{fmt(results.median(target, level, 'journald_cpu_us'), 2)} | {wrong} | "
              f"{ratio_text(rps, redis)} | {ratio_text(rps, echo)} |")
        w("")
        w("| ratio (requests/s) | median | rounds |")
        w("|---|---|---|")
        for a, b, text in (("dg-null", "redis", "dialgate null journal ÷ Redis"),
                           ("dg-real", "redis", "dialgate real journald ÷ Redis"),
                           ("dg-null", "dg-real", "dialgate null journal ÷ real journald"),
                           ("dg-allow", "dg-real", "dialgate ALLOW ÷ DENY (real journald)"),
                           ("redis", "echo", "Redis ÷ C echo")):
            x, y = results.median(a, level, "rps"), results.median(b, level, "rps")
            if x is None or y is None:
                continue
            w(f"| {text} | {ratio_text(x, y)} | {results.ratio_range(a, b, level)} |")
        w("")

    # Journal --------------------------------------------------------------------------------
    w("## The journal: dialgated against a C loop of sd_journal_sendv")
    w("")
    w("`journal-loop` ([Benchmarks/c/journal-loop.c](Benchmarks/c/journal-loop.c)) sends entries of the "
      "shape of a decision entry (19 fields, 967 bytes: [Benchmarks/c/decision-entry.txt]"
      "(Benchmarks/c/decision-entry.txt), captured with `journalctl -o export`) from one thread, as "
      "the daemon's audit writer does, as fast as journald takes them. dialgated's entries/s is its "
      "DENY CHECKs/s at 32×64 with the real journald: one entry per decision.")
    w("")
    w("| sender | entries/s | rounds | journald CPU µs/entry | ÷ C loop |")
    w("|---|---|---|---|---|")
    loop_rounds = [v for v in results.loop_per_round("entries_per_s").values() if v]
    loop_spread = f"{min(loop_rounds):,.0f}–{max(loop_rounds):,.0f}" if len(loop_rounds) > 1 else ""
    w(f"| journal-loop (C, sd_journal_sendv) | {fmt(loop_rate)} | {loop_spread} | {fmt(results.loop('journald_cpu_us'), 2)} | 1 |")
    for level in LEVELS:
        rate = results.median("dg-real", level, "rps")
        ra, rl = results.per_round("dg-real", level, "rps"), results.loop_per_round("entries_per_s")
        per = [ra[r] / rl[r] for r in ra if r in rl and ra[r] and rl[r]]
        span = f" ({min(per):.2f}–{max(per):.2f})" if len(per) > 1 else ""
        w(f"| dialgated, DENY, {level.replace('x', '×')} | {fmt(rate)} | {results.spread('dg-real', level)} | "
          f"{fmt(results.median('dg-real', level, 'journald_cpu_us'), 2)} | {ratio_text(rate, loop_rate)}{span} |")
    w("")
    w("Entries lost (each daemon's STATS `audit_seq`, the numbers the journal took, against the distinct "
      "`DIALGATE_SEQ` values found under its run id with `journalctl DIALGATE_RUN=…`; the C loop's by its "
      "own run id; and the daemon's own read-back, `audit_missing`, once it confirmed its last number):")
    w("")
    w("```")
    for line in checks:
        w(line)
    w("```")
    w("")

    # Profile --------------------------------------------------------------------------------
    if args.perf and os.path.exists(args.perf):
        top, all_rows = perf_top(args.perf)
        w("## Where the daemon's time goes: perf, null journal, 32×64 DENY")
        w("")
        w("`perf record -g -e cpu-clock -F 999` of dialgated (every thread) for 8 s under 32×64 DENY CHECKs "
          "with the null journal, then `perf report --stdio --no-children -g none --sort symbol`, "
          "demangled with `swift demangle --simplified`: the top 15 symbols by self time.")
        w("")
        w("| self % | | symbol |")
        w("|---|---|---|")
        for percent, kind, symbol in top:
            symbol = symbol.replace("|", "\\|")
            if len(symbol) > 140:
                symbol = symbol[:137] + "…"
            w(f"| {percent:.2f} | {kind} | `{symbol}` |")
        kernel = sum(p for p, k, _ in all_rows if k == "[k]")
        w("")
        w(f"`[k]` is the kernel, `[.]` user space; all kernel symbols above 0.3 % add up to {kernel:.1f} %. "
          "The full report is in [Benchmarks/results/perf-report.txt](Benchmarks/results/perf-report.txt).")
        w("")
        if args.perf_children and os.path.exists(args.perf_children):
            rows = perf_children(args.perf_children, args.project_types)
            if rows:
                w("The same samples by inclusive time (`perf report --children`), the daemon's own functions "
                  "only (those of its types; NIO's event loop and the Swift runtime left out), for where to look first:")
                w("")
                w("| with callees % | self % | function |")
                w("|---|---|---|")
                for children, own, symbol in rows:
                    symbol = symbol.replace("|", "\\|")
                    if len(symbol) > 140:
                        symbol = symbol[:137] + "…"
                    w(f"| {children:.2f} | {own:.2f} | `{symbol}` |")
                w("")
                w("Full list: [Benchmarks/results/perf-children.txt](Benchmarks/results/perf-children.txt).")
                w("")

    # Plot -----------------------------------------------------------------------------------
    if args.plot:
        make_plot(args, results, present)
        rel = os.path.relpath(args.plot, os.path.dirname(os.path.abspath(args.out)))
        w("## Plot")
        w("")
        w(f"![latency against throughput, and the latency distribution at 32×64]({rel})")
        w("")
        w(f"Left: each target at 1×1, 32×1 and 32×64, median requests/s against median p99 latency. Right: "
          f"the latency distribution of the last round at 32×64 (HdrHistogram percentiles). [{rel}]({rel})")
        w("")

    # Commands -------------------------------------------------------------------------------
    w("## The exact commands")
    w("")
    w("Everything above came from one command, `Benchmarks/run` (`Benchmarks/run --smoke` is its "
      "seconds-long check, run by `scripts/test`). It built `swift build -c release --product dialgated`, "
      "`swift build --package-path Benchmarks -c release --product loadgen` and the C programs "
      "(`cc -O2`), started the servers below in a scratch directory ($SCRATCH), and ran, for each "
      "target at 1×1 (32×1 and 32×64 are the same with `--connections 32 --depth 1` and `--depth 64`; "
      "the later rounds the same, with `--sequence-offset` moved on for the ALLOW CHECKs, and the last "
      "round adds `--percentiles FILE` for the plot):")
    w("")
    w("```")
    for line in commands:
        if re.match(r"^(32x1|32x64) ", line):
            continue
        line = re.sub(r"/var/tmp/dialgate-bench\.\w+", "$SCRATCH", line.replace(os.getcwd() + "/", ""))
        w(re.sub(r"^1x1 ", "", line))
    w("```")
    w("")
    w("The servers: `Benchmarks/.build/c/echo $SCRATCH/echo.sock`; `redis-server --port 0 --unixsocket "
      "$SCRATCH/redis.sock --save \"\" --appendonly no` with the lists' numbers added as one set "
      "(`SADD numbers …`); `dialgated --config $SCRATCH/dg-real.toml` (examples/dialgate.toml with its "
      "socket, lists and state in $SCRATCH; the lists are examples/lists plus a consents file of the "
      "ALLOW pool); the same under `env LD_PRELOAD=frozen-clock.so DIALGATE_FROZEN_REALTIME=1796030100` "
      "for dg-allow; and for dg-null, `unshare --mount --propagation private -- bash -c 'mount -t tmpfs "
      "tmpfs /run/systemd/journal; null-journal /run/systemd/journal/socket & exec dialgated --config "
      "$SCRATCH/dg-null.toml'`. The raw lines, one per run: [Benchmarks/results/results.txt]"
      "(Benchmarks/results/results.txt).")
    w("")
    with open(args.out, "w") as file:
        file.write("\n".join(out))


def make_plot(args, results, present):
    os.makedirs(args.plot_dir, exist_ok=True)
    series = []
    for target in present:
        path = os.path.join(args.plot_dir, f"{target}.dat")
        with open(path, "w") as file:
            for level in LEVELS:
                rps, p99 = results.median(target, level, "rps"), results.median(target, level, "p99_us")
                if rps and p99:
                    file.write(f"{rps} {p99} {level.replace('x', '×')}\n")
        series.append((target, path))
    curves = []
    for target in present:
        path = os.path.join(args.percentiles_dir, f"percentiles-{target}-32x64.txt")
        if os.path.exists(path):
            curves.append((target, path))
    colors = {"echo": "#555555", "redis": "#d62728", "dg-real": "#1f77b4", "dg-null": "#2ca02c", "dg-allow": "#9467bd"}
    script = [
        'set terminal pngcairo size 1500,620 font "DejaVu Sans,10"' if has_cairo() else "set terminal png size 1500,620",
        f'set output "{args.plot}"',
        "set multiplot layout 1,2",
        'set title "requests/s against p99 latency (1×1, 32×1, 32×64)"',
        "set logscale xy", 'set xlabel "requests/s"', 'set ylabel "p99 latency (µs)"', "set grid",
        'set format x "%.0s%c"', 'set format y "%.0s%c"',
        "set key top left",
        "plot " + ", ".join(
            f'"{path}" using 1:2 with linespoints lw 2 pt 7 lc rgb "{colors[t]}" title "{t}", '
            f'"{path}" using 1:2:3 with labels offset 0,1 textcolor rgb "{colors[t]}" notitle'
            for t, path in series),
        'set title "latency distribution at 32×64 (last round)"',
        'set xlabel "percentile"', 'set ylabel "latency (µs)"', 'set format x "%g"',
        'set xtics ("0%%" 1, "90%%" 10, "99%%" 100, "99.9%%" 1000, "99.99%%" 10000, "99.999%%" 100000)',
        'set format y "%.0s%c"',
        "set key top left",
        "plot " + ", ".join(
            f'"{path}" using 3:1 with lines lw 2 lc rgb "{colors[t]}" title "{t}"' for t, path in curves),
        "unset multiplot",
    ]
    path = os.path.join(args.plot_dir, "plot.gp")
    with open(path, "w") as file:
        file.write("\n".join(script) + "\n")
    subprocess.run(["gnuplot", path], check=True)


def has_cairo():
    try:
        out = subprocess.run(["gnuplot", "-e", "set terminal"], capture_output=True, text=True).stdout
        out += subprocess.run(["gnuplot", "-e", "set terminal"], capture_output=True, text=True).stderr
        return "pngcairo" in out
    except OSError:
        return False


def main():
    if len(sys.argv) >= 3 and sys.argv[1] == "numbers":
        numbers(sys.argv[2])
        return
    parser = argparse.ArgumentParser(prog="report.py report")
    parser.add_argument("command", choices=["report"])
    parser.add_argument("--results", required=True)
    parser.add_argument("--machine", required=True)
    parser.add_argument("--commands", required=True)
    parser.add_argument("--journal-check", required=True)
    parser.add_argument("--percentiles-dir", required=True)
    parser.add_argument("--reloads")
    parser.add_argument("--index")
    parser.add_argument("--perf")
    parser.add_argument("--perf-children")
    parser.add_argument("--project-types")
    parser.add_argument("--out", required=True)
    parser.add_argument("--plot")
    parser.add_argument("--plot-dir")
    args = parser.parse_args()
    report(args)


if __name__ == "__main__":
    main()
