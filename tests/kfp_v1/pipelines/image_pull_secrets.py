"""Image pull secrets, which kfp 1.8 sets once for the whole workflow.

`dsl.get_pipeline_conf().set_image_pull_secrets` writes the workflow's
`spec.imagePullSecrets` (a list of `{name: ...}`), used by every pod, so the
ptflow twin sets the same list on each step that pulls from the private
registry; steps that set none are pulled with it too.
"""

from kfp import components, dsl
from kubernetes import client as k8s

fetch = components.load_component_from_text("""
name: fetch
implementation:
  container:
    image: registry.example.com/ml/fetch:1.0
    command: [fetch, --all]
""")

train = components.load_component_from_text("""
name: train
implementation:
  container:
    image: registry.example.com/ml/train:1.0
    command: [train]
""")


@dsl.pipeline(name="image-pull-secrets")
def pipeline():
    dsl.get_pipeline_conf().set_image_pull_secrets(
        [k8s.V1LocalObjectReference(name="regcred"), k8s.V1LocalObjectReference(name="mirror-creds")]
    )
    fetched = fetch()
    train().after(fetched)
