/**
 * A Hugging Face Hub client that shares its cache with Python's {@code huggingface_hub}: a file
 * downloaded here is found by {@code transformers} and the other way round.
 *
 * <pre>{@code
 * HubClient hub = HubClient.getDefault();                 // HF_ENDPOINT, HF_HOME, HF_TOKEN, ...
 * Path config = hub.hfHubDownload("facebook/opt-125m", "config.json", null);
 * Path modelDir = hub.downloadModel("facebook/opt-125m", null);   // config + safetensors weights
 * hub.pushToHub("me/my-adapter", Path.of("my-adapter"), "Upload adapter", false);
 * }</pre>
 *
 * <p>The cache layout is {@code huggingface_hub}'s: {@code models--org--name/blobs/<etag>},
 * {@code snapshots/<commit>/<file>} as relative symlinks into {@code blobs}, and {@code
 * refs/<branch>} holding a commit hash. Only safetensors weights are ever downloaded; pickles
 * ({@code *.bin}) are refused with a hint on how to convert them.
 *
 * <p>This package depends on nothing above {@code ai.peft4j.io}; the model and adapter classes
 * call it, not the other way round.
 *
 * <p>May use: {@code io.json}, {@code io.safetensors} (for file names); nothing above {@code io}.
 */
package ai.peft4j.io.hub;
