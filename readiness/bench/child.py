"""Measurements with torch, run as a script in a child Python (``python child.py '{json}'``).

Self-contained on purpose (standard library + torch, nothing from readiness): it runs in the
user's interpreter, which may not have readiness installed, and it can be copied to a GPU machine
and run there by hand. It prints one JSON object of *raw samples* (work done and seconds per
repeat); the statistics and every judgement are made by the parent (readiness.bench.results).
A step that fails is recorded with its error and the others still run.
"""

import json
import sys
import time

DEFAULTS = {"ram_bytes": 256 * 2**20, "matmul_n": 2048, "repeats": 5, "step_budget_s": 1.5,
            "cpu": True, "gpu": True, "threads": None, "transfer_bytes": 256 * 2**20}


def _timed(fn, repeats, budget_s, sync=lambda: None, min_sample_s=0.02):
    """One warm-up, then up to ``repeats`` timed samples, stopping early when the budget is spent.

    A sample runs the call often enough to last ``min_sample_s`` (a GPU read of a buffer can take
    well under a millisecond, below what one timer reading resolves); seconds are per call."""
    t = time.perf_counter()
    fn()
    sync()
    once = time.perf_counter() - t
    inner = max(1, min(1000, int(min_sample_s / max(once, 1e-6)) + 1)) if once < min_sample_s else 1
    samples, start = [], time.perf_counter()
    for _ in range(repeats):
        t = time.perf_counter()
        for _ in range(inner):
            fn()
        sync()
        samples.append((time.perf_counter() - t) / inner)
        if time.perf_counter() - start > budget_s or time.perf_counter() > DEADLINE[0]:
            break  # at least one timed sample is always taken
    return {"seconds": samples, "calls_per_sample": inner, "repeats_asked": repeats, "budget_s": budget_s,
            "cut_short": len(samples) < repeats}


DEADLINE = [float("inf")]  # set in main: past it, remaining steps are skipped, not run


def _step(out, name, fn, essential=False):
    """Run one step; an optional step past the deadline is skipped (the RAM read always runs)."""
    if not essential and time.perf_counter() > DEADLINE[0]:
        out[name] = {"error": "skipped: the bench's time budget was spent"}
        return
    try:
        out[name] = fn()
    except Exception as e:  # noqa: BLE001 - a step the device can't do is recorded, never fatal
        out[name] = {"error": type(e).__name__ + ": " + str(e)[:300]}


def _memory(torch, device, nbytes, a, sync):
    """Read (a sum over the buffer) and copy (read + write) bandwidth of a buffer of nbytes."""
    n = max(nbytes // 4, 1024)
    src = torch.ones(n, dtype=torch.float32, device=device)
    dst = torch.empty_like(src)  # first touched by the warm-up copy, so page faults are not timed
    res = {}
    _step(res, "read", lambda: {"bytes": n * 4, **_timed(lambda: src.sum(), a["repeats"], a["step_budget_s"], sync)},
          essential=True)
    _step(res, "copy", lambda: {"bytes": 2 * n * 4, "counts": "read + write",
                                **_timed(lambda: dst.copy_(src), a["repeats"], a["step_budget_s"], sync)})
    del src, dst
    return res


def _matmul(torch, device, dtype_name, n_max, a, sync):
    """Square matrix products, the size grown from 256 until one product takes ~50 ms (or n_max):
    a slow CPU is not kept busy for seconds, a fast GPU is measured at a size that fills it."""
    n = 256
    while True:
        if dtype_name == "int8":
            x = torch.randint(-64, 64, (n, n), dtype=torch.int8, device=device)
            fn = lambda: torch._int_mm(x, x)  # noqa: E731 - int8 x int8 -> int32, as quantized kernels do
        else:
            x = torch.randn(n, n, device=device).to(getattr(torch, dtype_name))
            fn = lambda: x @ x  # noqa: E731
        fn()
        sync()
        t = time.perf_counter()
        fn()
        sync()
        if time.perf_counter() - t > 0.05 or n * 2 > n_max:
            break
        n *= 2
    return {"flops": 2 * n ** 3, "n": n, **_timed(fn, a["repeats"], a["step_budget_s"], sync)}


def _cpu(torch, a, out):
    if a.get("threads"):
        torch.set_num_threads(int(a["threads"]))
    cpu = {"threads": torch.get_num_threads()}
    try:
        cpu["capability"] = torch.backends.cpu.get_cpu_capability()
    except Exception:  # noqa: BLE001 - older torch
        cpu["capability"] = None
    sync = lambda: None  # noqa: E731 - CPU work is synchronous
    _step(cpu, "ram", lambda: _memory(torch, "cpu", a["ram_bytes"], a, sync), essential=True)
    mm = {}
    for dt in ("float32", "bfloat16", "int8"):
        _step(mm, dt, lambda dt=dt: _matmul(torch, "cpu", dt, a["matmul_n"], a, sync))
    cpu["matmul"] = mm
    out["cpu"] = cpu


def _gpu_devices(torch):
    """(backend, torch device string, name, sync) for each accelerator torch can use."""
    found = []
    if torch.cuda.is_available():
        backend = "rocm" if getattr(torch.version, "hip", None) else "cuda"
        for i in range(torch.cuda.device_count()):
            found.append((backend, "cuda:%d" % i, torch.cuda.get_device_name(i),
                          lambda i=i: torch.cuda.synchronize(i)))
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        found.append(("mps", "mps", "Apple GPU (MPS)", torch.mps.synchronize))
    xpu = getattr(torch, "xpu", None)
    if xpu is not None and xpu.is_available():
        for i in range(xpu.device_count()):
            found.append(("xpu", "xpu:%d" % i, xpu.get_device_name(i), lambda: torch.xpu.synchronize()))
    return found


def _gpu(torch, backend, device, name, sync, a):
    g = {"backend": backend, "device": device, "name": name}
    if backend in ("cuda", "rocm"):
        p = torch.cuda.get_device_properties(device)
        g["memory_total_mib"] = int(p.total_memory // 2**20)
        g["compute_capability"] = "%d.%d" % (p.major, p.minor)
        free, _ = torch.cuda.mem_get_info(device)
        g["memory_free_mib"] = int(free // 2**20)
        nbytes = min(a["device_bytes"], int(free * a["memory_share"]) // 2)
    else:
        # MPS and XPU say nothing of free memory here; on unified memory it is the host's RAM.
        host_free = a.get("host_free_bytes")
        nbytes = min(a["device_bytes"], int(host_free * a["memory_share"]) // 2) if host_free else a["device_bytes"]
    g["buffer_bytes"] = nbytes
    _step(g, "memory", lambda: _memory(torch, device, nbytes, a, sync))
    mm = {}
    dtypes = ["float16", "bfloat16"] + (["int8"] if backend in ("cuda", "rocm") else [])
    for dt in dtypes:
        _step(mm, dt, lambda dt=dt: _matmul(torch, device, dt, a["gpu_matmul_n"], a, sync))
    g["matmul"] = mm
    tb = min(a["transfer_bytes"], nbytes)

    def transfer():
        host = torch.empty(tb // 4, dtype=torch.float32).pin_memory() if backend in ("cuda", "rocm") else \
            torch.empty(tb // 4, dtype=torch.float32)
        dev = torch.empty(tb // 4, dtype=torch.float32, device=device)
        return {"pinned": backend in ("cuda", "rocm"),
                "h2d": {"bytes": tb, **_timed(lambda: dev.copy_(host, non_blocking=False), a["repeats"],
                                               a["step_budget_s"], sync)},
                "d2h": {"bytes": tb, **_timed(lambda: host.copy_(dev, non_blocking=False), a["repeats"],
                                               a["step_budget_s"], sync)}}
    _step(g, "transfer", transfer)
    return g


def main(argv):
    a = dict(DEFAULTS)
    a.update(json.loads(argv[1]) if len(argv) > 1 else {})
    a.setdefault("device_bytes", 1024 * 2**20)
    a.setdefault("memory_share", 0.25)
    a.setdefault("gpu_matmul_n", 8192)
    out = {"installed": False}
    started = time.perf_counter()
    try:
        import torch
    except Exception as e:  # noqa: BLE001 - absent or broken torch: the parent falls back
        out["import_error"] = type(e).__name__ + ": " + str(e)
        print(json.dumps(out))
        return 0
    out.update(installed=True, torch=torch.__version__, cuda=getattr(torch.version, "cuda", None),
               hip=getattr(torch.version, "hip", None))
    # The budget counts from after the import: importing torch is outside the bench's control.
    DEADLINE[0] = time.perf_counter() + float(a.get("total_budget_s") or 1e9)
    out["import_seconds"] = round(time.perf_counter() - started, 3)
    if a["cpu"]:
        _step(out, "cpu_error", lambda: _cpu(torch, a, out) or None, essential=True)
    gpus = []
    if a["gpu"]:
        try:
            found = _gpu_devices(torch)
        except Exception as e:  # noqa: BLE001
            found = []
            out["gpu_error"] = type(e).__name__ + ": " + str(e)[:300]
        for backend, device, name, sync in found:
            try:
                gpus.append(_gpu(torch, backend, device, name, sync, a))
            except Exception as e:  # noqa: BLE001 - one failing GPU stays listed with its error
                gpus.append({"backend": backend, "device": device, "name": name,
                             "error": type(e).__name__ + ": " + str(e)[:300]})
    out["gpus"] = gpus
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
