from emit import emit
B = "base"
A = "apple/"
W = "windows/"
emit("base/apple/sysctl-hw-optional-m3", A+"sysctl-hw-optional-m3-prompt.txt", B, "sysctl", "apple", {},
     "states ARM feature flags only (cpu.flags, a list, not written out here): counted for 'read'")
emit("base/apple/sysctl-brand-string-m3", A+"sysctl-n-machdep-cpu-brand-string-m3-prompt.txt", B, "sysctl", "apple",
     {"cpu.model": "Apple M3", "cpu.vendor": "Apple"})
emit("base/apple/sysctl-iogpu-wired-limit-m1max", A+"sysctl-set-iogpu-wired-limit-m1max-32gb-prompt.txt", B, "sysctl",
     "apple", {}, "states only iogpu.wired_limit_mb (no GPU entry to carry it): counted for 'read'")
emit("base/apple/sp-displays-json-m1", A+"system-profiler-displays-json-m1-macbookair-pytorch-serve.json", B,
     "system_profiler-json", "apple", {"gpus.length": 1, "gpus[0].vendor": "apple", "gpus[0].name": "Apple M1",
                                       "gpus[0].gpu_cores": 7})
emit("base/apple/sp-displays-text-vega64", A+"system-profiler-displays-text-imacpro2017-radeon-pro-vega64.txt", B,
     "system_profiler-text", "amd", {"gpus.length": 1, "gpus[0].vendor": "amd", "gpus[0].name": "Radeon Pro Vega 64",
                                     "gpus[0].memory_total_mib": 16384, "gpus[0].pci_vendor_id": "0x1002",
                                     "gpus[0].pci_device_id": "0x6860"})
emit("base/apple/sp-hardware-json-anka-vm", A+"system-profiler-hardware-json-anka-vm-virtualmac2,1-chip-unknown.json", B,
     "system_profiler-json", "apple", {"cpu.physical_cores": 6, "memory.total_mib": 14336},
     "chip_type 'Unknown': no model stated")
emit("base/apple/sp-hardware-text-m3", A+"system-profiler-hardware-text-m3-macbookpro-mac15,3-prompt.txt", B,
     "system_profiler-text", "apple", {"cpu.model": "Apple M3", "cpu.vendor": "Apple", "cpu.physical_cores": 8,
                                       "memory.total_mib": 24576})
emit("base/windows/cim-adapterram-amd-cap", W+"ciminstance-select-adapterram-amd-16gb-cap-prompt.txt", B, "cim-list",
     "windows", {}, "only AdapterRAM at the 4 GiB cap: no GPU name, no true memory stated")
emit("base/windows/dxdiag-blank-win7", W+"dxdiag-t-blank-display-device-gtx1050ti-win7-excerpt.txt", B, "dxdiag",
     "windows", {"gpus.length": 0, "cpu.model": "AMD Athlon(tm) II X4 645 Processor", "cpu.logical_cpus": 4,
                 "memory.total_mib": 18432}, "the only display device is blank (no name, vendor 0x0000)")
emit("base/windows/dxdiag-rtx4060ti", W+"dxdiag-t-rtx4060ti-8gb-desktop-win11-first-display-excerpt.txt", B, "dxdiag",
     "nvidia", {"gpus.length": 1, "gpus[0].vendor": "nvidia", "gpus[0].name": "NVIDIA GeForce RTX 4060 Ti",
                "gpus[0].memory_total_mib": 7949, "gpus[0].pci_vendor_id": "0x10de", "gpus[0].pci_device_id": "0x2803",
                "gpus[0].driver_version": "32.0.15.8064", "cpu.model": "AMD Ryzen 9 5950X 16-Core Processor",
                "cpu.logical_cpus": 32, "memory.total_mib": 32768, "host.os": "windows"})
emit("base/windows/dxdiag-rx9070xt", W+"dxdiag-t-rx9070xt-dual-display-win11-excerpt.txt", B, "dxdiag", "amd", {
    "gpus.length": 1, "gpus[0].vendor": "amd", "gpus[0].name": "AMD Radeon RX 9070 XT", "gpus[0].memory_total_mib": 15724,
    "gpus[0].pci_vendor_id": "0x1002", "gpus[0].pci_device_id": "0x7550", "gpus[0].driver_version": "32.0.32014.0",
    "cpu.model": "AMD Ryzen 9 5900XT 16-Core Processor", "cpu.logical_cpus": 32, "memory.total_mib": 98304,
    "host.os": "windows"}, "two Display Devices entries with the same device key: one card, two monitors")
emit("base/windows/cim-all-iris-plus", W+"get-ciminstance-property-all-list-iris-plus-powertip-2020.txt", B, "cim-list",
     "intel", {"gpus.length": 1, "gpus[0].vendor": "intel", "gpus[0].name": "Intel(R) Iris(R) Plus Graphics",
               "gpus[0].pci_vendor_id": "0x8086", "gpus[0].pci_device_id": "0x8a52",
               "gpus[0].driver_version": "26.20.100.7463"})
emit("base/windows/wmi-rx580-cap", W+"get-wmiobject-list-rx580-2048sp-adapterram-cap-excerpt.txt", B, "cim-list", "amd", {
    "gpus.length": 1, "gpus[0].vendor": "amd", "gpus[0].name": "AMD Radeon RX 580 2048SP", "gpus[0].pci_vendor_id": "0x1002",
    "gpus[0].pci_device_id": "0x6fdf", "gpus[0].driver_version": "31.0.12044.3"}, "AdapterRAM at the cap: memory not stated")
emit("base/windows/wmi-json-iris-xe", W+"get-wmiobject-select-convertto-json-iris-xe-ps51-prompt.txt", B, "cim-json",
     "intel", {"gpus.length": 1, "gpus[0].vendor": "intel", "gpus[0].name": "Intel(R) Iris(R) Xe Graphics"})
emit("base/windows/wmi-processor-i9-11900kf", W+"get-wmiobject-win32-processor-i9-11900kf-excerpt-prompt.txt", B,
     "cim-list", "cpu", {"cpu.vendor": "Intel", "cpu.model": "11th Gen Intel(R) Core(TM) i9-11900KF @ 3.50GHz",
                         "cpu.max_mhz": 3504.0})
emit("base/windows/wmi-rtx3050ti-uhd", W+"get-wmiobject-win32-videocontroller-rtx3050ti-laptop-plus-uhd-tigerlake-msi.txt",
     B, "cim-list", "nvidia", {"gpus.length": 2, "gpus[0].vendor": "nvidia",
                               "gpus[0].name": "NVIDIA GeForce RTX 3050 Ti Laptop GPU", "gpus[0].pci_device_id": "0x25a0",
                               "gpus[0].driver_version": "32.0.15.6590", "gpus[1].vendor": "intel",
                               "gpus[1].name": "Intel(R) UHD Graphics", "gpus[1].pci_device_id": "0x9a60",
                               "gpus[1].driver_version": "30.0.101.2079"})
emit("base/windows/registry-gtx1070", W+"registry-json-gtx1070-qwmemorysize-multipoolminer2448-fragment.txt", B,
     "registry-json", "nvidia", {"gpus.length": 1, "gpus[0].vendor": "nvidia", "gpus[0].name": "NVIDIA GeForce GTX 1070",
                                 "gpus[0].memory_total_mib": 8192, "gpus[0].pci_device_id": "0x1b81",
                                 "gpus[0].driver_version": "26.21.14.4120"})
emit("base/windows/wmic-rtx4090-uhd770", W+"wmic-videocontroller-rtx4090-uhd770-adapterram-cap.txt", B, "wmic", "nvidia", {
    "gpus.length": 2, "gpus[0].vendor": "nvidia", "gpus[0].name": "NVIDIA GeForce RTX 4090", "gpus[1].vendor": "intel",
    "gpus[1].name": "Intel(R) UHD Graphics 770"}, "AdapterRAM at the cap for the 4090; 1 GiB for the iGPU (a nominal figure)")
