"""Opening a lesson in JupyterLab leaves it unmodified.

When a notebook's kernel connects, JupyterLab writes the kernel's `language_info` (and its
kernel spec) into the notebook's metadata; if they differ from what is stored, the notebook is
marked modified at once and closing it asks to save. So the stored metadata must be exactly what
the course's kernel reports (`make notebooks` stores it).
"""

import sys

import nbformat
import pytest
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import start_new_kernel

from course_app import paths

NOTEBOOKS = sorted(paths.NOTEBOOKS.glob("*.ipynb"))


@pytest.fixture(scope="module")
def kernel_language_info() -> dict:
    """The `language_info` of a fresh `python3` kernel, from its kernel_info reply."""
    manager, client = start_new_kernel(kernel_name="python3")
    try:
        return client.kernel_info(reply=True, timeout=30)["content"]["language_info"]
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_stored_metadata_is_what_the_kernel_reports(path, kernel_language_info):
    metadata = nbformat.read(path, as_version=4).metadata
    spec = KernelSpecManager().get_kernel_spec("python3")
    assert metadata.kernelspec == {"display_name": spec.display_name, "language": spec.language,
                                   "name": "python3"}
    stored = dict(metadata.language_info)
    expected = dict(kernel_language_info)
    if stored.get("version", "").split(".")[:2] != [str(n) for n in sys.version_info[:2]]:
        # Made on another Python (outputs are made on 3.11): only the version may differ.
        stored.pop("version", None)
        expected.pop("version", None)
    assert stored == expected, "run `make notebooks` to store the kernel's language_info"
