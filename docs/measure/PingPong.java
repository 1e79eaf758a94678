import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * The floor for `pooly call`: one line written to an already running `cat` and its echo read
 * back, N times, from one JVM. Prints the mean microseconds per line after a warm-up.
 * Run: java docs/measure/PingPong.java 20000
 */
public class PingPong {
    public static void main(String[] args) throws Exception {
        int n = Integer.parseInt(args.length > 0 ? args[0] : "20000");
        Process cat = new ProcessBuilder("cat").start();
        OutputStream in = cat.getOutputStream();
        BufferedReader out = new BufferedReader(new InputStreamReader(cat.getInputStream(), StandardCharsets.UTF_8));
        byte[] line = (String.valueOf(12345) + "\n").getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < 5_000; i++) roundTrip(in, out, line);
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) roundTrip(in, out, line);
        long t1 = System.nanoTime();
        System.out.printf("%.2f%n", (t1 - t0) / 1e3 / n);
        cat.destroy();
    }

    private static void roundTrip(OutputStream in, BufferedReader out, byte[] line) throws Exception {
        in.write(line);
        in.flush();
        if (out.readLine() == null) throw new IllegalStateException("cat ended");
    }
}
