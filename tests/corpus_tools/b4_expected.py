from emit import emit
B = "b4"
pro = dict(memory_total_mib=97887, power_limit_w=600.0, persistence_mode=True, display_attached=False)
facts = {"gpus.length": 3}
for i, extra in enumerate([dict(pci_bus_id="0000:42:00.0", memory_used_mib=0, ecc_mode=True, mig_mode=False),
                           dict(pci_bus_id="0000:8c:00.0", memory_used_mib=0, ecc_mode=True, mig_mode=False),
                           dict(pci_bus_id="0001:04:00.0", memory_used_mib=287, mig_mode=True)]):
    facts[f"gpus[{i}].vendor"] = "nvidia"
    for k, v in {**pro, **extra}.items():
        facts[f"gpus[{i}].{k}"] = v
emit("b4/nvidia/table-3x-rtx-pro-6000-no-banner", "nvidia/paste/table-3x-rtx-pro-6000-no-banner-mig-cubecos312-truncated.txt",
     B, "nvidia-smi-table", "nvidia", facts, "pasted from the third header row on: no NVIDIA-SMI line; names cut by nvidia-smi")
emit("b4/nvidia/table-h100-pcie-mig-r570", "nvidia/paste/table-h100-pcie-mig-r570-root-prompt-sonar247-truncated.txt", B,
     "nvidia-smi-table", "nvidia", {"gpus.length": 1, "gpus[0].vendor": "nvidia", "gpus[0].name": "NVIDIA H100 PCIe",
                                    "gpus[0].pci_bus_id": "0000:c1:00.0", "gpus[0].persistence_mode": True,
                                    "gpus[0].display_attached": False, "gpus[0].driver_version": "570.124.06",
                                    "stack.cuda.driver_version": "12.8"}, "cut after the GPU's first row")
emit("b4/windows/dxdiag-sysinfo-i7-9700k", "windows/paste/dxdiag-system-information-i7-9700k-email-reply-pioneer4805-truncated.txt",
     B, "dxdiag", "windows", {"cpu.model": "Intel(R) Core(TM) i7-9700K CPU @ 3.60GHz", "cpu.vendor": "Intel",
                              "cpu.logical_cpus": 8, "memory.total_mib": 32768, "host.os": "windows",
                              "host.os_release": "Windows 10 Home"},
     "System Information only (no Display Devices), inside an e-mail reply")
emit("b4/windows/dxdiag-r9-200", "windows/paste/dxdiag-display-devices-r9-200-series-gameguru1649-truncated.txt", B,
     "dxdiag", "amd", {"gpus.length": 1, "gpus[0].vendor": "amd", "gpus[0].name": "AMD Radeon R9 200 Series",
                       "gpus[0].memory_total_mib": 4070, "gpus[0].pci_vendor_id": "0x1002",
                       "gpus[0].pci_device_id": "0x6939"}, "PCI ids only in the Device Key line (cut before Vendor ID)")
emit("b4/windows/dxdiag-quadro-m2200", "windows/paste/dxdiag-display-device-quadro-m2200-whynotwin11-58-truncated.txt", B,
     "dxdiag", "nvidia", {"gpus.length": 1, "gpus[0].vendor": "nvidia", "gpus[0].name": "NVIDIA Quadro M2200",
                          "gpus[0].memory_total_mib": 4053, "gpus[0].driver_version": "30.0.14.7242",
                          "gpus[0].pci_vendor_id": "0x10de", "gpus[0].pci_device_id": "0x1436"},
     "one display device block, no section header")
emit("b4/nvidia/list-gtx1660ti-missing-paren", "nvidia/paste/list-gtx1660ti-cmdline-missing-paren-cpu-x115.txt", B,
     "nvidia-smi-L", "nvidia", {"gpus.length": 1, "gpus[0].vendor": "nvidia", "gpus[0].name": "GeForce GTX 1660 Ti"},
     "the line lost its closing parenthesis: the uuid is not certain, not listed")
emit("b4/nvidia/q-x-gtx1660ti-r430", "nvidia/paste/q-x-gtx1660ti-r430-cmdline-cpu-x115-truncated.xml", B,
     "nvidia-smi-q-x", "nvidia", {"gpus.length": 1, "gpus[0].vendor": "nvidia", "gpus[0].name": "GeForce GTX 1660 Ti",
                                  "gpus[0].driver_version": "430.64", "gpus[0].pci_bus_id": "0000:29:00.0",
                                  "gpus[0].uuid": "GPU-e189fb8d-1627-f8f0-2ba3-c0585a8e9e85",
                                  "gpus[0].persistence_mode": True, "gpus[0].display_attached": True,
                                  "stack.cuda.driver_version": "10.1"})
emit("b4/nvidia/csv-quoted-2-gpus", "nvidia/paste/csv-noheader-quoted-lines-2-gpus-clic89.txt", B, "nvidia-smi-csv",
     "nvidia", {"gpus.length": 2, "gpus[0].vendor": "nvidia", "gpus[0].name": "NVIDIA GeForce GTX 1050 Ti",
                "gpus[0].memory_free_mib": 2131, "gpus[1].vendor": "nvidia", "gpus[1].name": "NVIDIA GeForce RTX 3080 Ti",
                "gpus[1].memory_free_mib": 16000}, "each output line quoted with '> ' (paste hygiene)")
l = {"gpus.length": 4, "gpus[0].mig_mode": True, "gpus[0].mig_devices.length": 4,
     "gpus[0].mig_devices[0].name": "1g.20gb"}
uu = ["GPU-513536b6-7d19-9063-b049-1e69664bb298", "GPU-d8594bd4-0fc3-8595-e355-7c98138f3b95",
      "GPU-5e375e7e-b41f-155b-dcdc-534524c356fc", "GPU-69ec2344-ebac-b028-f88f-452abb3d7f11"]
for i, u in enumerate(uu):
    l.update({f"gpus[{i}].vendor": "nvidia", f"gpus[{i}].name": "NVIDIA A100-SXM4-80GB", f"gpus[{i}].uuid": u})
emit("b4/nvidia/list-4xa100-mig", "nvidia/paste/list-4xa100-80gb-mig-1g20gb-cmdline-telegraf5812.txt", B, "nvidia-smi-L",
     "nvidia", l)
