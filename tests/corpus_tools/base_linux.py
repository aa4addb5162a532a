from emit import emit
B = "base"
L = "linux/"
emit("base/linux/amd-zen-lscpu-J", L+"amd-zen/lscpu-J.json", B, "lscpu-json", "cpu", {
    "cpu.vendor": "AMD", "cpu.model": "AMD Ryzen 7 8700F 8-Core Processor", "cpu.arch": "x86_64",
    "cpu.physical_cores": 8, "cpu.logical_cpus": 16, "cpu.max_mhz": 5055.3208})
emit("base/linux/intel-tigerlake-lscpu-J", L+"intel-tigerlake-i5-1145g7/lscpu-J.json", B, "lscpu-json", "cpu", {
    "cpu.vendor": "Intel", "cpu.model": "11th Gen Intel(R) Core(TM) i5-1145G7 @ 2.60GHz", "cpu.arch": "x86_64",
    "cpu.physical_cores": 4, "cpu.logical_cpus": 8, "cpu.max_mhz": 4400.0})
emit("base/linux/intel-i5-m460-lscpu-J", L+"intel-core-i5-m460/lscpu-J.json", B, "lscpu-json", "cpu", {
    "cpu.vendor": "Intel", "cpu.model": "Intel(R) Core(TM) i5 CPU       M 460  @ 2.53GHz", "cpu.arch": "x86_64",
    "cpu.physical_cores": 2, "cpu.logical_cpus": 4, "cpu.max_mhz": 2534.0})
emit("base/linux/intel-spr-gcp-lscpu", L+"intel-spr-gcp-c3/lscpu.txt", B, "lscpu", "cpu", {
    "cpu.vendor": "Intel", "cpu.model": "Intel(R) Xeon(R) Platinum 8481C CPU @ 2.70GHz", "cpu.arch": "x86_64",
    "cpu.physical_cores": 88, "cpu.logical_cpus": 176})
emit("base/linux/wsl2-lscpu", L+"wsl2/lscpu.txt", B, "lscpu", "cpu", {
    "cpu.vendor": "AMD", "cpu.model": "AMD Ryzen 7 PRO 2700 Eight-Core Processor", "cpu.arch": "x86_64",
    "cpu.physical_cores": 8, "cpu.logical_cpus": 16})
emit("base/linux/wsl2-proc-cpuinfo", L+"wsl2/proc-cpuinfo.txt", B, "proc-cpuinfo", "cpu", {
    "cpu.vendor": "AMD", "cpu.model": "AMD Ryzen 7 PRO 2700 Eight-Core Processor",
    "cpu.physical_cores": 8, "cpu.logical_cpus": 16}, "truncated to 4 of 16 blocks; siblings 16 / cpu cores 8 state the totals")
emit("base/linux/amd-zen3-5950x-proc-cpuinfo", L+"amd-zen3-5950x/proc-cpuinfo.txt", B, "proc-cpuinfo", "cpu", {
    "cpu.vendor": "AMD", "cpu.model": "AMD Ryzen 9 5950X 16-Core Processor",
    "cpu.physical_cores": 16, "cpu.logical_cpus": 32}, "truncated to 2 of 32 blocks; siblings 32 / cpu cores 16")
emit("base/linux/intel-spr-amx-proc-cpuinfo", L+"intel-spr-amx/proc-cpuinfo.txt", B, "proc-cpuinfo", "cpu", {
    "cpu.vendor": "Intel", "cpu.model": "Intel(R) Xeon(R) Platinum 8488C",
    "cpu.physical_cores": 8, "cpu.logical_cpus": 16})
emit("base/linux/intel-gnr-amx-proc-cpuinfo", L+"intel-gnr-amx/proc-cpuinfo.txt", B, "proc-cpuinfo", "cpu", {
    "cpu.vendor": "Intel", "cpu.model": "Intel(R) Xeon(R) 6972P",
    "cpu.physical_cores": 96, "cpu.logical_cpus": 96})
emit("base/linux/arm-graviton2-proc-cpuinfo", L+"arm-server-graviton2/proc-cpuinfo.txt", B, "proc-cpuinfo", "cpu", {
    "cpu.vendor": "ARM", "cpu.model": "Neoverse-N1", "cpu.logical_cpus": 1}, "one processor block: implementer 0x41 part 0xd0c")
emit("base/linux/arm-axion-proc-cpuinfo", L+"arm-server/proc-cpuinfo.txt", B, "proc-cpuinfo", "cpu", {
    "cpu.vendor": "ARM", "cpu.model": "Neoverse-V2", "cpu.logical_cpus": 1}, "one processor block: implementer 0x41 part 0xd4f")
emit("base/linux/raspberry-pi-proc-cpuinfo", L+"raspberry-pi/proc-cpuinfo.txt", B, "proc-cpuinfo", "cpu", {
    "cpu.vendor": "ARM", "cpu.model": "Cortex-A72", "cpu.logical_cpus": 4})
emit("base/linux/raspberry-pi-uname", L+"raspberry-pi/uname-a.txt", B, "uname", "other", {
    "host.os": "linux", "host.kernel": "6.12.47+rpt-rpi-v8", "host.hostname": "lulek", "host.arch": "arm64", "host.wsl": False})
emit("base/linux/wsl2-kali-uname", L+"wsl2-kali/uname-a.txt", B, "uname", "other", {
    "host.os": "linux", "host.kernel": "5.10.16.3-microsoft-standard-WSL2", "host.hostname": "DESKTOP-KSTB1B7",
    "host.arch": "x86_64", "host.wsl": True})
emit("base/linux/wsl2-kali-os-release", L+"wsl2-kali/os-release.txt", B, "os-release", "other", {
    "host.os_release": "Kali GNU/Linux Rolling"})
emit("base/linux/raspberry-pi-4-os-release", L+"raspberry-pi-4-bullseye/os-release.txt", B, "os-release", "other", {
    "host.os_release": "Debian GNU/Linux 11 (bullseye)"})
emit("base/linux/wsl2-jbell-proc-meminfo", L+"wsl2-laptop-jbell/proc-meminfo.txt", B, "proc-meminfo", "other", {
    "memory.total_mib": 7802, "memory.available_mib": 4763, "memory.swap_total_mib": 2048})
emit("base/linux/falcon-proc-meminfo", L+"x86-server-falcon/proc-meminfo.txt", B, "proc-meminfo", "other", {
    "memory.total_mib": 15887, "memory.available_mib": 8170, "memory.swap_total_mib": 0})
emit("base/linux/nvcc-11.5", L+"nvcc/nvcc-version-11.5.txt", B, "nvcc", "nvidia", {"stack.cuda.toolkit_version": "11.5"})
emit("base/linux/nvcc-12.5", L+"nvcc/nvcc-version-12.5.txt", B, "nvcc", "nvidia", {"stack.cuda.toolkit_version": "12.5"})
