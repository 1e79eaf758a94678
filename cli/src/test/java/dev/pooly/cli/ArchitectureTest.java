package dev.pooly.cli;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.Dependency;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchCondition;
import com.tngtech.archunit.lang.ConditionEvents;
import com.tngtech.archunit.lang.SimpleConditionEvent;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The module structure, enforced on the main classes of every Pooly module on this test classpath
 * (cli, config, pool-core, supervisor-core): {@code internal} packages are internal, and
 * dependencies point one way, {@code cli -> config} and {@code cli -> pool-core -> supervisor-core}.
 * On the module path each library's module-info.java already hides its {@code internal} packages
 * ({@link LibraryModulesIT}); these rules hold on the class path too, where the cli runs, and state
 * what a descriptor cannot (no Jackson, picocli or sockets in the cores).
 */
class ArchitectureTest {
    private static JavaClasses pooly;

    @BeforeAll
    static void importClasses() {
        pooly = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("dev.pooly");
    }

    @Test
    void everyModuleIsOnTheClasspathUnderTest() {
        Set<String> packages = new TreeSet<>();
        pooly.forEach(c -> packages.add(c.getPackageName()));
        assertThat(packages).contains("dev.pooly.cli", "dev.pooly.cli.daemon", "dev.pooly.config", "dev.pooly.config.internal",
                "dev.pooly.pool", "dev.pooly.pool.internal", "dev.pooly.supervisor", "dev.pooly.supervisor.internal");
    }

    /** A class may use {@code dev.pooly.X.internal..} only if it is itself in {@code dev.pooly.X..}. */
    @Test
    void internalPackagesAreUsedOnlyInsideTheirOwnModule() {
        List<String> crossings = new ArrayList<>();
        for (JavaClass origin : pooly) {
            for (Dependency dependency : origin.getDirectDependenciesFromSelf()) {
                JavaClass target = dependency.getTargetClass();
                String owner = internalOwner(target.getPackageName());
                if (owner == null || inside(origin.getPackageName(), owner)) continue;
                crossings.add(outermost(origin).getName() + " -> " + outermost(target).getName());
            }
        }

        assertThat(new TreeSet<>(crossings)).as("classes using another module's internal package").isEmpty();
    }

    @Test
    void supervisorCoreKnowsNothingOfPoolsConfigCliPicocliYamlOrSockets() {
        noClasses().that().resideInAPackage("dev.pooly.supervisor..")
                .should().dependOnClassesThat(forbiddenFor("dev.pooly.pool..", "dev.pooly.config..", "dev.pooly.cli.."))
                .check(pooly);
    }

    @Test
    void poolCoreKnowsNothingOfConfigCliPicocliYamlOrSockets() {
        noClasses().that().resideInAPackage("dev.pooly.pool..")
                .should().dependOnClassesThat(forbiddenFor("dev.pooly.config..", "dev.pooly.cli.."))
                .check(pooly);
    }

    @Test
    void configKnowsNothingOfTheCoresCliPicocliOrSockets() {
        noClasses().that().resideInAPackage("dev.pooly.config..")
                .should().dependOnClassesThat(forbiddenFor("dev.pooly.supervisor..", "dev.pooly.pool..", "dev.pooly.cli.."))
                .check(pooly);
        classes().that().resideInAPackage("dev.pooly.config..")
                .should(notUse(Set.of("picocli")))
                .check(pooly);
    }

    /** Pooly's other modules, picocli, Jackson (the cores) and sockets. */
    private static DescribedPredicate<JavaClass> forbiddenFor(String... modules) {
        List<String> packages = new ArrayList<>(List.of(modules));
        packages.add("picocli..");
        boolean jacksonAllowed = List.of(modules).contains("dev.pooly.supervisor.."); // only config reads YAML
        if (!jacksonAllowed) packages.add("com.fasterxml.jackson..");
        DescribedPredicate<JavaClass> inPackages = JavaClass.Predicates.resideInAnyPackage(packages.toArray(String[]::new));
        DescribedPredicate<JavaClass> sockets = DescribedPredicate.describe("sockets", c -> c.getName().startsWith("java.net.")
                && (c.getSimpleName().contains("Socket")) || c.getName().startsWith("java.nio.channels.")
                && c.getSimpleName().contains("SocketChannel"));
        return inPackages.or(sockets);
    }

    private static ArchCondition<JavaClass> notUse(Set<String> roots) {
        return new ArchCondition<>("not use " + roots) {
            @Override public void check(JavaClass item, ConditionEvents events) {
                for (Dependency d : item.getDirectDependenciesFromSelf()) {
                    String pkg = d.getTargetClass().getPackageName();
                    for (String root : roots) {
                        if (pkg.equals(root) || pkg.startsWith(root + ".")) {
                            events.add(SimpleConditionEvent.violated(item, d.getDescription()));
                        }
                    }
                }
            }
        };
    }

    /** {@code dev.pooly.X} for a package {@code dev.pooly.X.internal[...]}, else null. */
    private static String internalOwner(String pkg) {
        if (!pkg.startsWith("dev.pooly.")) return null;
        int at = pkg.indexOf(".internal");
        if (at < 0) return null;
        int end = at + ".internal".length();
        if (end != pkg.length() && pkg.charAt(end) != '.') return null;
        return pkg.substring(0, at);
    }

    private static boolean inside(String pkg, String module) {
        return pkg.equals(module) || pkg.startsWith(module + ".");
    }

    private static JavaClass outermost(JavaClass c) {
        while (c.getEnclosingClass().isPresent()) c = c.getEnclosingClass().get();
        return c;
    }
}
