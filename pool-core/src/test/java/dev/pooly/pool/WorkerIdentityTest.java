package dev.pooly.pool;

import dev.pooly.supervisor.Intensity;
import dev.pooly.supervisor.ProcessSpec;
import dev.pooly.testing.Pids;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** POOLY_POOL, POOLY_WORKER and POOLY_WORKER_INDEX, as each worker process sees them. */
@Timeout(60)
class WorkerIdentityTest {

    /** Each worker answers any line with its identity, read from its own environment. */
    private static PoolSpec whoami(String name, int size, int maxOverflow) {
        return PoolSpec.of(name, ProcessSpec.of(name, "sh", "-c",
                        "while read -r line; do echo \"$POOLY_POOL $POOLY_WORKER $POOLY_WORKER_INDEX $$\"; done"), size, maxOverflow)
                .withIntensity(Intensity.of(100, Duration.ofSeconds(10)));
    }

    private static String[] ask(Lease lease) throws Exception {
        lease.writeLine("who");
        return lease.readLine().split(" ");
    }

    @Test
    void everyWorkerKnowsItsPoolItsIdAndADistinctSlot() throws Exception {
        try (RunningPool p = RunningPool.start(whoami("ids", 2, 2))) {
            List<Lease> leases = p.checkout(4);
            Map<Integer, String> bySlot = new HashMap<>();
            for (Lease lease : leases) {
                String[] who = ask(lease);
                assertThat(who[0]).isEqualTo("ids");
                assertThat(who[1]).startsWith("ids-");
                assertThat(Long.parseLong(who[3])).isEqualTo(lease.pid());
                assertThat(bySlot.put(Integer.parseInt(who[2]), who[1])).as("slot %s taken twice", who[2]).isNull();
            }
            assertThat(bySlot.keySet()).containsExactlyInAnyOrder(0, 1, 2, 3);
            // The status names the same ids and slots.
            assertThat(p.status().workers()).extracting(PoolStatus.Worker::index).containsExactlyInAnyOrder(0, 1, 2, 3);
            assertThat(p.status().workers()).extracting(PoolStatus.Worker::id).containsExactlyInAnyOrderElementsOf(bySlot.values());
            leases.forEach(Lease::close);
        }
    }

    @Test
    void aReplacementTakesTheSlotOfTheWorkerItReplaces() throws Exception {
        try (RunningPool p = RunningPool.start(whoami("slots", 3, 0))) {
            List<Lease> leases = p.checkout(3);
            Map<Long, Integer> slotByPid = new HashMap<>();
            for (Lease lease : leases) slotByPid.put(lease.pid(), Integer.parseInt(ask(lease)[2]));
            Lease victim = leases.get(1);
            int victimSlot = slotByPid.get(victim.pid());
            List<Lease> others = new ArrayList<>(leases);
            others.remove(victim);

            Pids.sigkill(victim.pid());

            try (Lease replacement = p.checkout(Duration.ofSeconds(15))) {
                assertThat(slotByPid).doesNotContainKey(replacement.pid());
                String[] who = ask(replacement);
                assertThat(Integer.parseInt(who[2])).as("slot of the replacement").isEqualTo(victimSlot);
            }
            // The others keep theirs.
            for (Lease lease : others) assertThat(Integer.parseInt(ask(lease)[2])).isEqualTo(slotByPid.get(lease.pid()));
            others.forEach(Lease::close);
        }
    }
}
