package ai.peft4j.kernel.install;

/** Stands in for the kernel in {@link DamagedArchiveTest}: a runnable jar's main that says it ran. */
public final class StartedMain {
    private StartedMain() {}

    public static void main(String[] args) {
        System.out.println("started " + String.join(" ", args));
    }
}
