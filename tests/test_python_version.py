"""Which Python the notebook kernels run: printed in the log, and the same as the tests'.

nbval starts each notebook's kernel from its kernel name ("python3"); a kernel spec installed
elsewhere on the machine could point at another Python than the environment's. This test starts
a kernel the same way, prints its `sys.version`, and checks it is this environment's Python."""

import os
import sys

from jupyter_client.manager import start_new_kernel


def test_notebook_kernels_run_the_environments_python(capsys):
    manager, client = start_new_kernel(kernel_name="python3")
    printed = []
    try:
        client.execute_interactive(
            "import os, sys; print(sys.version); print(os.path.realpath(sys.prefix))",
            timeout=120,
            output_hook=lambda message: printed.append(message["content"].get("text", "")))
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
    version, prefix = "".join(printed).strip().splitlines()
    with capsys.disabled():  # into the log, whatever pytest captures
        print(f"\nnotebook kernels run Python {version} ({prefix})")
    assert version == sys.version
    assert prefix == os.path.realpath(sys.prefix), "the kernel runs in this environment"
