package ai.peft4j.io.hub;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * Which files make a loadable model, adapter or tokenizer, and the pickle refusal. Every file of
 * one folder comes from the same commit: the revision is resolved once, with the first file.
 */
final class PretrainedFiles {

    static final String CONFIG = "config.json";
    static final String WEIGHTS = "model.safetensors";
    static final String WEIGHTS_INDEX = "model.safetensors.index.json";
    static final String ADAPTER_CONFIG = "adapter_config.json";
    static final String ADAPTER_WEIGHTS = "adapter_model.safetensors";

    /** Tokenizer files transformers may use; a repo has some of them. */
    static final List<String> TOKENIZER_FILES = List.of(
            "tokenizer.json",
            "tokenizer_config.json",
            "special_tokens_map.json",
            "vocab.json",
            "merges.txt",
            "vocab.txt",
            "tokenizer.model",
            "added_tokens.json");

    private static final ObjectMapper JSON = new ObjectMapper();

    private PretrainedFiles() {}

    static Path model(HubClient hub, RepoId repo, String revision) {
        String commit = hub.resolve(repo, revision, CONFIG).commit();
        try {
            hub.resolve(repo, commit, WEIGHTS);
        } catch (HubEntryNotFoundException single) {
            HubClient.Resolved index;
            try {
                index = hub.resolve(repo, commit, WEIGHTS_INDEX);
            } catch (HubEntryNotFoundException sharded) {
                throw noSafetensors(
                        hub,
                        repo,
                        revision,
                        commit,
                        List.of("pytorch_model.bin", "pytorch_model.bin.index.json"),
                        "model.safetensors or model.safetensors.index.json",
                        "AutoModelForCausalLM.from_pretrained(\"" + repo + "\")");
            }
            for (String shard : shards(repo, index.path())) {
                hub.resolve(repo, commit, shard);
            }
        }
        return hub.cache().snapshotDir(repo, commit);
    }

    static Path adapter(HubClient hub, RepoId repo, String revision) {
        String commit = hub.resolve(repo, revision, ADAPTER_CONFIG).commit();
        try {
            hub.resolve(repo, commit, ADAPTER_WEIGHTS);
        } catch (HubEntryNotFoundException e) {
            throw noSafetensors(
                    hub,
                    repo,
                    revision,
                    commit,
                    List.of("adapter_model.bin"),
                    ADAPTER_WEIGHTS,
                    "AutoPeftModelForCausalLM.from_pretrained(\"" + repo + "\")");
        }
        return hub.cache().snapshotDir(repo, commit);
    }

    static Path tokenizer(HubClient hub, RepoId repo, String revision) {
        String commit = null;
        List<String> found = new ArrayList<>();
        for (String file : TOKENIZER_FILES) {
            try {
                HubClient.Resolved r = hub.resolve(repo, commit == null ? revision : commit, file);
                commit = r.commit();
                found.add(file);
            } catch (HubEntryNotFoundException e) {
                if (commit == null && e.commit() != null) {
                    commit = e.commit(); // pin the commit even when the first file is absent
                }
            }
        }
        if (found.isEmpty()) {
            throw new HubEntryNotFoundException(
                    repo + " has no tokenizer files at revision '" + revision + "' (looked for " + TOKENIZER_FILES
                            + "); the tokenizer may live in the base model's repo",
                    commit);
        }
        return hub.cache().snapshotDir(repo, commit);
    }

    /**
     * The shard files named in a {@code model.safetensors.index.json}, each once. The index comes from the
     * server, so every name is checked before it becomes a URL or a cache path.
     */
    static List<String> shards(RepoId repo, Path index) {
        JsonNode map;
        try {
            map = JSON.readTree(index.toFile()).path("weight_map");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + index, e);
        }
        if (!map.isObject() || map.isEmpty()) {
            throw new HubException(index + " has no weight_map; the sharded checkpoint is incomplete");
        }
        TreeSet<String> names = new TreeSet<>();
        map.fields().forEachRemaining(e -> names.add(shardName(repo, e.getKey(), e.getValue())));
        return new ArrayList<>(names);
    }

    /** A shard name that is a plain relative file name of the repo, else a HubException saying which. */
    private static String shardName(RepoId repo, String tensor, JsonNode value) {
        String name = value.isTextual() ? value.textValue() : null;
        try {
            if (name == null) {
                throw new IllegalArgumentException("not a string");
            }
            HubCache.checkFilename(name);
            Path.of(name); // characters this file system cannot name a file with
            return name;
        } catch (IllegalArgumentException e) { // InvalidPathException included
            String shown = name == null ? HubErrors.printable(value.toString()) : "'" + HubErrors.printable(name) + "'";
            throw new HubException(
                    WEIGHTS_INDEX + " of " + repo + " gives tensor '" + HubErrors.printable(tensor)
                            + "' the shard " + shown + ", which is not a plain file name in the repo (" + e.getMessage()
                            + "); nothing was downloaded for it. The index is broken: ask the repo's owner to fix it",
                    e);
        }
    }

    /**
     * The repo has no safetensors weights. A {@code HEAD} (never a {@code GET}) on the pickle
     * names tells whether to suggest a conversion: pickles can run code when loaded, so peft4j
     * does not download them at all.
     */
    private static HubException noSafetensors(
            HubClient hub,
            RepoId repo,
            String revision,
            String commit,
            List<String> pickles,
            String wanted,
            String pythonLoad) {
        String pickle = null;
        for (String name : pickles) {
            if (Boolean.TRUE.equals(hub.exists(repo, commit, name))) {
                pickle = name;
                break;
            }
        }
        String where = repo + " at revision '" + revision + "'";
        if (pickle == null) {
            return new HubEntryNotFoundException(
                    where + " has no " + wanted + "; check the repo id and"
                            + " revision, and that the weights were pushed",
                    commit);
        }
        return new HubEntryNotFoundException(
                where + " has no safetensors weights (no " + wanted
                        + "), only " + pickle + ", a PyTorch pickle, which peft4j never downloads because loading"
                        + " a pickle can run arbitrary code. Convert it once in Python: `m = " + pythonLoad
                        + "; m.save_pretrained(\"out\", safe_serialization=True)`, then load the folder \"out\""
                        + " (or push it to the Hub and use that repo)",
                commit);
    }
}
