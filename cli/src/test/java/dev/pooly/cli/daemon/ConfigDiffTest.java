package dev.pooly.cli.daemon;

import dev.pooly.config.ConfigLoader;
import dev.pooly.config.PoolyConfig;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static dev.pooly.cli.daemon.ConfigDiff.Kind.CHANGED;
import static dev.pooly.cli.daemon.ConfigDiff.Kind.KEPT;
import static dev.pooly.cli.daemon.ConfigDiff.Kind.RESTARTED;
import static dev.pooly.cli.daemon.ConfigDiff.Kind.ROLLED;
import static dev.pooly.cli.daemon.ConfigDiff.Kind.STARTED;
import static dev.pooly.cli.daemon.ConfigDiff.Kind.STOPPED;
import static org.assertj.core.api.Assertions.assertThat;

class ConfigDiffTest {
    static final String BASE = """
            version: 1
            supervisor:
              children:
                - process: {id: a, command: [sleep, "1000"]}
                - supervisor:
                    id: inner
                    children:
                      - process: {id: b, command: [sleep, "1000"]}
                      - process: {id: c, command: [sleep, "1000"]}
                - pool: {name: p, command: [cat], size: 2}
            """;

    static PoolyConfig load(String yaml) throws Exception {
        return ConfigLoader.load(yaml, "/tmp/pooly.yaml");
    }

    static Map<ConfigDiff.Kind, List<String>> diff(String before, String after) throws Exception {
        return ConfigDiff.of(load(before), load(after)).byKind();
    }

    @Test
    void theSameFileKeepsEverythingAndAWholeUntouchedSubtreeIsOneLine() throws Exception {
        Map<ConfigDiff.Kind, List<String>> d = diff(BASE, BASE);
        assertThat(d.get(KEPT)).containsExactly("a", "inner", "p");
        assertThat(ConfigDiff.of(load(BASE), load(BASE)).isEmpty()).isTrue();
    }

    @Test
    void movingANodeDownAFewLinesIsNoChange() throws Exception {
        String moved = BASE.replace("supervisor:\n  children:", "supervisor:\n\n\n  children:");
        assertThat(ConfigDiff.of(load(BASE), load(moved)).isEmpty()).isTrue();
    }

    @Test
    void aChangedProcessRestartsAndOnlyIt() throws Exception {
        Map<ConfigDiff.Kind, List<String>> d = diff(BASE, BASE.replace("id: c, command: [sleep, \"1000\"]", "id: c, command: [sleep, \"2000\"]"));
        assertThat(d.get(RESTARTED)).containsExactly("c");
        assertThat(d.get(KEPT)).containsExactly("a", "b", "p");
    }

    @Test
    void removedChildrenStopInReverseOrderBeforeAddedOnesStartAfterTheirPredecessor() throws Exception {
        String after = """
                version: 1
                supervisor:
                  children:
                    - process: {id: x, command: [sleep, "1000"]}
                    - pool: {name: p, command: [cat], size: 2}
                    - process: {id: y, command: [sleep, "1000"]}
                """;
        ConfigDiff diff = ConfigDiff.of(load(BASE), load(after));
        assertThat(diff.changes()).extracting(ConfigDiff.Change::kind, ConfigDiff.Change::id).containsExactly(
                org.assertj.core.groups.Tuple.tuple(STOPPED, "inner"), org.assertj.core.groups.Tuple.tuple(STOPPED, "a"),
                org.assertj.core.groups.Tuple.tuple(STARTED, "x"), org.assertj.core.groups.Tuple.tuple(KEPT, "p"),
                org.assertj.core.groups.Tuple.tuple(STARTED, "y"));
        assertThat(diff.changes().get(2).after()).isNull();
        assertThat(diff.changes().get(4).after()).isEqualTo("p");
    }

    @Test
    void aProcessWhoseBackoffHealthOrMaxMemoryChangedRestarts() throws Exception {
        String c = "id: c, command: [sleep, \"1000\"]";
        assertThat(diff(BASE, BASE.replace(c, c + ", backoff: {min: 1s, max: 5s}")).get(RESTARTED)).containsExactly("c");
        assertThat(diff(BASE, BASE.replace(c, c + ", health: {command: [\"true\"], every: 5s}")).get(RESTARTED)).containsExactly("c");
        assertThat(diff(BASE, BASE.replace(c, c + ", max_memory: 64MB")).get(RESTARTED)).containsExactly("c");
    }

    @Test
    void aPoolsBackoffRollsItsWorkersAndItsHealthOrMaxMemoryChangesInPlace() throws Exception {
        String p = "name: p, command: [cat], size: 2";
        Map<ConfigDiff.Kind, List<String>> backoff = diff(BASE, BASE.replace(p, p + ", backoff: {min: 1s, max: 5s}"));
        assertThat(backoff.get(ROLLED)).containsExactly("p");
        assertThat(backoff.get(CHANGED)).isEmpty();
        Map<ConfigDiff.Kind, List<String>> health = diff(BASE, BASE.replace(p, p + ", health: {request: PING, expect: PONG, every: 5s}"));
        assertThat(health.get(CHANGED)).containsExactly("p");
        assertThat(health.get(ROLLED)).isEmpty();
        assertThat(diff(BASE, BASE.replace(p, p + ", max_memory: 64MB")).get(CHANGED)).containsExactly("p");
    }

    @Test
    void aPoolsSizeChangesInPlaceAndItsCommandRollsItsWorkers() throws Exception {
        assertThat(diff(BASE, BASE.replace("size: 2", "size: 4")).get(CHANGED)).containsExactly("p");
        Map<ConfigDiff.Kind, List<String>> rolled = diff(BASE, BASE.replace("command: [cat]", "command: [cat, -u]"));
        assertThat(rolled.get(ROLLED)).containsExactly("p");
        assertThat(rolled.get(CHANGED)).isEmpty();
    }

    @Test
    void aSupervisorsStrategyChangesInPlaceWithItsChildrenKept() throws Exception {
        String after = BASE.replace("id: inner\n", "id: inner\n        strategy: one_for_all\n");
        Map<ConfigDiff.Kind, List<String>> d = diff(BASE, after);
        assertThat(d.get(CHANGED)).containsExactly("inner");
        assertThat(d.get(KEPT)).containsExactly("a", "b", "c", "p");
    }

    @Test
    void aNodeMovedToAnotherSupervisorStopsThereAndStartsHere() throws Exception {
        String after = BASE.replace("          - process: {id: c, command: [sleep, \"1000\"]}\n", "")
                + "    - process: {id: c, command: [sleep, \"1000\"]}\n";
        Map<ConfigDiff.Kind, List<String>> d = diff(BASE, after);
        assertThat(d.get(STOPPED)).containsExactly("c");
        assertThat(d.get(STARTED)).containsExactly("c");
    }
}
