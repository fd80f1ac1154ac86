"""A PVC made by the pipeline, mounted by two steps, then deleted.

`dsl.VolumeOp` is a `resource` template that creates the claim (named
`{{workflow.name}}-<resource_name>`) and outputs its `name`, `manifest` and
`size`; `add_pvolumes` mounts it under a volume named after the VolumeOp and
reads the claim's name from the `name` output; `dsl.ResourceOp` with
`action="delete"` deletes it by that name (with `--wait=false`).  The
second claim has a fixed name (`generate_unique_name=False`), a storage
class, annotations, a volume snapshot to start from and a PV to bind; the
first passes `storage_class=""` as kfp-kubernetes' CreatePVC does by default
(`storageClassName: ''`, a statically bound claim).
"""

from kfp import components, dsl
from kubernetes import client as k8s

write_data = components.load_component_from_text("""
name: write_data
implementation:
  container:
    image: alpine:3.19
    command: [sh, -c, date > /data/when]
""")

read_data = components.load_component_from_text("""
name: read_data
implementation:
  container:
    image: alpine:3.19
    command: [cat, /data/when]
""")


@dsl.pipeline(name="volume-lifecycle")
def pipeline():
    claim = dsl.VolumeOp(
        name="create-pvc", resource_name="scratch", size="5Gi", modes=["ReadWriteOnce"], storage_class=""
    )
    cache = dsl.VolumeOp(
        name="cache-pvc",
        resource_name="shared-cache",
        generate_unique_name=False,
        size="20Gi",
        modes=["ReadWriteMany"],
        storage_class="fast",
        annotations={"team": "ml"},
        data_source=k8s.V1TypedLocalObjectReference(
            api_group="snapshot.storage.k8s.io", kind="VolumeSnapshot", name="cache-snapshot"
        ),
        volume_name="pv-cache",
    )
    write = write_data().add_pvolumes({"/data": claim.volume, "/cache": cache.volume})
    read = read_data().add_pvolumes({"/data": claim.volume}).after(write)
    dsl.ResourceOp(
        name="delete-pvc",
        k8s_resource=k8s.V1PersistentVolumeClaim(
            api_version="v1", kind="PersistentVolumeClaim", metadata=k8s.V1ObjectMeta(name=claim.outputs["name"])
        ),
        action="delete",
    ).after(read)
