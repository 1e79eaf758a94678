package dev.pooly.testcontainers.internal;

import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.exception.NotFoundException;
import org.testcontainers.containers.ContainerLaunchException;
import org.testcontainers.containers.output.FrameConsumerResultCallback;
import org.testcontainers.containers.output.OutputFrame;
import org.testcontainers.containers.wait.strategy.AbstractWaitStrategy;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Pattern;

/**
 * Waits until the daemon logs its {@code ready:} line (on stderr, once the control socket is
 * bound), and fails at once, with the daemon's exit status and its last log lines, if the container
 * exits first: an invalid config (exit 65) is reported in a second, not after the startup timeout.
 *
 * <p>Thread-safety: one {@link #waitUntilReady()} at a time, as Testcontainers calls it.
 */
public final class DaemonReadyWaitStrategy extends AbstractWaitStrategy {
    private static final Pattern READY = Pattern.compile("(?m)^.*\\bready: .*$");
    private static final long POLL_NANOS = Duration.ofMillis(50).toNanos();

    @Override protected void waitUntilReady() {
        String id = waitStrategyTarget.getContainerId();
        StringBuffer logs = new StringBuffer(); // appended by docker-java's thread, read by this one
        try (FrameConsumerResultCallback callback = new FrameConsumerResultCallback()) {
            callback.addConsumer(OutputFrame.OutputType.STDOUT, frame -> logs.append(frame.getUtf8String()));
            callback.addConsumer(OutputFrame.OutputType.STDERR, frame -> logs.append(frame.getUtf8String()));
            waitStrategyTarget.getDockerClient().logContainerCmd(id).withFollowStream(true).withSince(0)
                    .withStdOut(true).withStdErr(true).exec(callback);
            long deadline = System.nanoTime() + startupTimeout.toNanos();
            long nextInspect = 0;
            while (!READY.matcher(logs).find()) {
                long now = System.nanoTime();
                if (now - nextInspect >= 0) {
                    nextInspect = now + 4 * POLL_NANOS;
                    InspectContainerResponse.ContainerState state = state(id);
                    if (state != null && !Boolean.TRUE.equals(state.getRunning())) {
                        // The log stream may still be delivering the daemon's last words; take the container's own copy.
                        throw new ContainerLaunchException("the pooly daemon exited with status " + state.getExitCodeLong()
                                + " before it was ready; its output:\n" + allLogs(id, logs));
                    }
                }
                if (now - deadline > 0) {
                    throw new ContainerLaunchException("the pooly daemon did not log 'ready:' within " + startupTimeout
                            + "; its output so far:\n" + logs);
                }
                LockSupport.parkNanos(POLL_NANOS);
            }
        } catch (IOException e) {
            throw new ContainerLaunchException("cannot follow the container's output", e);
        }
    }

    private InspectContainerResponse.ContainerState state(String id) {
        try {
            return waitStrategyTarget.getDockerClient().inspectContainerCmd(id).exec().getState();
        } catch (NotFoundException e) {
            return null;
        }
    }

    private String allLogs(String id, StringBuffer followed) {
        StringBuffer all = new StringBuffer();
        try (FrameConsumerResultCallback callback = new FrameConsumerResultCallback()) {
            callback.addConsumer(OutputFrame.OutputType.STDOUT, frame -> all.append(frame.getUtf8String()));
            callback.addConsumer(OutputFrame.OutputType.STDERR, frame -> all.append(frame.getUtf8String()));
            waitStrategyTarget.getDockerClient().logContainerCmd(id).withStdOut(true).withStdErr(true).exec(callback).awaitCompletion();
        } catch (IOException | RuntimeException e) {
            return followed.toString();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return followed.toString();
        }
        return all.length() > 0 ? all.toString() : followed.toString();
    }
}
