package dev.pooly.benchmarks;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * Pool bookkeeping: one checkout and one checkin of a no-op resource, nothing in between. Pooly's
 * {@code PoolCore} against Stormpot's claim/release and Commons Pool 2's borrow/return (fair and
 * unfair). Threads come from the command line ({@code -t 1}, {@code -t 2}, {@code -t 4}); with more
 * threads than resources, callers queue.
 *
 * <p>Run alone: {@code java -jar benchmarks/target/benchmarks.jar Bookkeeping -t 4 -p size=2 -prof gc}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 5, time = 1)
public class BookkeepingBenchmark {
    @Param({Bookkeeper.POOLY, Bookkeeper.POOLY_METRICS, Bookkeeper.POOLY_LISTENER, Bookkeeper.STORMPOT, Bookkeeper.COMMONS_FAIR, Bookkeeper.COMMONS_UNFAIR})
    public String pool;

    @Param({"1", "2", "8"})
    public int size;

    private Bookkeeper keeper;

    @Setup(Level.Trial)
    public void start() {
        keeper = Bookkeeper.of(pool, size);
    }

    @TearDown(Level.Trial)
    public void stop() {
        keeper.close();
    }

    @Benchmark
    public Object checkoutCheckin() throws Exception {
        Object resource = keeper.checkout();
        keeper.checkin(resource);
        return resource;
    }
}
