"""A container securityContext, generic ephemeral volumes, and node affinity and selector given as JSON.

`op.container.security_context` becomes the container's `securityContext`;
`add_volume` with `ephemeral=` plus `add_volume_mount` write the volume (a
claim template; `metadata` only where labels or annotations are given) and its
mount; `add_affinity` writes the template's `affinity` as Kubernetes spells it;
each `add_node_selector_constraint` adds one label to `nodeSelector`.
"""

from kfp import components, dsl
from kubernetes import client as k8s

train = components.load_component_from_text("""
name: train
inputs:
- {name: epochs, type: Integer}
implementation:
  container:
    image: pytorch/pytorch:2.4.0-cuda12.1-cudnn9-runtime
    command: [python, -c, 'print("training")', {inputValue: epochs}]
""")


def ephemeral(name, access_modes, size, storage_class=None, labels=None, annotations=None):
    metadata = k8s.V1ObjectMeta(labels=labels, annotations=annotations) if (labels or annotations) else None
    return k8s.V1Volume(
        name=name,
        ephemeral=k8s.V1EphemeralVolumeSource(
            volume_claim_template=k8s.V1PersistentVolumeClaimTemplate(
                metadata=metadata,
                spec=k8s.V1PersistentVolumeClaimSpec(
                    access_modes=access_modes,
                    resources=k8s.V1ResourceRequirements(requests={"storage": size}),
                    storage_class_name=storage_class,
                ),
            )
        ),
    )


@dsl.pipeline(name="pod-security-and-scheduling")
def pipeline(epochs: int = 2):
    task = train(epochs=epochs)
    task.container.security_context = k8s.V1SecurityContext(run_as_user=1000, run_as_group=3000, run_as_non_root=True)
    task.add_volume(ephemeral("scratch", ["ReadWriteOnce"], "5Gi"))
    task.container.add_volume_mount(k8s.V1VolumeMount(name="scratch", mount_path="/scratch"))
    task.add_volume(
        ephemeral(
            "cache", ["ReadWriteOnce"], "1Gi", storage_class="fast", labels={"team": "ml"}, annotations={"a": "b"}
        )
    )
    task.container.add_volume_mount(k8s.V1VolumeMount(name="cache", mount_path="/cache"))
    task.add_affinity(
        k8s.V1Affinity(
            node_affinity=k8s.V1NodeAffinity(
                required_during_scheduling_ignored_during_execution=k8s.V1NodeSelector(
                    node_selector_terms=[
                        k8s.V1NodeSelectorTerm(
                            match_expressions=[
                                k8s.V1NodeSelectorRequirement(key="zone", operator="In", values=["us-east1-b"])
                            ]
                        )
                    ]
                ),
                preferred_during_scheduling_ignored_during_execution=[
                    k8s.V1PreferredSchedulingTerm(
                        weight=20,
                        preference=k8s.V1NodeSelectorTerm(
                            match_expressions=[k8s.V1NodeSelectorRequirement(key="disk", operator="Exists")]
                        ),
                    )
                ],
            )
        )
    )
    task.add_node_selector_constraint("disktype", "ssd")
    task.add_node_selector_constraint("pool", "gpu")
