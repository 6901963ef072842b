package ai.peft4j.nn;

import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import java.util.LinkedHashMap;
import java.util.Map;
import tech.tablesaw.api.BooleanColumn;
import tech.tablesaw.api.LongColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

/**
 * A model's parameters as a Tablesaw {@link Table}: one row per distinct parameter (tied weights
 * once), with the module path, the module's type, the shape, the element count and whether it
 * trains. Computed from shapes, so it works before weights exist.
 *
 * <pre>{@code
 * Table t = ParameterTable.of(peftModel);
 * t.where(t.booleanColumn("trainable").isTrue());   // the adapter weights
 * ParameterTable.byType(t);                          // totals per module type
 * }</pre>
 */
public final class ParameterTable {

    private ParameterTable() {}

    /** One row per distinct parameter of {@code root}. */
    public static Table of(Block root) {
        StringColumn module = StringColumn.create("module");
        StringColumn name = StringColumn.create("parameter");
        StringColumn type = StringColumn.create("type");
        StringColumn shape = StringColumn.create("shape");
        LongColumn count = LongColumn.create("parameters");
        BooleanColumn trainable = BooleanColumn.create("trainable");
        Map<String, Block> modules = ModuleTree.namedModules(root);
        for (Map.Entry<String, Parameter> e : ModuleTree.uniqueParameters(root).entrySet()) {
            String key = e.getKey();
            int dot = key.lastIndexOf('.');
            String path = dot < 0 ? "" : key.substring(0, dot);
            Block owner = modules.get(path);
            module.append(path);
            name.append(key.substring(dot + 1));
            type.append(owner == null ? "" : owner.getClass().getSimpleName());
            shape.append(ModuleTree.shapeOf(key, e.getValue()).toString());
            count.append(ModuleTree.shapeOf(key, e.getValue()).size());
            trainable.append(e.getValue().requiresGradient());
        }
        return Table.create("parameters", module, name, type, shape, count, trainable);
    }

    /** Totals per module type: tensors, parameters, and how many of those train; largest first. */
    public static Table byType(Table parameters) {
        Map<String, long[]> totals = new LinkedHashMap<>();
        for (int i = 0; i < parameters.rowCount(); i++) {
            long[] t = totals.computeIfAbsent(parameters.stringColumn("type").get(i), k -> new long[3]);
            long n = parameters.longColumn("parameters").get(i);
            t[0]++;
            t[1] += n;
            t[2] += parameters.booleanColumn("trainable").get(i) ? n : 0;
        }
        StringColumn type = StringColumn.create("type");
        LongColumn tensors = LongColumn.create("tensors");
        LongColumn count = LongColumn.create("parameters");
        LongColumn trainable = LongColumn.create("trainable parameters");
        totals.forEach((k, t) -> {
            type.append(k);
            tensors.append(t[0]);
            count.append(t[1]);
            trainable.append(t[2]);
        });
        return Table.create("parameters by module type", type, tensors, count, trainable)
                .sortDescendingOn("parameters");
    }
}
