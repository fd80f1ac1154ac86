"""kfp's protobuf classes, loaded without running `kfp/__init__.py`.

`from kfp.pipeline_spec import pipeline_spec_pb2` imports the `kfp` package
first, and its `__init__` pulls in the DSL and the kubernetes client (most of
a second).  The generated `*_pb2.py` files themselves need only protobuf, so
this module executes them straight from their files, under their real module
names, and leaves them in `sys.modules`.  A later real `import kfp` in the same
process then finds them there instead of executing them again, so each
`.proto` file is added to protobuf's descriptor pool exactly once.

Two details keep that later `import kfp` intact:

- `kubernetes_executor_config_pb2` itself says `from kfp.pipeline_spec import
  pipeline_spec_pb2`.  While it executes, stand-in `kfp` / `kfp.pipeline_spec`
  package objects sit in `sys.modules` so that import resolves to the module
  loaded here; they are removed again right after, so the real packages run
  their own `__init__` when someone imports them.
- A module found in `sys.modules` is not set as an attribute of its package
  when that package is imported later, so `kfp.pipeline_spec.pipeline_spec_pb2`
  (attribute access) would fail.  `_AttachEarlyModules`, a meta-path finder,
  sets those attributes when the real packages are imported, then removes
  itself.
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
import sys
import threading
from pathlib import Path
from types import ModuleType

PIPELINE_SPEC_MODULE = "kfp.pipeline_spec.pipeline_spec_pb2"
KUBERNETES_MODULE = "kfp.kubernetes.kubernetes_executor_config_pb2"

_lock = threading.Lock()


class ProtosUnavailable(ImportError):
    """The package holding a `.proto` module (kfp-pipeline-spec or kfp-kubernetes) is not installed."""


def pipeline_spec_pb2() -> ModuleType:
    """`kfp.pipeline_spec.pipeline_spec_pb2` (package kfp-pipeline-spec)."""
    return _module(PIPELINE_SPEC_MODULE, "kfp-pipeline-spec")


def kubernetes_executor_config_pb2() -> ModuleType:
    """`kfp.kubernetes.kubernetes_executor_config_pb2` (package kfp-kubernetes)."""
    pipeline_spec_pb2()  # it imports this one
    return _module(KUBERNETES_MODULE, "kfp-kubernetes")


def _module(name: str, distribution: str) -> ModuleType:
    module = sys.modules.get(name)
    if module is not None:
        return module
    with _lock:
        module = sys.modules.get(name)
        if module is None:
            module = _load_from_file(name, distribution)
    return module


def _find_file(name: str) -> Path | None:
    """The `.py` file of module `name` on sys.path, found without importing its packages."""
    relative = Path(*name.split(".")).with_suffix(".py")
    for entry in sys.path:
        candidate = Path(entry or ".") / relative
        if candidate.is_file():
            return candidate
    return None


def _load_from_file(name: str, distribution: str) -> ModuleType:
    path = _find_file(name)
    if path is None:
        raise ProtosUnavailable(f"{name} not found: install {distribution}", name=name)
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None, f"{path} is not a Python module"
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    stand_ins = _stand_in_packages(path) if name == KUBERNETES_MODULE else []
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[name]
        raise
    finally:
        for stand_in in stand_ins:
            if sys.modules.get(stand_in.__name__) is stand_in:
                del sys.modules[stand_in.__name__]
    _attach_to_package(name, module)
    return module


def _stand_in_packages(path: Path) -> list[ModuleType]:
    """Empty `kfp` and `kfp.pipeline_spec` packages, for packages not imported yet."""
    kfp_dir = path.parent.parent
    stand_ins = []
    for package, directory in (("kfp", kfp_dir), ("kfp.pipeline_spec", kfp_dir / "pipeline_spec")):
        if package in sys.modules:
            continue
        stand_in = ModuleType(package)
        stand_in.__path__ = [str(directory)]
        sys.modules[package] = stand_in
        stand_ins.append(stand_in)
    for stand_in in stand_ins:
        if stand_in.__name__ == "kfp.pipeline_spec":
            stand_in.pipeline_spec_pb2 = sys.modules[PIPELINE_SPEC_MODULE]  # type: ignore[attr-defined]  # set at run time
    return stand_ins


def _attach_to_package(name: str, module: ModuleType) -> None:
    package_name, _, attribute = name.rpartition(".")
    package = sys.modules.get(package_name)
    if package is not None and getattr(package, "__path__", None) is not None:
        setattr(package, attribute, module)
        return
    _AttachEarlyModules.install(package_name, attribute)


class _AttachEarlyModules:
    """Sets `package.<pb2>` when a package whose pb2 module was loaded early is imported for real."""

    _instance: _AttachEarlyModules | None = None

    def __init__(self) -> None:
        self.pending: dict[str, set[str]] = {}

    @classmethod
    def install(cls, package: str, attribute: str) -> None:
        if cls._instance is None or cls._instance not in sys.meta_path:
            cls._instance = cls()
            sys.meta_path.insert(0, cls._instance)
        cls._instance.pending.setdefault(package, set()).add(attribute)

    def find_spec(self, fullname, path, target=None):
        attributes = self.pending.pop(fullname, None)
        if attributes is None:
            return None
        if not self.pending and self in sys.meta_path:
            sys.meta_path.remove(self)
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is None or spec.loader is None:
            return spec
        spec.loader = _AttachingLoader(spec.loader, attributes)
        return spec


class _AttachingLoader:
    """Runs the real loader, then attaches the early-loaded submodules to the new package."""

    def __init__(self, loader, attributes: set[str]) -> None:
        self.loader = loader
        self.attributes = attributes

    def create_module(self, spec):
        return self.loader.create_module(spec)

    def exec_module(self, module) -> None:
        self.loader.exec_module(module)
        for attribute in self.attributes:
            child = sys.modules.get(f"{module.__name__}.{attribute}")
            if child is not None and not hasattr(module, attribute):
                setattr(module, attribute, child)

    def __getattr__(self, name):  # get_resource_reader, is_package, ... of the real loader
        return getattr(self.loader, name)
