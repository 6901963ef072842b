package ai.peft4j;

import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The package levels of ARCHITECTURE.md: io, nn → models → config → tuners → the PEFT model
 * (root package) → train → display, each using only the levels below it, and no package cycles.
 */
class ArchitectureTest {

    private static JavaClasses classes;

    @BeforeAll
    static void importMainClasses() {
        classes = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("ai.peft4j");
    }

    @Test
    void eachLevelUsesOnlyTheLevelsBelowIt() {
        layeredArchitecture()
                .consideringOnlyDependenciesInLayers()
                .layer("io")
                .definedBy("ai.peft4j.io..")
                .layer("nn")
                .definedBy("ai.peft4j.nn..")
                .layer("models")
                .definedBy("ai.peft4j.models..")
                .layer("config")
                .definedBy("ai.peft4j.config..")
                .layer("tuners")
                .definedBy("ai.peft4j.tuners..")
                .layer("peft model")
                .definedBy("ai.peft4j")
                .layer("train")
                .definedBy("ai.peft4j.train..")
                .layer("display")
                .definedBy("ai.peft4j.display..")
                .whereLayer("io")
                .mayNotAccessAnyLayer()
                .whereLayer("nn")
                .mayOnlyAccessLayers("io")
                .whereLayer("models")
                .mayOnlyAccessLayers("io", "nn")
                .whereLayer("config")
                .mayOnlyAccessLayers("io", "nn", "models")
                .whereLayer("tuners")
                .mayOnlyAccessLayers("io", "nn", "models", "config")
                .whereLayer("peft model")
                .mayOnlyAccessLayers("io", "nn", "models", "config", "tuners")
                .whereLayer("train")
                .mayOnlyAccessLayers("io", "nn", "models", "config", "tuners", "peft model")
                .whereLayer("display")
                .mayOnlyAccessLayers("io", "nn", "models", "config", "tuners", "peft model", "train")
                .check(classes);
    }

    @Test
    void aMethodPackageUsesNoOtherMethod() {
        // One package per method, as in PEFT: adding or changing a method touches no other one. The shared
        // bases tuners.prompt (prompt learning) and tuners.lycoris (LoHa, LoKr) are not methods themselves.
        slices().matching("ai.peft4j.tuners.(*)..")
                .should()
                .notDependOnEachOther()
                .ignoreDependency(
                        com.tngtech.archunit.base.DescribedPredicate.alwaysTrue(),
                        com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage(
                                "ai.peft4j.tuners", "ai.peft4j.tuners.prompt..", "ai.peft4j.tuners.lycoris.."))
                .check(classes);
    }

    @Test
    void noPackageCycles() {
        slices().matching("ai.peft4j.(**)").should().beFreeOfCycles().check(classes);
    }

    @Test
    void theRootPackageIsPartOfTheCycleCheck() {
        // "ai.peft4j.(**)" leaves classes directly in ai.peft4j out; a second slicing puts the root
        // package next to its top-level neighbours.
        slices().matching("ai.peft4j.(*)..").should().beFreeOfCycles().check(classes);
    }
}
