from emit import emit
B = "b5"


def nv(name, path, fmt, gpu, driver, cuda, note=""):
    facts = {"gpus.length": 1, "gpus[0].vendor": "nvidia", "gpus[0].driver_version": driver}
    facts.update({f"gpus[0].{k}": v for k, v in gpu.items()})
    if cuda:
        facts["stack.cuda.driver_version"] = cuda
    emit(name, path, B, fmt, "nvidia", facts, note)


nv("b5/nvidia/table-rtx4090-wsl2-docker", "nvidia/paste/table-rtx4090-wsl2-docker-r555-root-prompt-ollama4726-truncated.txt",
   "nvidia-smi-table", dict(name="NVIDIA GeForce RTX 4090", pci_bus_id="0000:01:00.0", memory_total_mib=24564,
                            memory_used_mib=2853, power_limit_w=450.0, persistence_mode=True, display_attached=True,
                            ecc_mode=False), "555.85", "12.5", "WSL2: NVIDIA-SMI 555.42.03 next to the Windows driver 555.85")
nv("b5/nvidia/table-rtx4060ti-tcc-wddm", "nvidia/paste/table-rtx4060ti-16gb-tcc-wddm-column-r546-ollama1929.txt",
   "nvidia-smi-table", dict(name="NVIDIA GeForce RTX 4060 Ti", pci_bus_id="0000:03:00.0", memory_total_mib=16380,
                            memory_used_mib=581, power_limit_w=180.0, driver_model="WDDM", display_attached=True),
   "546.33", "12.3", "the TCC/WDDM column header of r53x-r54x Windows drivers")
nv("b5/nvidia/table-v100-pcie-docker", "nvidia/paste/table-v100-pcie-32gb-r470-docker-prompt-ollama11599-truncated.txt",
   "nvidia-smi-table", dict(pci_bus_id="0000:00:0d.0", memory_total_mib=32510, memory_used_mib=5038, power_limit_w=250.0,
                            persistence_mode=True, display_attached=False, ecc_mode=True), "470.223.02", "11.4",
   "name cut by nvidia-smi; processes box cut off")
nv("b5/nvidia/q-rtx3060ti-wsl2", "nvidia/paste/q-rtx3060ti-wsl2-wddm-r516-nvidia-docker1665-truncated.txt", "nvidia-smi-q",
   dict(name="NVIDIA GeForce RTX 3060 Ti", architecture="Ampere", pci_bus_id="0000:01:00.0",
        uuid="GPU-631d8576-d68e-40c9-f6a5-64074d5903e3", persistence_mode=True, driver_model="WDDM",
        display_attached=True), "516.94", "11.7")


def amd(name, path, gpus, note=""):
    facts = {"gpus.length": len(gpus)}
    for i, g in enumerate(gpus):
        facts[f"gpus[{i}].vendor"] = "amd"
        facts.update({f"gpus[{i}].{k}": v for k, v in g.items()})
    emit(name, path, B, "rocm-smi", "amd", facts, note)


amd("b5/amd/showproductname-csv-2xmi100", "amd/paste/rocm-smi-showproductname-csv-2xmi100-prompt-easybuild3978.txt",
    [dict(name="Arcturus GL-XL [AMD Instinct MI100]")] * 2, "--csv form; 'Card model' here is the subsystem id")
amd("b5/amd/showproductname-fury-x", "amd/paste/rocm-smi-showproductname-r9-fury-x-prompt-easybuild3978-truncated.txt",
    [dict(name="Fiji [Radeon R9 FURY / NANO Series]")], "old layout: 'Card model' is a name")
amd("b5/amd/showproductname-rocm4-mi100-ids", "amd/paste/rocm-smi-showproductname-rocm4.0-mi100-ids-only-prompt-legacy-rocm1351.txt",
    [dict(pci_device_id="0x738c")], "ROCm 4.0: 'Card series' shows the device id, 'Card model' the subsystem id")
amd("b5/amd/json-780m-cut", "amd/paste/rocm-smi-json-780m-phoenix3-cut-systeminformation960-truncated.json",
    [dict(name="Phoenix3", pci_device_id="0x1900", pci_bus_id="0000:c4:00.0")], "JSON cut mid-object")
emit("b5/linux/lscpu-tree-jetson-agx-orin", "linux/paste/lscpu-tree-jetson-agx-orin-clusters-vamp20-truncated.txt", B,
     "lscpu", "cpu", {"cpu.arch": "arm64", "cpu.vendor": "ARM", "cpu.model": "Cortex-A78AE", "cpu.logical_cpus": 12,
                      "cpu.physical_cores": 12, "cpu.max_mhz": 2201.6}, "4 cores per cluster x 3 clusters; Socket(s): -")
emit("b5/linux/lscpu-tree-i7-12700", "linux/paste/lscpu-tree-i7-12700-wrapped-flags-llama-cpp-python1785-truncated.txt", B,
     "lscpu", "cpu", {"cpu.arch": "x86_64", "cpu.vendor": "Intel", "cpu.model": "12th Gen Intel(R) Core(TM) i7-12700",
                      "cpu.logical_cpus": 20, "cpu.physical_cores": 10})
emit("b5/collect_env/jetson-orin", "collect_env/paste/jetson-orin-nvgpu-aarch64-vllm8708-truncated.txt", B, "collect_env",
     "nvidia", {"stack.torch.version": "2.3.0", "stack.torch.cuda": "12.2", "stack.python.version": "3.10.12",
                "gpus.length": 1, "gpus[0].vendor": "nvidia", "gpus[0].name": "Orin (nvgpu)", "cpu.arch": "arm64",
                "host.os_release": "Ubuntu 22.04.4 LTS"}, "Jetson: 'Nvidia driver version: N/A'")
