package dev.pooly.supervisor;

import dev.pooly.testing.Pids;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;

import static dev.pooly.supervisor.Children.*;

/**
 * Run in a child JVM by {@link OrphanTest}: starts a small tree, prints {@code CHILD pid} for each
 * supervised process and {@code GRANDCHILD pid} for the processes one of them started, then
 * {@code READY}, and waits to be killed.
 */
public final class OrphanTreeMain {
    private OrphanTreeMain() {}

    public static void main(String[] args) throws Exception {
        Supervisor root = SupervisionTree.start(root(Strategy.ONE_FOR_ONE,
                sleeper("a"), sleeper("b"),
                nested("backend", Strategy.ONE_FOR_ONE, LENIENT, sleeper("c"), withTwoGrandchildren("tree"))));
        for (String id : List.of("a", "b", "c", "tree")) {
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
