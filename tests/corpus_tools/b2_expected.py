from emit import emit
B = "b2"
emit("b2/collect_env/windows-i7-1270p", "collect_env/paste/windows-cpu-i7-1270p-numpy-warning-pytorch137846-truncated.txt",
     B, "collect_env", "cpu", {"stack.torch.version": "2.8.0.dev20250528+cpu", "stack.python.version": "3.10.17",
                               "gpus.length": 0, "cpu.model": "12th Gen Intel(R) Core(TM) i7-1270P", "cpu.vendor": "Intel",
                               "host.os_release": "Microsoft Windows 11 Enterprise"},
     "Windows CPU section (wmic /VALUE block); warning lines before the report; cut in the CPU block")
emit("b2/collect_env/linux-a10g", "collect_env/paste/linux-a10g-epyc-7r32-aws-pytorch96447-truncated.txt", B,
     "collect_env", "nvidia", {"stack.torch.version": "2.0.0+cu118", "stack.torch.cuda": "11.8",
                               "stack.python.version": "3.10.9", "gpus.length": 1, "gpus[0].vendor": "nvidia",
                               "gpus[0].name": "NVIDIA A10G", "gpus[0].driver_version": "520.61.05",
                               "cpu.arch": "x86_64", "cpu.vendor": "AMD", "cpu.model": "AMD EPYC 7R32",
                               "cpu.logical_cpus": 8, "cpu.physical_cores": 4,
                               "host.os_release": "Ubuntu 20.04.5 LTS"}, "lscpu lines with one space after the colon")
emit("b2/apple/sysctl-A-m1-apple-processor", "apple/paste/sysctl-A-machdep-cpu-m1-apple-processor-zsh-prompt-archspec38.txt",
     B, "sysctl", "apple", {"cpu.model": "Apple processor", "cpu.vendor": "Apple", "cpu.physical_cores": 8,
                            "cpu.logical_cpus": 8})
emit("b2/apple/sysctl-machdep-m1", "apple/paste/sysctl-machdep-cpu-m1-prompt-py-cpuinfo162.txt", B, "sysctl", "apple",
     {"cpu.model": "Apple M1", "cpu.vendor": "Apple", "cpu.physical_cores": 8, "cpu.logical_cpus": 8})
emit("b2/apple/sysctl-n-vm-stat-m1", "apple/paste/sp-tail-sysctl-n-vm-stat-m1-starship-prompt-ollama7255-truncated.txt", B,
     "sysctl", "apple", {"cpu.model": "Apple M1", "cpu.vendor": "Apple"},
     "three commands in one paste, starship prompts; the system_profiler part is a tail without facts")
emit("b2/apple/sysctl-grep-m1", "apple/paste/sysctl-a-grep-machdep-cpu-m1-sysinfo497-truncated.txt", B, "sysctl", "apple",
     {"cpu.model": "Apple M1", "cpu.vendor": "Apple", "cpu.physical_cores": 8})
emit("b2/apple/sysctl-a-hw-m1-pro", "apple/paste/sysctl-a-hw-m1-pro-cpufetch139-truncated.txt", B, "sysctl", "apple",
     {"cpu.logical_cpus": 10})
emit("b2/linux/proc-cpuinfo-asahi-m1", "linux/paste/proc-cpuinfo-apple-m1-asahi-uwufetch215-truncated.txt", B,
     "proc-cpuinfo", "cpu", {"cpu.vendor": "Apple", "cpu.logical_cpus": 1})
emit("b2/apple/uname-darwin-m1", "apple/paste/uname-a-darwin-m1-mac-mini-prompt-hwloc454.txt", B, "uname", "apple",
     {"host.os": "darwin", "host.kernel": "20.5.0", "host.arch": "arm64", "host.hostname": "rigs-mac-mini.lan"},
     "prompt line and a blank line before the output")
emit("b2/windows/wmic-format-list-2x-xeon", "windows/paste/wmic-win32-processor-format-list-2x-xeon-e5506-fusioninventory897-truncated.txt",
     B, "wmic-list", "cpu", {"cpu.model": "Intel(R) Xeon(R) CPU E5506 @ 2.13GHz", "cpu.vendor": "Intel",
                             "cpu.max_mhz": 2000.0}, "Key=Value blocks, one a socket; cut in the second socket's block")
emit("b2/linux/meminfo-head4", "linux/paste/proc-meminfo-head4-fedora20-tmux-mem-cpu-load8.txt", B, "proc-meminfo",
     "other", {"memory.total_mib": 16004})
emit("b2/linux/meminfo-head5", "linux/paste/proc-meminfo-head5-memavailable-fedora20-tmux-mem-cpu-load8.txt", B,
     "proc-meminfo", "other", {"memory.total_mib": 15746, "memory.available_mib": 10155})
emit("b2/linux/meminfo-head6-ellipsis", "linux/paste/proc-meminfo-head6-ellipsis-taffybar214.txt", B, "proc-meminfo",
     "other", {"memory.total_mib": 15907, "memory.available_mib": 6616})
g = dict(name="NVIDIA GeForce RTX 5090", memory_total_mib=32607, persistence_mode=False)
facts = {"gpus.length": 2, "stack.cuda.driver_version": "13.3"}
for i, extra in enumerate([dict(pci_bus_id="0000:01:00.0", memory_used_mib=29428, power_limit_w=575.0, display_attached=False),
                           dict(pci_bus_id="0000:02:00.0", memory_used_mib=30347, power_limit_w=600.0, display_attached=True)]):
    facts[f"gpus[{i}].vendor"] = "nvidia"
    facts[f"gpus[{i}].driver_version"] = "610.57.04"
    for k, v in {**g, **extra}.items():
        facts[f"gpus[{i}].{k}"] = v
emit("b2/nvidia/table-2xrtx5090-r610", "nvidia/paste/table-2xrtx5090-r610-club3090-1107-truncated.txt", B,
     "nvidia-smi-table", "nvidia", facts)
