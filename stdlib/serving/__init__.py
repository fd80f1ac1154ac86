"""Serving trained models: TorchServe archives, KServe and Vertex AI deployment, the local KServe-protocol server.

- `inference`: the model runner every server shares (predict, Captum explain);
- `archive`: `.mar` archives and the KServe `config.properties` (`serve.archive`);
- `torchserve_handler`: the TorchServe handler packed into ptflow's archives;
- `model_server`: `ptflow serve`, the KServe v1/v2 protocol on 127.0.0.1;
- `inference_service`, `kubernetes_api`: the InferenceService `serve.deploy` applies;
- `predict_client`: `serve.predict`'s calls to an endpoint;
- `vertex`: the model folder and machine type for Vertex AI (`serve.vertex_model`, `--target vertex`);
- `visualization`: the HTML page and heat maps `serve.predict` draws from an answer.

Nothing here imports torch or kserve at package import: the runtime's step
registry imports the step modules that use this package.
"""
