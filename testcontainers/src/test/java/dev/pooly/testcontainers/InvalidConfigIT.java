package dev.pooly.testcontainers;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

/** A bad config starts nothing: the daemon exits 65 and says where the problem is, as FILE:LINE:COLUMN. */
@ExtendWith(DockerRequired.class)
class InvalidConfigIT {

    @Test
    void invalidConfigExits65WithFileLineColumnInTheLogs() {
        try (PoolyContainer pooly = TestPooly.container("invalid.yaml")) {

            Throwable failure = catchThrowable(pooly::start);

            String logs = daemonOutput(failure);
            assertThat(logs).contains("/pooly/pooly.yaml:3:13: unknown strategy 'one_for_none'");
            assertThat(logs).doesNotContain("ready:").doesNotContain("started");
        }
    }

    /** The output that PoolyContainer's wait strategy put into its failure, once it saw the exit status 65. */
    private static String daemonOutput(Throwable failure) {
        String marker = "the pooly daemon exited with status 65 before it was ready; its output:\n";
        for (Throwable t = failure; t != null; t = t.getCause()) {
            String message = t.getMessage();
            if (message != null && message.startsWith(marker)) return message.substring(marker.length());
        }
        throw new AssertionError("start() did not fail with the daemon's exit status 65", failure);
    }
}
