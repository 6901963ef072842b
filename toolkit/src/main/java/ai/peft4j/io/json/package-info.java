/**
 * JSON as Python writes it: Hugging Face's {@code config.json} and PEFT's {@code
 * adapter_config.json} are {@code json.dumps(d, indent=2, sort_keys=True)}, and files that a
 * Python user diffs against ours should not differ in spacing or number format.
 *
 * <p>May use: nothing of peft4j.
 */
package ai.peft4j.io.json;
