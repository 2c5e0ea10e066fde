"""jupyter_kernel_test conformance suite for the Glassbox kernel (every sample filled in)."""
from __future__ import annotations

import unittest

import jupyter_kernel_test

from glassbox_harness import KERNEL_NAME, install_kernelspec

install_kernelspec()


class GlassboxKernelTests(jupyter_kernel_test.KernelTests):
    kernel_name = KERNEL_NAME
    language_name = "glassbox"
    file_extension = ".gbx"

    code_hello_world = 'print("hello, world")'
    code_stderr = 'warn("oops")'

    completion_samples = [
        {"text": "pri", "matches": {"print"}},
        {"text": "readL", "matches": {"readLine"}},
    ]

    complete_code_samples = ['print("hello")', "6 * 7", "let x = 3"]
    incomplete_code_samples = ["print(1 +", "for i in 0..<3 {"]
    invalid_code_samples = ["print(1))"]

    code_display_data = [{"code": 'show(colormap("viridis"))', "mime": "image/png"}]

    code_execute_result = [
        {"code": "6 * 7", "result": "42"},
        {"code": 'colormap("hot")', "mime": "image/png"},
    ]

    code_history_pattern = "6 *"
    supported_history_operations = ("tail", "range", "search")

    code_inspect_sample = "print"
    code_page_something = "print?"
    code_generate_error = "undefinedName"

    code_clear_output = "clearOutput()"


class GlassboxIopubWelcomeTests(jupyter_kernel_test.IopubWelcomeTests):
    kernel_name = KERNEL_NAME
    support_iopub_welcome = True


if __name__ == "__main__":
    unittest.main()
