"""vmwidgets: see how the Linux kernel (32-bit x86, 2.6.2x–2.6.3x) manages virtual memory.

The core model (``vmwidgets.model``) boots a simulated machine and emits an event for
every step of every operation; the timeline records them for stepping back and forth.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import (
    AddressError,
    ConfigError,
    InvalidArgument,
    InvariantError,
    NotASlabObject,
    NotAVmallocArea,
    PageStateError,
    VmError,
)
from .events import Event, event_from_dict, event_from_json
from .model.config import Config, KernelImage
from .model.constants import (
    __GFP_DMA,
    __GFP_HIGHMEM,
    __GFP_ZERO,
    GFP_ATOMIC,
    GFP_DMA,
    GFP_HIGHUSER,
    GFP_KERNEL,
    GFP_USER,
    MAX_ORDER,
    PAGE_SIZE,
    VM_ALLOC,
    VM_IOREMAP,
    VM_MAP,
    VM_USERMAP,
    VM_VPAGES,
)
from .model.errno import EACCES, EBADF, EINVAL, ENOMEM, EOVERFLOW, EPERM
from .model.highmem import (
    KM_BIO_DST_IRQ,
    KM_BIO_SRC_IRQ,
    KM_BOUNCE_READ,
    KM_IRQ0,
    KM_IRQ1,
    KM_IRQ_PTE,
    KM_NMI,
    KM_NMI_PTE,
    KM_PTE0,
    KM_PTE1,
    KM_SKB_DATA_SOFTIRQ,
    KM_SKB_SUNRPC_DATA,
    KM_SOFTIRQ0,
    KM_SOFTIRQ1,
    KM_SYNC_DCACHE,
    KM_SYNC_ICACHE,
    KM_UML_USERCOPY,
    KM_USER0,
    KM_USER1,
)
from .model.kernel import Kernel
from .model.layout import Layout
from .model.mm_types import (
    FMODE_READ,
    FMODE_WRITE,
    MAP_ANONYMOUS,
    MAP_DENYWRITE,
    MAP_EXECUTABLE,
    MAP_FIXED,
    MAP_GROWSDOWN,
    MAP_NORESERVE,
    MAP_PRIVATE,
    MAP_SHARED,
    PROT_EXEC,
    PROT_GROWSDOWN,
    PROT_GROWSUP,
    PROT_NONE,
    PROT_READ,
    PROT_SEM,
    PROT_WRITE,
    File,
    VmAreaStruct,
)
from .model.mmap import MmStruct
from .model.page import Page
from .model.pgtable import Translation
from .model.procmaps import from_proc_maps
from .model.rbtree import RB_BLACK, RB_RED, validate_rbtree
from .model.sched import Task
from .model.slub import SLAB_DESTROY_BY_RCU, SLAB_HWCACHE_ALIGN, SLAB_PANIC, SLAB_RECLAIM_ACCOUNT, KmemCache
from .model.validate import validate_mm
from .model.vmalloc import VmStruct
from .recording import attach_timeline
from .render.narration import explain
from .state import ViewState
from .timeline import Timeline

if TYPE_CHECKING:  # the widgets load on first use only: importing vmwidgets loads no widget library
    from .widgets.explorer import Explorer

__version__ = "0.1.0"


def explore(obj: Any) -> Explorer:
    """The explorer widget for a Kernel, Task or MmStruct: see :func:`vmwidgets.widgets.explore`."""
    from .widgets import explore as _explore

    return _explore(obj)


def export_html(obj: Any, path: str | os.PathLike[str], title: str | None = None) -> Path:
    """One standalone replay page of a widget: see :func:`vmwidgets.widgets.export_html`."""
    from .widgets import export_html as _export_html

    return _export_html(obj, path, title)


__all__ = [
    "KM_BIO_DST_IRQ",
    "KM_BIO_SRC_IRQ",
    "KM_BOUNCE_READ",
    "KM_IRQ0",
    "KM_IRQ1",
    "KM_IRQ_PTE",
    "KM_NMI",
    "KM_NMI_PTE",
    "KM_PTE0",
    "KM_PTE1",
    "KM_SKB_DATA_SOFTIRQ",
    "KM_SKB_SUNRPC_DATA",
    "KM_SOFTIRQ0",
    "KM_SOFTIRQ1",
    "KM_SYNC_DCACHE",
    "KM_SYNC_ICACHE",
    "KM_UML_USERCOPY",
    "KM_USER0",
    "KM_USER1",
    "SLAB_DESTROY_BY_RCU",
    "SLAB_HWCACHE_ALIGN",
    "SLAB_PANIC",
    "SLAB_RECLAIM_ACCOUNT",
    "KmemCache",
    "NotASlabObject",
    "EACCES",
    "EBADF",
    "EINVAL",
    "ENOMEM",
    "EOVERFLOW",
    "EPERM",
    "FMODE_READ",
    "FMODE_WRITE",
    "PROT_GROWSDOWN",
    "PROT_GROWSUP",
    "PROT_SEM",
    "MAP_ANONYMOUS",
    "MAP_DENYWRITE",
    "MAP_EXECUTABLE",
    "MAP_FIXED",
    "MAP_GROWSDOWN",
    "MAP_NORESERVE",
    "MAP_PRIVATE",
    "MAP_SHARED",
    "PROT_EXEC",
    "PROT_NONE",
    "PROT_READ",
    "PROT_WRITE",
    "RB_BLACK",
    "RB_RED",
    "File",
    "MmStruct",
    "Task",
    "VmAreaStruct",
    "validate_mm",
    "attach_timeline",
    "from_proc_maps",
    "validate_rbtree",
    "AddressError",
    "Config",
    "ConfigError",
    "Event",
    "GFP_ATOMIC",
    "GFP_DMA",
    "GFP_HIGHUSER",
    "GFP_KERNEL",
    "GFP_USER",
    "InvalidArgument",
    "InvariantError",
    "Kernel",
    "KernelImage",
    "Layout",
    "MAX_ORDER",
    "NotAVmallocArea",
    "PAGE_SIZE",
    "Page",
    "PageStateError",
    "Timeline",
    "Translation",
    "VM_ALLOC",
    "VM_IOREMAP",
    "VM_MAP",
    "VM_USERMAP",
    "VM_VPAGES",
    "ViewState",
    "VmError",
    "VmStruct",
    "__GFP_DMA",
    "__GFP_HIGHMEM",
    "__GFP_ZERO",
    "event_from_dict",
    "event_from_json",
    "explain",
    "explore",
    "export_html",
]
