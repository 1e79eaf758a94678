package dev.pooly.cli;

import dev.pooly.cli.client.ControlClient;
import dev.pooly.cli.client.Messages;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Arrays;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;

/** {@code pooly checkout POOL}: this terminal's stdin/stdout connected to one worker until stdin ends. */
@Command(name = "checkout", mixinStandardHelpOptions = true,
        description = {"Connects stdin and stdout to one worker of POOL until stdin ends.",
                "Checks out a worker, relays raw bytes both ways until stdin ends, then checks it in. Prints `pooly: checked out POOL worker PID` on stderr first.",
                "If this client dies, the daemon reclaims the lease (the pool's on_abandon)."},
        footerHeading = "%nExample:%n", footer = {"  pooly checkout upper -c pooly.yaml"})
final class CheckoutCommand implements Callable<Integer> {
    @Spec CommandSpec spec;
    @ParentCommand Pooly pooly;
    @Mixin SocketOptions socket;
    @Mixin LeaseOptions lease;

    @Parameters(index = "0", paramLabel = "POOL", description = "The pool's name.")
    String pool;

    @Override public Integer call() {
        try (ControlClient client = ControlClient.connect(socket.resolve())) {
            Map<String, Object> granted = client.call(lease.request(pool, "bytes"));
            spec.commandLine().getErr().println("pooly: checked out " + pool + " worker " + Messages.number(granted, "pid", -1));
            spec.commandLine().getErr().flush();
            AtomicReference<RuntimeException> failure = new AtomicReference<>();
            OutputStream out = pooly.stdout;
            // A platform thread: the first virtual thread would start the JDK's scheduler and pollers, tens of
            // milliseconds of a short-lived client's start-up for nothing.
            Thread relay = Thread.ofPlatform().name("pooly-checkout-relay").start(() -> relay(client, out, failure));
            // stdin on its own daemon thread, so that a worker dying ends the command at once.
            InputStream in = pooly.stdin;
            Thread.ofPlatform().daemon(true).name("pooly-checkout-stdin").start(() -> {
                byte[] buf = new byte[16 * 1024];
                try {
                    int n;
                    while ((n = in.read(buf)) > 0 && relay.isAlive()) {
                        client.send(Messages.of("data", Base64.getEncoder().encodeToString(Arrays.copyOf(buf, n))), true);
                    }
                    client.send(Messages.of("op", "checkin"), true);
                } catch (IOException | RuntimeException e) {
                    failure.compareAndSet(null, new CliException(ExitCode.FAILURE, "cannot send to the daemon: " + e.getMessage()));
                    client.close();
                }
            });
            try {
                relay.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (failure.get() != null) throw failure.get();
        }
        return ExitCode.OK;
    }

    private static void relay(ControlClient client, OutputStream out, AtomicReference<RuntimeException> failure) {
        try {
            while (true) {
                Map<String, Object> message = client.receive();
                if (message.get("data") instanceof String data) {
                    out.write(Base64.getDecoder().decode(data));
                    out.flush();
                } else {
                    ControlClient.expectOk(message);
                    return;
                }
            }
        } catch (RuntimeException e) {
            failure.set(e);
        } catch (IOException e) {
            failure.set(new CliException(ExitCode.FAILURE, "cannot write to stdout: " + e.getMessage()));
        }
    }
}
