package dev.pooly.supervisor;

import dev.pooly.testing.Pids;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;

import static dev.pooly.supervisor.Children.*;

/**
 * Run in a child JVM by {@link OrphanTest}: starts a small tree, prints {@code CHILD pid} for each
 * supervised process, {@code GRANDCHILD pid} for the processes one of them started, {@code ESCAPEE pid}
 * for the {@code setsid()} and double-forked descendants of a process and of a pool worker
 * ({@link ContainmentTest#escaping}, files in directory {@code args[0]}), {@code CONTAINMENT mode}, then
 * {@code READY}, and waits to be killed.
 */
public final class OrphanTreeMain {
    private OrphanTreeMain() {}

    public static void main(String[] args) throws Exception {
        java.nio.file.Path dir = java.nio.file.Path.of(args[0]);
        Supervisor root = SupervisionTree.start(root(Strategy.ONE_FOR_ONE,
                sleeper("a"), sleeper("b"),
                nested("backend", Strategy.ONE_FOR_ONE, LENIENT, sleeper("c"), withTwoGrandchildren("tree")),
                ContainmentTest.escaping("esc", dir),
                SupervisorSpec.dynamic("pool", LENIENT, ContainmentTest.escaping("worker", dir))));
        root.supervisor("pool").orElseThrow().startChild().get();
        System.out.println("CONTAINMENT " + SupervisionTree.containment());
        for (String id : List.of("esc", "worker")) {
            for (String kind : List.of(".setsid", ".daemon")) {
                java.nio.file.Path file = dir.resolve(id + kind);
                org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(10))
                        .until(() -> java.nio.file.Files.exists(file) && !java.nio.file.Files.readString(file).isBlank());
                System.out.println("ESCAPEE " + java.nio.file.Files.readString(file).strip());
            }
        }
        for (String id : List.of("a", "b", "c", "tree", "esc")) {
            System.out.println("CHILD " + root.status().find(id).orElseThrow().pid());
        }
        long tree = root.status().find("tree").orElseThrow().pid();
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(10))
                .until(() -> Pids.descendants(tree).size() >= 2);
        for (long pid : Pids.descendants(tree)) System.out.println("GRANDCHILD " + pid);
        System.out.println("READY");
        System.out.flush();
        new CountDownLatch(1).await();
    }
}
