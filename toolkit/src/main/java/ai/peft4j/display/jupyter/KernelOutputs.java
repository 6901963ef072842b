package ai.peft4j.display.jupyter;

import ai.peft4j.display.LiveOutputs;
import ai.peft4j.display.MimeBundle;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * {@link LiveOutputs} over a kernel's display stream. IJava's and JJava's kernel libraries share one display API
 * under different packages, so each hands its own types' constructor and methods to {@link #of}.
 */
final class KernelOutputs {

    /** The library's {@code DisplayData.putData(String, Object)}. */
    @FunctionalInterface
    interface Put<D> {
        void put(D data, String mimeType, Object value);
    }

    private KernelOutputs() {}

    /**
     * Live outputs that send a bundle as the library's display data: shown under a display id with {@code display},
     * replaced in place with {@code update} ({@code update_display_data}).
     */
    static <D> LiveOutputs of(
            Supplier<D> newData,
            Put<D> put,
            BiConsumer<D, String> setDisplayId,
            Consumer<D> display,
            BiConsumer<String, D> update) {
        return new LiveOutputs() {
            @Override
            public void display(MimeBundle bundle, String displayId) {
                D d = data(bundle);
                setDisplayId.accept(d, displayId);
                display.accept(d);
            }

            @Override
            public void update(MimeBundle bundle, String displayId) {
                update.accept(displayId, data(bundle));
            }

            private D data(MimeBundle bundle) {
                D d = newData.get();
                bundle.data().forEach((mime, value) -> put.put(d, mime, value));
                return d;
            }
        };
    }
}
