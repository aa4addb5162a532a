from emit import emit
B = "base"
A = "amd/"


def amd(name, path, fmt, gpus, note=""):
    facts = {"gpus.length": len(gpus)}
    for i, g in enumerate(gpus):
        facts[f"gpus[{i}].vendor"] = "amd"
        for k, v in g.items():
            facts[f"gpus[{i}].{k}"] = v
    emit("base/amd/" + name, A + path, B, fmt, "amd", facts, note)


did = lambda *ids: [{"pci_device_id": d} for d in ids]  # noqa: E731
amd("concise-2xmi210", "rocm-smi-concise-2xmi210-rocm6.3.3-prompt.txt", "rocm-smi", did("0x740f", "0x740f"))
amd("concise-4xmi210", "rocm-smi-concise-4xmi210-prompt.txt", "rocm-smi", did(*["0x740f"] * 4))
amd("concise-strixhalo", "rocm-smi-concise-strixhalo-8060s-strix-dash.txt", "rocm-smi", did("0x1586"))
amd("concise-mi210-mi100-mi50-rocm7.2", "rocm-smi-concise-warning-mi210-mi100-mi50-rocm7.2.txt", "rocm-smi",
    did("0x740f", "0x738c", "0x66a1"), "ROCm 7.2 layout with a low-power WARNING first")
amd("concise-rx7800xt-rx580-rocm7.2", "rocm-smi-concise-warning-rx7800xt-rx580-rocm7.2.txt", "rocm-smi",
    did("0x747e", "0x67df"), "ROCm 7.2 layout with a low-power WARNING first")
amd("showproductname-2xmi210", "rocm-smi-showproductname-2xmi210-rocm6.3.3-prompt.txt", "rocm-smi",
    [dict(name="Instinct MI210", pci_device_id="0x740f", gfx_target="gfx90a")] * 2)
amd("showmeminfo-vram-apu-512mib", "rocm-smi-showmeminfo-vram-apu-512mib-rocm2408-prompt.txt", "rocm-smi",
    [dict(memory_total_mib=512)])
amd("showmeminfo-vram-gtt-strixpoint", "rocm-smi-showmeminfo-vram-gtt-strixpoint-890m-512mib-44gib-trimmed.txt",
    "rocm-smi", [dict(memory_total_mib=512, memory_gtt_mib=45056)])
amd("amd-smi-list-2xmi210", "amd-smi-list-2xmi210-rocm6.3.3-kernel6.8-prompt.txt", "amd-smi",
    [dict(pci_bus_id="0000:03:00.0"), dict(pci_bus_id="0000:83:00.0")])
amd("amd-smi-list-2xmi210-placeholder-uuid", "amd-smi-list-2xmi210-duplicate-placeholder-uuid-rocm6.3.3-prompt.txt",
    "amd-smi", [dict(pci_bus_id="0000:03:00.0"), dict(pci_bus_id="0000:83:00.0")])
amd("amd-smi-version-list-8xmi300x", "amd-smi-version-and-list-8xmi300x-amdsmi24.5.1-rocm6.1.2-prompt.txt", "amd-smi",
    [dict(pci_bus_id=b) for b in ("0000:11:00.0", "0000:2f:00.0", "0000:46:00.0", "0000:5d:00.0", "0000:8b:00.0",
                                  "0000:aa:00.0", "0000:c2:00.0", "0000:da:00.0")])
amd("amd-smi-static-aB-mi210", "amd-smi-static-aB-text-mi210.txt", "amd-smi",
    [dict(name="AMD Instinct MI210", pci_device_id="0x740f", gfx_target="gfx90a")])
amd("amd-smi-static-asic-strixhalo", "amd-smi-static-text-asic-only-strixhalo-gfx1151-excerpt-prompt.txt", "amd-smi",
    [dict(name="AMD Radeon Graphics", pci_device_id="0x1586", gfx_target="gfx1151")])
amd("amd-smi-static-strixpoint", "amd-smi-static-text-strixpoint-gfx1150-64gib-carveout-rocm7.2.txt", "amd-smi",
    [dict(name="AMD Radeon Graphics", pci_device_id="0x150e", gfx_target="gfx1150", pci_bus_id="0000:c5:00.0",
          memory_total_mib=65536)], "VRAM SIZE 65536 MB: the BIOS carve-out of an APU")
