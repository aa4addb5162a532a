from emit import emit
B = "base"
N = "nvidia/"


def one(name, path, fmt, gpus, top=None, note=""):
    facts = {"gpus.length": len(gpus)}
    for i, g in enumerate(gpus):
        facts[f"gpus[{i}].vendor"] = "nvidia"
        for k, v in g.items():
            facts[f"gpus[{i}].{k}"] = v
    facts.update(top or {})
    emit(name, path, B, fmt, "nvidia", facts, note)


one("base/nvidia/q-h100-mig-r590", N+"q-h100-mig-r590.txt", "nvidia-smi-q", [dict(
    name="NVIDIA H100 80GB HBM3", architecture="Hopper", driver_version="590.48.01", pci_bus_id="0000:00:09.0",
    uuid="GPU-00000000-0000-0000-0000-000000000000", memory_total_mib=81559, memory_used_mib=59, memory_free_mib=81022,
    persistence_mode=True, mig_mode=True, virtualization_mode="Pass-Through", pcie_generation=5, pcie_generation_max=5,
    pcie_width=16, pcie_width_max=16, power_limit_w=700.0, power_default_limit_w=700.0, max_sm_clock_mhz=1980,
    max_memory_clock_mhz=2619, ecc_mode=True, processes_count=0, **{
        "mig_devices.length": 4, "mig_devices[0].gpu_instance_id": 2, "mig_devices[0].memory_total_mib": 40448,
        "mig_devices[1].gpu_instance_id": 3, "mig_devices[1].memory_total_mib": 20096,
        "mig_devices[2].gpu_instance_id": 9, "mig_devices[2].memory_total_mib": 9984,
        "mig_devices[3].gpu_instance_id": 10, "mig_devices[3].memory_total_mib": 9984})],
    {"stack.cuda.driver_version": "13.1"})
one("base/nvidia/q-rtx2080super-wddm-r591", N+"q-rtx2080super-windows-wddm-r591.txt", "nvidia-smi-q", [dict(
    name="NVIDIA GeForce RTX 2080 SUPER", architecture="Turing", driver_version="591.86", pci_bus_id="0000:0c:00.0",
    memory_total_mib=8192, memory_used_mib=702, memory_free_mib=7286, driver_model="WDDM", virtualization_mode="None",
    pcie_generation=3, pcie_generation_max=3, pcie_width=16, pcie_width_max=16, power_limit_w=250.0,
    power_default_limit_w=250.0, max_sm_clock_mhz=2145, max_memory_clock_mhz=7751, processes_count=10)],
    {"stack.cuda.driver_version": "13.1"})
one("base/nvidia/q-rtx4070-laptop-wddm-r566", N+"q-rtx4070-laptop-windows-wddm-r566-prompt.txt", "nvidia-smi-q", [dict(
    name="NVIDIA GeForce RTX 4070 Laptop GPU", architecture="Ada Lovelace", driver_version="566.36",
    pci_bus_id="0000:01:00.0", uuid="GPU-1b724e78-eef5-4163-d43c-e4da15d41176", memory_total_mib=8188,
    memory_used_mib=0, memory_free_mib=7948, driver_model="WDDM", persistence_mode=True, virtualization_mode="None",
    pcie_generation=4, pcie_generation_max=4, pcie_width=8, pcie_width_max=8, power_limit_w=61.24,
    power_default_limit_w=55.0, max_sm_clock_mhz=3105, max_memory_clock_mhz=8001, processes_count=0)],
    {"stack.cuda.driver_version": "12.7"})
one("base/nvidia/q-h200-r580", N+"device-h200-r580/q-h200-r580.txt", "nvidia-smi-q", [dict(
    name="NVIDIA H200", architecture="Hopper", driver_version="580.159.04", pci_bus_id="0000:00:06.0",
    uuid="GPU-b09213ec-424b-769b-9739-ebdc5949d057", memory_total_mib=143771, memory_used_mib=0, memory_free_mib=143156,
    persistence_mode=True, mig_mode=False, virtualization_mode="Pass-Through", pcie_generation=5, pcie_generation_max=5,
    pcie_width=16, pcie_width_max=16, power_limit_w=700.0, power_default_limit_w=700.0, max_sm_clock_mhz=1980,
    max_memory_clock_mhz=3201, ecc_mode=True, processes_count=0)], {"stack.cuda.driver_version": "13.0"})
one("base/nvidia/q-x-a100-mig-r535", N+"q-x-a100-sxm4-80gb-mig-r535.xml", "nvidia-smi-q-x", [dict(
    name="NVIDIA A100-SXM4-80GB", architecture="Ampere", driver_version="535.54.03", pci_bus_id="0000:01:00.0",
    uuid="GPU-513536b6-7d19-9063-b049-1e69664bb298", memory_total_mib=81920, memory_used_mib=50, memory_free_mib=80999,
    persistence_mode=False, mig_mode=True, virtualization_mode="None", pcie_generation=4, pcie_generation_max=4,
    pcie_width=16, pcie_width_max=16, power_limit_w=500.0, power_default_limit_w=500.0, max_sm_clock_mhz=1410,
    max_memory_clock_mhz=1593, ecc_mode=True, processes_count=0, **{
        "mig_devices.length": 4, "mig_devices[0].gpu_instance_id": 3, "mig_devices[0].memory_total_mib": 19968,
        "mig_devices[3].gpu_instance_id": 6, "mig_devices[3].memory_total_mib": 19968})],
    {"stack.cuda.driver_version": "12.2"}, "attached_gpus says 4, but the stored file holds one <gpu>")
one("base/nvidia/q-x-grid-p4-vgpu-r513", N+"q-x-grid-p4-1q-vgpu-windows-r513.xml", "nvidia-smi-q-x", [dict(
    name="GRID P4-1Q", architecture="Pascal", driver_version="513.46", pci_bus_id="0000:00:0b.0",
    uuid="GPU-1b1ea7c7-1c4b-ed49-1c72-26c65f2dd207", memory_total_mib=1024, memory_used_mib=807, memory_free_mib=106,
    driver_model="WDDM", virtualization_mode="VGPU", processes_count=13)], {"stack.cuda.driver_version": "11.6"})
one("base/nvidia/q-x-gtx1660ti-r418", N+"q-x-gtx1660ti-r418-nodoctype.xml", "nvidia-smi-q-x", [dict(
    name="Graphics Device", driver_version="418.43", pci_bus_id="0000:43:00.0",
    uuid="GPU-304a277d-3545-63b8-3a36-dfde3c992989", memory_total_mib=5912, memory_used_mib=0, memory_free_mib=5912,
    persistence_mode=False, virtualization_mode="None", pcie_generation=1, pcie_generation_max=3, pcie_width=16,
    pcie_width_max=16, power_limit_w=130.0, power_default_limit_w=130.0, max_sm_clock_mhz=2145,
    max_memory_clock_mhz=4001, processes_count=0)], {"stack.cuda.driver_version": "10.1"})
one("base/nvidia/q-x-tesla-p100-r510", N+"q-x-tesla-p100-passthrough-r510.xml", "nvidia-smi-q-x", [dict(
    name="Tesla P100-PCIE-16GB", architecture="Pascal", driver_version="510.47.03", pci_bus_id="0000:00:04.0",
    uuid="GPU-d3da8716-eaab-75db-efc1-60e88e1cd55e", memory_total_mib=16384, memory_used_mib=0, memory_free_mib=16280,
    persistence_mode=False, virtualization_mode="Pass-Through", pcie_generation=3, pcie_generation_max=3,
    pcie_width=16, pcie_width_max=16, power_limit_w=250.0, power_default_limit_w=250.0, max_sm_clock_mhz=1328,
    max_memory_clock_mhz=715, ecc_mode=True, processes_count=0)], {"stack.cuda.driver_version": "11.6"})
one("base/nvidia/q-x-h200-r580", N+"device-h200-r580/q-x-h200-r580.xml", "nvidia-smi-q-x", [dict(
    name="NVIDIA H200", architecture="Hopper", driver_version="580.159.04", pci_bus_id="0000:00:06.0",
    uuid="GPU-b09213ec-424b-769b-9739-ebdc5949d057", memory_total_mib=143771, memory_used_mib=0, memory_free_mib=143156,
    persistence_mode=True, mig_mode=False, virtualization_mode="Pass-Through", pcie_generation=5, pcie_generation_max=5,
    pcie_width=16, pcie_width_max=16, power_limit_w=700.0, power_default_limit_w=700.0, max_sm_clock_mhz=1980,
    max_memory_clock_mhz=3201, ecc_mode=True, processes_count=0)], {"stack.cuda.driver_version": "13.0"})
h200csv = dict(name="NVIDIA H200", driver_version="580.159.04", pci_bus_id="0000:00:06.0",
               uuid="GPU-b09213ec-424b-769b-9739-ebdc5949d057", memory_total_mib=143771, memory_used_mib=0,
               memory_free_mib=143156, compute_capability="9.0", power_limit_w=700.0, power_default_limit_w=700.0,
               max_sm_clock_mhz=1980, max_memory_clock_mhz=3201, pcie_generation=5, pcie_generation_max=5,
               pcie_width=16, pcie_width_max=16, mig_mode=False, persistence_mode=True, ecc_mode=True,
               display_attached=False)
one("base/nvidia/csv-h200-r580", N+"device-h200-r580/csv-h200-query-fields-r580.csv", "nvidia-smi-csv", [h200csv])
one("base/nvidia/csv-h200-noheader-r580", N+"device-h200-r580/csv-h200-query-fields-noheader-nounits-r580.csv",
    "nvidia-smi-csv", [h200csv])
one("base/nvidia/csv-tesla-p100-units", N+"csv-tesla-p100-header-units.csv", "nvidia-smi-csv", [dict(
    name="Tesla P100-PCIE-16GB", uuid="GPU-ef1b2c9b-38d8-2090-2bd1-f567a3eb42a6", memory_used_mib=0,
    memory_free_mib=16280)])
one("base/nvidia/csv-rtx2080super-allfields-r591", N+"csv-rtx2080super-windows-allfields-r591.csv", "nvidia-smi-csv",
    [dict(name="NVIDIA GeForce RTX 2080 SUPER", driver_version="591.86", pci_bus_id="0000:0c:00.0",
          memory_total_mib=8192, memory_used_mib=702, memory_free_mib=7286, compute_capability="7.5",
          power_limit_w=250.0, power_default_limit_w=250.0, max_sm_clock_mhz=2145, max_memory_clock_mhz=7751,
          pcie_generation=3, pcie_generation_max=3, pcie_width=16, pcie_width_max=16, driver_model="WDDM",
          display_attached=False)])
lst = [("base/nvidia/list-8xh100-mig", N+"list-8xh100-mig-1g10gb.txt", "NVIDIA H100 80GB HBM3", 8, 7),
       ("base/nvidia/list-h100-mig-mixed-r590", N+"list-h100-mig-mixed-profiles-r590.txt", "NVIDIA H100 80GB HBM3", 1, 4),
       ("base/nvidia/list-rtx4070-laptop", N+"list-rtx4070-laptop-windows-prompt.txt", "NVIDIA GeForce RTX 4070 Laptop GPU", 1, 0),
       ("base/nvidia/list-h200-r580", N+"device-h200-r580/list-h200-r580.txt", "NVIDIA H200", 1, 0),
       ("base/nvidia/list-2xk80-azure", "lspci/azure-nc-hyperv-vga-tesla-k80.nvidia-smi.txt", "Tesla K80", 2, 0),
       ("base/nvidia/list-8xh100-rhel-ai", "lspci/kvm-vm-rhel-ai-8x-h100-4x-nvswitch-passthrough.nvidia-smi.txt", "NVIDIA H100 80GB HBM3", 8, 0)]
for name, path, gpu, n, migs in lst:
    gs = []
    for i in range(n):
        g = {"name": gpu}
        if migs:
            g["mig_mode"] = True
            g["mig_devices.length"] = migs
        gs.append(g)
    one(name, path, "nvidia-smi-L", gs)
