from emit import emit
B = "base"
N = "nvidia/"


def table(name, path, driver, cuda, gpus, extra=None, note=""):
    facts = {"gpus.length": len(gpus)}
    for i, g in enumerate(gpus):
        for k, v in g.items():
            facts[f"gpus[{i}].{k}"] = v
        facts[f"gpus[{i}].vendor"] = "nvidia"
        facts[f"gpus[{i}].driver_version"] = driver
    facts["stack.cuda.driver_version"] = cuda
    facts.update(extra or {})
    emit(name, path, B, "nvidia-smi-table", "nvidia", facts, note)


def same(n, **kw):
    return [dict(kw, pci_bus_id=b) for b in n]


g4090 = dict(name="NVIDIA GeForce RTX 4090", memory_total_mib=24564, memory_used_mib=1583, power_limit_w=400.0,
             persistence_mode=False, display_attached=False, ecc_mode=False, processes_count=5, processes_memory_mib=1548)
table("base/nvidia/table-2xrtx4090-r580", N+"table-2xrtx4090-processes-r580.txt", "580.126.09", "13.0",
      [dict(g4090, pci_bus_id="0000:01:00.0"), dict(g4090, pci_bus_id="0000:03:00.0")])
gh = dict(name="NVIDIA GH200 120GB", memory_total_mib=97871, power_limit_w=900.0, persistence_mode=True,
          display_attached=False, ecc_mode=True, processes_count=0)
table("base/nvidia/table-4xgh200-r590", N+"table-4xgh200-domain-r590.txt", "590.48.01", "13.1",
      [dict(gh, pci_bus_id=b, memory_used_mib=u) for b, u in
       (("0009:01:00.0", 3), ("0019:01:00.0", 3), ("0029:01:00.0", 3), ("0039:01:00.0", 4))])
table("base/nvidia/table-8xa100-r450", N+"table-8xa100-sxm4-40gb-r450.txt", "450.102.04", "11.0",
      same(["0000:07:00.0", "0000:0f:00.0", "0000:47:00.0", "0000:4e:00.0", "0000:87:00.0", "0000:90:00.0",
            "0000:b7:00.0", "0000:bd:00.0"], name="A100-SXM4-40GB", memory_total_mib=40537, memory_used_mib=0,
           power_limit_w=400.0, persistence_mode=True, display_attached=False, ecc_mode=True, processes_count=0))
table("base/nvidia/table-8xh200-r570", N+"table-8xh200-r570.txt", "570.133.20", "12.8",
      same(["0000:8d:00.0", "0000:91:00.0", "0000:95:00.0", "0000:99:00.0", "0000:ab:00.0", "0000:af:00.0",
            "0000:b3:00.0", "0000:b7:00.0"], name="NVIDIA H200", memory_total_mib=143771, memory_used_mib=0,
           power_limit_w=700.0, persistence_mode=True, display_attached=False, ecc_mode=True, processes_count=0))
table("base/nvidia/table-h100-mig-r590", N+"table-h100-mig-r590.txt", "590.48.01", "13.1",
      [dict(name="NVIDIA H100 80GB HBM3", pci_bus_id="0000:00:09.0", memory_total_mib=81559, memory_used_mib=59,
            power_limit_w=700.0, persistence_mode=True, display_attached=False, mig_mode=True, processes_count=0)],
      {"gpus[0].mig_devices.length": 4, "gpus[0].mig_devices[0].gpu_instance_id": 2,
       "gpus[0].mig_devices[0].memory_total_mib": 40448, "gpus[0].mig_devices[1].gpu_instance_id": 3,
       "gpus[0].mig_devices[1].memory_total_mib": 20096, "gpus[0].mig_devices[2].gpu_instance_id": 9,
       "gpus[0].mig_devices[2].memory_total_mib": 9984, "gpus[0].mig_devices[3].gpu_instance_id": 10,
       "gpus[0].mig_devices[3].memory_total_mib": 9984, "gpus[0].mig_devices[3].compute_instance_id": 0})
table("base/nvidia/table-rtx2080super-wddm-r591", N+"table-rtx2080super-windows-wddm-r591.txt", "591.86", "13.1",
      [dict(pci_bus_id="0000:0c:00.0", memory_total_mib=8192, memory_used_mib=702, power_limit_w=250.0,
            driver_model="WDDM", display_attached=False, processes_count=10)],
      note="name truncated by the table ('NVIDIA GeForce RTX 2080 ...'): not a stated fact")
table("base/nvidia/table-rtx3060-wddm-r560", N+"table-rtx3060-windows-wddm-r560-banner.txt", "560.94", "12.6",
      [dict(name="NVIDIA GeForce RTX 3060", pci_bus_id="0000:07:00.0", memory_total_mib=12288, memory_used_mib=1342,
            power_limit_w=170.0, driver_model="WDDM", display_attached=True, processes_count=19)])
table("base/nvidia/table-tesla-p100-r470", N+"table-tesla-p100-truncated-name-r470.txt", "470.82.01", "11.4",
      [dict(pci_bus_id="0000:03:00.0", memory_total_mib=12198, memory_used_mib=0, power_limit_w=250.0,
            persistence_mode=True, display_attached=False, ecc_mode=True, processes_count=0)],
      note="name truncated ('Tesla P100-PCIE...'): not a stated fact")
table("base/nvidia/table-tesla-p40-r440", N+"table-tesla-p40-r440.txt", "440.33.01", "10.2",
      [dict(name="Tesla P40", pci_bus_id="0000:04:00.0", memory_total_mib=22919, memory_used_mib=0, power_limit_w=250.0,
            persistence_mode=True, display_attached=False, ecc_mode=True, processes_count=0)])
table("base/nvidia/table-h200-r580", N+"device-h200-r580/table-h200-r580.txt", "580.159.04", "13.0",
      [dict(name="NVIDIA H200", pci_bus_id="0000:00:06.0", memory_total_mib=143771, memory_used_mib=0, power_limit_w=700.0,
            persistence_mode=True, display_attached=False, ecc_mode=True, processes_count=0)])
table("base/nvidia/table-4xl4-aws-r550", "lspci/aws-g6-kvm-epyc-4x-nvidia-l4.nvidia-smi.txt", "550.144.03", "12.4",
      same(["0000:38:00.0", "0000:3a:00.0", "0000:3c:00.0", "0000:3e:00.0"], name="NVIDIA L4", memory_total_mib=23034,
           memory_used_mib=1, power_limit_w=72.0, persistence_mode=True, display_attached=False, ecc_mode=True,
           processes_count=0))
