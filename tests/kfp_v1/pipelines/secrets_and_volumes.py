"""Secrets as environment variables and as files, and a PVC mount.

`use_k8s_secret` adds `env[].valueFrom.secretKeyRef`; `use_secret` adds a
secret volume (named after the secret) and its mount; `mount_pvc` adds a
`persistentVolumeClaim` volume and its mount.  Volumes are sorted by name.
"""

from kfp import components, dsl, onprem
from kfp.dsl.extensions.kubernetes import use_secret

sync = components.load_component_from_text("""
name: sync
inputs:
- {name: bucket, type: String}
implementation:
  container:
    image: minio/mc:latest
    command: [mc, mirror, /data, {inputValue: bucket}]
""")


@dsl.pipeline(name="secrets-and-volumes")
def pipeline(bucket: str = "s3/models"):
    task = sync(bucket=bucket)
    task.apply(
        onprem.use_k8s_secret(
            secret_name="minio-creds",
            k8s_secret_key_to_env={"accesskey": "AWS_ACCESS_KEY_ID", "secretkey": "AWS_SECRET_ACCESS_KEY"},
        )
    )
    task.apply(use_secret(secret_name="tls-certs", secret_volume_mount_path="/certs"))
    task.apply(onprem.mount_pvc(pvc_name="shared-data", volume_name="shared-data", volume_mount_path="/data"))
