from emit import emit
B = "b3"
emit("b3/apple/sp-displays-m2-pro", "apple/paste/sp-displays-text-m2-pro-19-core-prompt-rama4.txt", B,
     "system_profiler-text", "apple", {"gpus.length": 1, "gpus[0].vendor": "apple", "gpus[0].name": "Apple M2 Pro",
                                       "gpus[0].gpu_cores": 19, "gpus[0].pci_vendor_id": "0x106b",
                                       "gpus[0].metal_family": "Metal 3"})
emit("b3/apple/sp-hardware-m2-pro", "apple/paste/sp-hardware-text-m2-pro-32gb-prompt-rama4.txt", B,
     "system_profiler-text", "apple", {"cpu.model": "Apple M2 Pro", "cpu.vendor": "Apple", "cpu.physical_cores": 12,
                                       "memory.total_mib": 32768})
emit("b3/linux/cpuinfo-ryzen3-4100-vm", "linux/paste/proc-cpuinfo-ryzen3-4100-vm-blank-first-line-ollama7287-truncated.txt",
     B, "proc-cpuinfo", "cpu", {"cpu.vendor": "AMD", "cpu.model": "AMD Ryzen 3 4100 4-Core Processor",
                                "cpu.physical_cores": 2, "cpu.logical_cpus": 4, "cpu.arch": "x86_64"},
     "a VM's view: 2 cores, 4 threads")
emit("b3/linux/cpuinfo-5950x-28vcpu", "linux/paste/proc-cpuinfo-ryzen9-5950x-28vcpu-wrapped-flags-ollama7359-truncated.txt",
     B, "proc-cpuinfo", "cpu", {"cpu.vendor": "AMD", "cpu.model": "AMD Ryzen 9 5950X 16-Core Processor",
                                "cpu.physical_cores": 28, "cpu.logical_cpus": 28},
     "flags wrapped by the terminal mid-word (a physical paste artefact)")
emit("b3/linux/lscpu-1950x-arrow-prompt", "linux/paste/lscpu-threadripper-1950x-arrow-prompt-inxi129-truncated.txt", B,
     "lscpu", "cpu", {"cpu.arch": "x86_64", "cpu.vendor": "AMD", "cpu.model": "AMD Ryzen Threadripper 1950X 16-Core Processor",
                      "cpu.logical_cpus": 32, "cpu.physical_cores": 16, "cpu.max_mhz": 4000.0})
emit("b3/linux/lscpu-tree-2x-epyc-9374f", "linux/paste/lscpu-tree-bios-model-2x-epyc-9374f-llama-cpp-python1815-truncated.txt",
     B, "lscpu", "cpu", {"cpu.arch": "x86_64", "cpu.vendor": "AMD", "cpu.model": "AMD EPYC 9374F 32-Core Processor",
                         "cpu.logical_cpus": 128, "cpu.physical_cores": 64, "cpu.max_mhz": 3850.0},
     "tree layout with BIOS Vendor ID / BIOS Model name lines")
emit("b3/linux/lscpu-tree-3960x", "linux/paste/lscpu-tree-threadripper-3960x-popos-prompt-sbc-reviews2-truncated.txt", B,
     "lscpu", "cpu", {"cpu.arch": "x86_64", "cpu.vendor": "AMD",
                      "cpu.model": "AMD Ryzen Threadripper 3960X 24-Core Processor", "cpu.logical_cpus": 48,
                      "cpu.physical_cores": 24, "cpu.max_mhz": 3800.0})
emit("b3/amd/rocm-smi-3.3-old-concise", "amd/paste/rocm-smi-rocm3.3-old-concise-one-gpu-roc-smi86.txt", B, "rocm-smi",
     "amd", {"gpus.length": 1, "gpus[0].vendor": "amd"}, "ROCm 3.3 concise table: no device id column")
