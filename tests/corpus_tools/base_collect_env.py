from emit import emit
B = "base"
C = "collect_env/"


def ce(name, path, vendor, facts, note=""):
    emit("base/collect_env/" + name, C + path, B, "collect_env", vendor, facts, note)


ce("broken-old-1.3.1", "broken-old-1.3.1-rtx2080ti-cuda-unavailable.txt", "nvidia", {
    "stack.torch.version": "1.3.1", "stack.python.version": "3.7", "gpus.length": 1, "gpus[0].vendor": "nvidia",
    "gpus[0].name": "GeForce RTX 2080 Ti", "gpus[0].driver_version": "430.64", "host.os_release": "Ubuntu 18.04.4 LTS"},
   "indented by four spaces as pasted (a markdown code block)")
ce("broken-rocm6.4-wsl2", "broken-rocm6.4-wsl2-no-hip-gpu.txt", "amd", {
    "stack.torch.version": "2.8.0.dev20250529+rocm6.4", "stack.python.version": "3.12.3", "gpus.length": 0,
    "cpu.arch": "x86_64", "cpu.model": "AMD Ryzen 7 5700X 8-Core Processor", "cpu.logical_cpus": 16,
    "cpu.physical_cores": 8, "host.os_release": "Ubuntu 24.04.1 LTS"})
ce("cpu-only-xeon8468", "cpu-only-linux-xeon8468-vllm-collect-env.txt", "cpu", {
    "stack.torch.version": "2.5.1+cpu", "stack.python.version": "3.10.16", "gpus.length": 0, "cpu.arch": "x86_64",
    "cpu.model": "Intel(R) Xeon(R) Platinum 8468", "cpu.logical_cpus": 192, "cpu.physical_cores": 96,
    "host.os_release": "Alibaba Group Enterprise Linux Server 7.2 (Paladin)"})
ce("cuda-rtx3060ti", "cuda-linux-rtx3060ti-arch-2.2.2.txt", "nvidia", {
    "stack.torch.version": "2.2.2", "stack.torch.cuda": "12.1", "stack.python.version": "3.12.2", "gpus.length": 1,
    "gpus[0].vendor": "nvidia", "gpus[0].name": "NVIDIA GeForce RTX 3060 Ti", "gpus[0].driver_version": "550.67",
    "cpu.arch": "x86_64", "cpu.model": "AMD Ryzen 9 7950X 16-Core Processor", "cpu.logical_cpus": 32,
    "cpu.physical_cores": 16, "host.os_release": "Arch Linux"})
ce("mps-m2max", "mps-macos-13.7-m2max-nightly-2.10.txt", "apple", {
    "stack.torch.version": "2.10.0.dev20251008", "stack.python.version": "3.11.9", "cpu.model": "Apple M2 Max",
    "cpu.vendor": "Apple", "host.os_release": "macOS 13.7.4"}, "CPU section on macOS: the sysctl brand string")
ce("rocm6.4-wsl2-rx7900xt", "rocm6.4-wsl2-rx7900xt.txt", "amd", {
    "stack.torch.version": "2.9.0.dev20250706+rocm6.4", "stack.python.version": "3.12.3", "gpus.length": 1,
    "gpus[0].vendor": "amd", "gpus[0].name": "AMD Radeon RX 7900 XT", "gpus[0].gfx_target": "gfx1100",
    "cpu.arch": "x86_64", "cpu.model": "AMD Ryzen 7 5700X 8-Core Processor", "cpu.logical_cpus": 12,
    "cpu.physical_cores": 6, "host.os_release": "Ubuntu 24.04.2 LTS"})
ce("windows-rocm7.2-8050s", "windows-rocm7.2-radeon8050s-gfx1151.txt", "amd", {
    "stack.torch.version": "2.12.0a0+rocm7.13.0a20260313", "stack.python.version": "3.12.10", "gpus.length": 1,
    "gpus[0].vendor": "amd", "gpus[0].name": "AMD Radeon(TM) 8050S Graphics", "gpus[0].gfx_target": "gfx1151",
    "cpu.model": "AMD RYZEN AI MAX 385 w/ Radeon 8050S", "cpu.vendor": "AMD", "cpu.max_mhz": 3600.0,
    "host.os_release": "Microsoft Windows 11 Pro"}, "CPU section on Windows: the wmic block")
