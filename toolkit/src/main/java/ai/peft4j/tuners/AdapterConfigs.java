package ai.peft4j.tuners;

import ai.peft4j.config.PeftConfig;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The adapter bookkeeping every {@link AdapterHost} keeps, as PEFT's {@code peft_config} and {@code active_adapter}:
 * the configs by adapter name in the order they were added, and the active adapter (the first one added until another
 * is set; after a delete, the first that is left). The host changes the model; this records what it holds.
 *
 * <pre>{@code
 * AdapterConfigs adapters = new AdapterConfigs();
 * adapters.requireNew("default");
 * adapters.add("default", config);   // the first adapter becomes active
 * adapters.active();                 // "default"
 * }</pre>
 */
public final class AdapterConfigs {

    private final Map<String, PeftConfig> configs = new LinkedHashMap<>();
    private String active;

    /** The configs by adapter name, read-only, in the order added. */
    public Map<String, PeftConfig> asMap() {
        return Collections.unmodifiableMap(configs);
    }

    /** The active adapter; null while there is none. */
    public String active() {
        return active;
    }

    /** The config of adapter {@code name}. */
    public PeftConfig get(String name) {
        require(name);
        return configs.get(name);
    }

    /** The config of the active adapter. */
    public PeftConfig activeConfig() {
        return get(active);
    }

    /** Records {@code name} as the active adapter. */
    public void setActive(String name) {
        require(name);
        active = name;
    }

    /** @throws IllegalArgumentException naming the adapters there are, when there is no adapter {@code name} */
    public void require(String name) {
        if (!configs.containsKey(name)) {
            throw new IllegalArgumentException("no adapter named '" + name + "'; adapters: " + configs.keySet());
        }
    }

    /** @throws IllegalArgumentException when there already is an adapter {@code name} */
    public void requireNew(String name) {
        if (configs.containsKey(name)) {
            throw new IllegalArgumentException(
                    "adapter '" + name + "' already exists; delete it first or pick another name");
        }
    }

    /** Replaces the config of existing adapter {@code name}. */
    public void replace(String name, PeftConfig config) {
        require(name);
        configs.put(name, config);
    }

    /** Records a new adapter's config; the first one added becomes active. */
    public void add(String name, PeftConfig config) {
        requireNew(name);
        configs.put(name, config);
        if (active == null) {
            active = name;
        }
    }

    /**
     * Forgets adapter {@code name}. When it was the active one, the first adapter left becomes active (none when none
     * is left) and this returns true, so the host can make it active in the model too.
     */
    public boolean remove(String name) {
        require(name);
        configs.remove(name);
        if (!name.equals(active)) {
            return false;
        }
        active = configs.isEmpty() ? null : configs.keySet().iterator().next();
        return true;
    }
}
