package dev.pooly.pool.internal;

import org.junit.jupiter.api.Test;

import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

import static dev.pooly.pool.internal.WorkerState.BUSY;
import static dev.pooly.pool.internal.WorkerState.DYING;
import static dev.pooly.pool.internal.WorkerState.GONE;
import static dev.pooly.pool.internal.WorkerState.IDLE;
import static dev.pooly.pool.internal.WorkerState.LEAVING;
import static dev.pooly.pool.internal.WorkerState.STARTING;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A worker's states: the transition table as docs/architecture.md states it, and Worker.to refusing the rest. */
class WorkerStateTest {
    private static final Map<WorkerState, Set<WorkerState>> TABLE = Map.of(
            STARTING, EnumSet.of(IDLE, LEAVING),
            IDLE, EnumSet.of(BUSY, DYING, LEAVING, GONE),
            BUSY, EnumSet.of(IDLE, DYING, LEAVING, GONE),
            DYING, EnumSet.of(LEAVING, GONE),
            LEAVING, EnumSet.of(GONE),
            GONE, EnumSet.noneOf(WorkerState.class));

    @Test
    void everyMoveIsAllowedExactlyWhenTheTableHasIt() {
        for (WorkerState from : WorkerState.values()) {
            for (WorkerState to : WorkerState.values()) {
                assertThat(from.canBecome(to)).as("%s -> %s", from, to).isEqualTo(TABLE.get(from).contains(to));
            }
        }
    }

    @Test
    void aWorkerRefusesAMoveTheTableLacksAndKeepsItsState() {
        Worker<Object> w = new Worker<>(new Object(), 42, 0, "p-0");
        w.to(IDLE, "p");
        w.to(BUSY, "p");
        assertThatThrownBy(() -> w.to(STARTING, "p")).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("worker 42 cannot go from BUSY to STARTING");
        assertThat(w.state()).isEqualTo(BUSY);
        w.to(GONE, "p");
        assertThatThrownBy(() -> w.to(IDLE, "p")).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void slotsAreTakenLowestFirstAndReused() {
        Slots slots = new Slots();
        assertThat(slots.take()).isEqualTo(0);
        assertThat(slots.take()).isEqualTo(1);
        assertThat(slots.take()).isEqualTo(2);
        slots.free(1);
        assertThat(slots.taken()).isEqualTo(2);
        assertThat(slots.take()).isEqualTo(1);
        slots.shortRuns(2, 3);
        assertThat(slots.shortRuns(2)).isEqualTo(3);
        slots.shortRuns(2, 0);
        assertThat(slots.shortRuns(2)).isZero();
    }
}
