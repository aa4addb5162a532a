from emit import emit
B = "b6"
emit("b6/collect_env/windows-xpu-arc-b580", "collect_env/paste/windows-xpu-arc-b580-triton7308-truncated.txt", B,
     "collect_env", "intel", {"stack.torch.version": "2.13.0+xpu", "stack.torch.xpu_available": True,
                              "stack.python.version": "3.12.13", "gpus.length": 1, "gpus[0].vendor": "intel",
                              "gpus[0].name": "Intel(R) Arc(TM) B580 Graphics", "gpus[0].driver_version": "32.0.101.8826",
                              "host.os_release": "Microsoft Windows 11 Pro Insider Preview"},
     "XPU build: 'Intel GPU models onboard:' lists the GPU; cut in the device-properties line")
emit("b6/collect_env/linux-xpu-source-build", "collect_env/paste/linux-xpu-source-build-warnings-vllm8655-truncated.txt", B,
     "collect_env", "cpu", {"stack.torch.version": "2.5.0a0+git136e28f", "stack.python.version": "3.10.14",
                            "gpus.length": 0, "cpu.arch": "x86_64", "host.os_release": "Ubuntu 22.04.4 LTS"},
     "warning lines between 'Collecting environment information...' and the report")
