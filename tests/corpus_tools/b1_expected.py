from emit import emit
B = "b1"
P = "nvidia/paste/"
L = "linux/paste/"


def nv(name, path, fmt, gpus, driver=None, cuda=None, note=""):
    facts = {"gpus.length": len(gpus)}
    for i, g in enumerate(gpus):
        facts[f"gpus[{i}].vendor"] = "nvidia"
        if driver:
            facts[f"gpus[{i}].driver_version"] = driver
        for k, v in g.items():
            facts[f"gpus[{i}].{k}"] = v
    if cuda:
        facts["stack.cuda.driver_version"] = cuda
    emit(name, path, B, fmt, "nvidia", facts, note)


b200 = dict(name="NVIDIA B200", memory_total_mib=183359, memory_used_mib=0, power_limit_w=1000.0, persistence_mode=True,
            display_attached=False, ecc_mode=True, mig_mode=False)
nv("b1/nvidia/table-2xb200-r610", P+"table-2xb200-r610-kmd-header-sglang27487-truncated.txt", "nvidia-smi-table",
   [dict(b200, pci_bus_id="0000:63:00.0"), dict(b200, pci_bus_id="0000:68:00.0")], "610.43.02", "13.3")
nv("b1/nvidia/table-rtx3080-laptop-r610", P+"table-rtx3080-laptop-r610-kmd-header-finpilot160-truncated.txt",
   "nvidia-smi-table", [dict(pci_bus_id="0000:01:00.0", memory_total_mib=16384, memory_used_mib=14, power_limit_w=80.0,
                             persistence_mode=False, display_attached=False)], "610.43.03", "13.3",
   "name truncated by nvidia-smi; the processes box is cut off")
nv("b1/nvidia/table-rtx5070-laptop-r610", P+"table-rtx5070-laptop-r610-kmd-header-mistralrs2287-truncated.txt",
   "nvidia-smi-table", [dict(pci_bus_id="0000:02:00.0", memory_total_mib=12227, memory_used_mib=273, power_limit_w=70.0,
                             persistence_mode=False, display_attached=True)], "610.43.02", "13.3")
nv("b1/nvidia/q-gtx780-r450", P+"q-gtx780-r450-prompt-sysmon12-truncated.txt", "nvidia-smi-q",
   [dict(name="GeForce GTX 780", pci_bus_id="0000:01:00.0", uuid="GPU-a230e637-c9e1-1b61-3830-a437b874d88d",
         persistence_mode=False)], "450.66", "11.0")
nv("b1/nvidia/q-gtx1080-r396", P+"q-gtx1080-r396-nvidia-docker954-truncated.txt", "nvidia-smi-q",
   [dict(name="GeForce GTX 1080", pci_bus_id="0000:01:00.0", uuid="GPU-0200523e-f473-3a45-9b4a-fbbe0e41ccf8",
         persistence_mode=False, display_attached=True)], "396.54")
nv("b1/nvidia/q-quadro-m1000m-r375", P+"q-quadro-m1000m-r375-nvidia-docker688-truncated.txt", "nvidia-smi-q",
   [dict(name="Quadro M1000M", pci_bus_id="0000:01:00.0", uuid="GPU-7cfc2710-0025-0d50-7ce9-5c877f079cb4",
         persistence_mode=False, display_attached=True, virtualization_mode="None")], "375.82")
nv("b1/nvidia/q-tesla-k80-r390", P+"q-tesla-k80-aws-r390-nvidia-docker809-truncated.txt", "nvidia-smi-q",
   [dict(name="Tesla K80", pci_bus_id="0000:00:1e.0", uuid="GPU-78b84756-65f8-ec6b-851d-3878b541caf4",
         persistence_mode=False, display_attached=False)], "390.77")
nv("b1/nvidia/q-gtx960m-r410", P+"q-gtx960m-laptop-r410-netdata4892-truncated.txt", "nvidia-smi-q",
   [dict(name="GeForce GTX 960M", pci_bus_id="0000:01:00.0", uuid="GPU-101b1cf0-fdf7-b374-a62c-76b25134fcf2",
         persistence_mode=False, display_attached=False)], "410.72", "10.0")
nv("b1/nvidia/q-8800gt-r340", P+"q-8800gt-r340-cmdline-netdata2759-truncated.txt", "nvidia-smi-q",
   [dict(name="GeForce 8800 GT", pci_bus_id="0000:01:00.0", uuid="GPU-da613ba8-27bb-76b9-2c57-d36a5905478a",
         persistence_mode=False)], "340.102")
nv("b1/nvidia/q-x-rtx3090-r555-truncated", P+"q-x-rtx3090-r555-prompt-astra131-truncated.xml", "nvidia-smi-q-x",
   [dict(name="NVIDIA GeForce RTX 3090", architecture="Ampere", pci_bus_id="0000:c1:00.0",
         uuid="GPU-8957c40c-ccda-23ec-9b28-f0ec12f25f2a", persistence_mode=True, display_attached=True)],
   "555.42.06", "12.5", "XML cut off inside <gpu> (thread length limit)")
nv("b1/nvidia/q-x-rtx4090-r535-truncated", P+"q-x-rtx4090-r535-netdata15755-truncated.xml", "nvidia-smi-q-x",
   [dict(name="NVIDIA GeForce RTX 4090", architecture="Ada Lovelace", pci_bus_id="0000:84:00.0",
         persistence_mode=True, display_attached=False)], "535.86.05", "12.2", "XML cut off inside <gpu>")
nv("b1/nvidia/q-rtx2060-r525-fence", P+"q-rtx2060-r525-fence-on-first-line-nvidia-docker1724-truncated.txt",
   "nvidia-smi-q", [dict(name="NVIDIA GeForce RTX 2060", architecture="Turing", pci_bus_id="0000:00:10.0",
                         uuid="GPU-d0b2b12b-a223-ad5a-6661-e65ffde8f84b", persistence_mode=False,
                         display_attached=False)], "525.78.01", "12.0",
   "paste hygiene: a markdown fence marker glued to the first line, no NVSMI LOG banner")
q4000 = dict(name="Quadro RTX 4000")
nv("b1/nvidia/list-then-table-2x-quadro-rtx4000", P+"list-then-table-2x-quadro-rtx4000-r535-root-prompt-akash12-truncated.txt",
   "nvidia-smi-L+table", [dict(q4000, uuid="GPU-c7b57be0-94ff-d352-a59b-d0ee00aeed43", pci_bus_id="0000:06:00.0",
                               memory_total_mib=8192, memory_used_mib=1, power_limit_w=125.0, persistence_mode=False,
                               display_attached=False),
                          dict(q4000, uuid="GPU-d6de6afc-bdfe-75c4-5273-0544439153fc")], "535.129.03", "12.2",
   "two commands in one paste (root prompts); the table is cut off after GPU 0")
nv("b1/nvidia/table-gtx1070-r396", P+"table-gtx1070-r396-no-cuda-nvml-fix11-truncated.txt", "nvidia-smi-table",
   [dict(name="GeForce GTX 1070", pci_bus_id="0000:24:00.0", memory_total_mib=8114, memory_used_mib=1917,
         power_limit_w=210.0, persistence_mode=False, display_attached=True)], "396.24",
   note="r396 header has no CUDA Version; processes box cut off")
nv("b1/nvidia/csv-rtx2080ti-nounits", P+"csv-rtx2080ti-windows-nounits-cmdline-mindminer627.txt", "nvidia-smi-csv",
   [dict(name="GeForce RTX 2080 Ti", power_limit_w=210.0)], note="command line first, blank line after the header")
v100 = dict(name="Tesla V100-SXM2-16GB", memory_total_mib=16384, memory_used_mib=5, power_limit_w=300.0,
            persistence_mode=False, display_attached=False, ecc_mode=True)
nv("b1/nvidia/table-2xv100-r580", P+"table-2xv100-sxm2-r580-maxcontextfinder6-truncated.txt", "nvidia-smi-table",
   [dict(v100, pci_bus_id="0000:03:00.0"), dict(v100, pci_bus_id="0000:06:00.0")], "580.126.09", "13.0")


def cpu(name, path, fmt, facts, note=""):
    emit(name, path, B, fmt, "cpu", {f"cpu.{k}": v for k, v in facts.items()}, note)


cpu("b1/linux/lscpu-tree-snapdragon", L+"lscpu-tree-snapdragon8gen2-termux-util-linux3062-truncated.txt", "lscpu",
    dict(arch="arm64", logical_cpus=8, vendor="ARM", model="Cortex-A510"),
    "tree layout; hybrid: first cluster's model; cut off before the other clusters' counts")
cpu("b1/linux/lscpu-tree-cortex-x925", L+"lscpu-tree-cortex-x925-a725-hyperion842-truncated.txt", "lscpu",
    dict(arch="arm64", logical_cpus=20, vendor="ARM", model="Cortex-X925", physical_cores=20),
    "tree layout, two clusters of 10 cores, 1 thread per core")
cpu("b1/linux/lscpu-ultra9-185h-fence", L+"lscpu-ultra9-185h-fence-on-first-line-util-linux4595.txt", "lscpu",
    dict(arch="x86_64", logical_cpus=22, vendor="Intel", model="Intel(R) Core(TM) Ultra 9 185H", physical_cores=16),
    "paste hygiene: fence marker glued to the first line")
cpu("b1/linux/lscpu-tree-excerpt-285k", L+"lscpu-tree-excerpt-ultra9-285k-util-linux3902.txt", "lscpu",
    dict(model="Intel(R) Core(TM) Ultra 9 285K", physical_cores=24), "indented tree block only; 1 core x 24 sockets")
cpu("b1/linux/proc-cpuinfo-xeon-6326-vm", L+"proc-cpuinfo-xeon-gold-6326-vm-ollama7359-truncated.txt", "proc-cpuinfo",
    dict(vendor="Intel", model="Intel(R) Xeon(R) Gold 6326 CPU @ 2.90GHz", physical_cores=1, logical_cpus=1))
cpu("b1/linux/lscpu-grep-265k", L+"lscpu-grep-ultra7-265k-prompt-llamacpp28625.txt", "lscpu",
    dict(logical_cpus=20, model="Intel(R) Core(TM) Ultra 7 265K"), "lscpu | grep: three lines")
cpu("b1/linux/lscpu-power9", L+"lscpu-power9-phyp-prompt-util-linux698.txt", "lscpu",
    dict(arch="ppc64le", logical_cpus=80, model="POWER9 (architected), altivec supported", physical_cores=10))
